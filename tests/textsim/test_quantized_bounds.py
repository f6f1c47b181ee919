import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kexue.textsim import Index
from kexue.textsim.quantized_bounds import BLOCK, principal_rotation, quantize_rows


def float_relaxed(index, query):
    """The relaxed bound in float64 from the original vectors (no quantisation, no slack); zero vectors carry no
    WRD mass and are left out."""
    q = np.asarray(query, np.float64)
    nq = np.linalg.norm(q, axis=1)
    out = []
    for i in range(len(index)):
        x = index.document(i).astype(np.float64)
        b = index.masses[index.offsets[i]:index.offsets[i + 1]]
        if index.measure == "wrd":
            p = nq / nq.sum()
            nx = np.linalg.norm(x, axis=1)
            qq, pp, xx, bb = q[nq > 0], p[nq > 0], x[nx > 0], b[nx > 0]
            C = 1.0 - (qq / nq[nq > 0, None]) @ (xx / nx[nx > 0, None]).T
        else:
            pp, bb = np.full(len(q), 1.0 / len(q)), b
            C = np.sqrt(np.maximum(((q[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0.0))
        out.append(max(pp @ C.min(1), bb @ C.min(0)))
    return np.array(out)


def test_quantisation_residuals_are_upper_bounds():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 64)).astype(np.float32)
    x[7] = 0.0
    norms = np.linalg.norm(x.astype(np.float64), axis=1)
    units = x / np.where(norms > 0, norms, 1)[:, None]
    codes, scales, residual = quantize_rows(units)
    assert codes.dtype == np.int8 and np.abs(codes).max() <= 127
    err = np.linalg.norm(units - scales[:, None] * codes, axis=1)
    assert np.all(err <= residual) and residual.max() < 0.05
    assert scales[7] == 0 and residual[7] < 1e-12 and not codes[7].any()


def test_int8_bound_is_close_to_the_float_bound():
    rng = np.random.default_rng(1)
    docs = [rng.normal(size=(rng.integers(2, 20), 96)).astype(np.float32) for _ in range(80)]
    for measure in ("wrd", "wmd"):
        index = Index(docs, measure=measure)
        query = rng.normal(size=(9, 96)).astype(np.float32)
        ref = float_relaxed(index, query)
        _, relaxed = index.bounds(query)
        assert np.all(relaxed <= ref + 1e-12)
        scale = 1.0 if measure == "wrd" else np.median(ref)
        assert np.max(ref - relaxed) < 0.05 * scale  # quantisation costs little tightness


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["wrd", "wmd"]), st.floats(0.0, 2.0))
def test_early_stopping_returns_the_bound_or_a_value_past_the_threshold(seed, measure, frac):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 40))
    docs = [rng.normal(size=(rng.integers(1, 12), d)).astype(np.float32) for _ in range(25)]
    index = Index(docs, measure=measure)
    query = rng.normal(size=(int(rng.integers(1, 12)), d)).astype(np.float32)
    prepared = index._prepare(query, None)
    ids = np.arange(len(index))
    full, work_full = index._relaxed(prepared, ids)
    assert np.all(work_full == 1.0)
    threshold = frac * float(np.median(full))
    early, work = index._relaxed(prepared, ids, threshold)
    stopped = work < 1.0
    assert np.all(work > 0)
    np.testing.assert_array_equal(early[~stopped], full[~stopped])
    assert np.all(early[stopped] >= threshold) and np.all(early[stopped] <= full[stopped] + 1e-12)
    exact = index.exact(query, ids)
    assert np.all(full <= exact + 1e-12)


def test_identical_document_has_zero_bound_and_stats_report_work():
    rng = np.random.default_rng(3)
    docs = [rng.normal(size=(6, 32)).astype(np.float32) for _ in range(300)]
    index = Index(docs)
    _, relaxed = index.bounds(docs[4])
    assert relaxed[4] == 0.0
    ids, dist = index.search(docs[4], k=3)
    assert ids[0] == 4 and dist[0] == 0.0
    assert 0.0 < index.last_stats.relaxed_work <= 1.0


def test_principal_rotation_is_orthogonal_and_orders_energy():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2000, 24)) * np.linspace(0.1, 3.0, 24)
    units = x / np.linalg.norm(x, axis=1, keepdims=True)
    R = principal_rotation(units)
    np.testing.assert_allclose(R @ R.T, np.eye(24), atol=1e-12)
    energy = ((units @ R.T) ** 2).mean(0)
    assert np.all(np.diff(energy) <= 1e-12)  # largest first


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["wrd", "wmd"]))
def test_every_block_stage_is_a_bound(seed, measure):
    """Stopping after any dimension block must still give a lower bound: run with thresholds that stop documents
    at every block and check each returned value against the exact distance."""
    rng = np.random.default_rng(seed)
    d = int(rng.integers(BLOCK + 1, 3 * BLOCK))  # several blocks, d not a multiple of the block size
    docs = [rng.normal(size=(rng.integers(2, 30), d)).astype(np.float32) for _ in range(20)]
    docs[0][0] = 0.0  # a zero token
    index = Index(docs, measure=measure)
    query = rng.normal(size=(int(rng.integers(1, 11)), d)).astype(np.float32)
    prepared = index._prepare(query, None)
    ids = np.arange(len(index))
    exact = index.exact(query, ids)
    for frac in (0.05, 0.2, 0.5, 0.8, 1.0):
        early, work = index._relaxed(prepared, ids, frac * float(np.median(exact)))
        assert np.all(early <= exact + 1e-12)


@pytest.mark.parametrize("measure", ["wrd", "wmd"])
def test_long_documents_and_queries_give_bounds(measure):
    """Documents of up to 70 tokens (up to 9 token vectors, odd and even) and a 37-token query (ten row groups,
    the last one padded) against the float64 relaxed bound and the exact distance."""
    rng = np.random.default_rng(11)
    d = 2 * BLOCK + 44  # padded to three blocks
    docs = [rng.normal(size=(n, d)).astype(np.float32) for n in (1, 7, 8, 9, 16, 17, 33, 64, 70)]
    index = Index(docs, measure=measure)
    query = rng.normal(size=(37, d)).astype(np.float32)
    _, relaxed = index.bounds(query)
    exact = index.exact(query, np.arange(len(docs)))
    ref = float_relaxed(index, query)
    assert np.all(relaxed <= exact + 1e-12) and np.all(relaxed <= ref + 1e-12)
    scale = 1.0 if measure == "wrd" else np.median(ref)
    assert np.max(ref - relaxed) < 0.05 * scale


def test_wmd_bounds_hold_for_large_norms():
    """Raw (unnormalised) vectors with norms in the hundreds: the float32 centroids' rounding must be covered."""
    rng = np.random.default_rng(5)
    d = 70
    docs = [(rng.normal(size=(rng.integers(2, 12), d)) * 60 + 200 * rng.normal(size=d)).astype(np.float32)
            for _ in range(40)]
    index = Index(docs, measure="wmd")
    query = (docs[3] + rng.normal(size=docs[3].shape)).astype(np.float32)
    prepared = index._prepare(query, None)
    ids = np.arange(len(index))
    exact = index.exact(query, ids)
    assert np.all(index._relaxed_exact(prepared, ids) <= exact * (1 + 1e-12) + 1e-9)
    for frac in (0.3, 0.7, 0.9, 1.0, 1.2):
        early, _ = index._relaxed(prepared, ids, frac * float(np.median(exact)))
        assert np.all(early <= exact * (1 + 1e-12) + 1e-9)
    ids_s, dist = index.search(query, k=5)
    top = np.lexsort((ids, exact))[:5]
    np.testing.assert_allclose(dist, exact[top], rtol=1e-12)


def test_portable_kernel_gives_the_same_bounds(tmp_path):
    """The plain-IR integer arithmetic (machines without AVX2) computes the same bounds as vpmaddubsw."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, numpy as np\n"
        "from kexue.textsim import Index\n"
        "rng = np.random.default_rng(3)\n"
        "docs = [rng.normal(size=(int(rng.integers(1, 20)), 40)).astype(np.float32) for _ in range(60)]\n"
        "out = {}\n"
        "for measure in ('wrd', 'wmd'):\n"
        "    index = Index(docs, measure=measure)\n"
        "    q = rng.normal(size=(int(rng.integers(1, 11)), 40)).astype(np.float32)\n"
        "    out[measure] = index.bounds(q)[1].tolist()\n"
        "from kexue.textsim import simd_kernels\n"
        "out['avx2'] = simd_kernels._AVX2\n"
        "print(json.dumps(out))\n")
    results = []
    for portable in ("0", "1"):
        env = dict(os.environ, KEXUE_PORTABLE_KERNEL=portable, NUMBA_CACHE_DIR=str(tmp_path / portable))
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert results[1]["avx2"] is False  # the second run really used the portable code
    for measure in ("wrd", "wmd"):
        np.testing.assert_array_equal(results[0][measure], results[1][measure])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["wrd", "wmd"]), st.booleans())
def test_exact_relaxed_bound_is_the_float_bound_and_below_exact(seed, measure, duplicate):
    """The float32 relaxed bound on the final candidates: within its slack of the float64 relaxed bound, never
    above it or the exact distance (also for a document equal to the query, and with a zero token)."""
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 60))
    docs = [rng.normal(size=(rng.integers(2, 15), d)).astype(np.float32) for _ in range(12)]
    docs[1][0] = 0.0
    index = Index(docs, measure=measure)
    query = docs[3].copy() if duplicate else rng.normal(size=(int(rng.integers(1, 13)), d)).astype(np.float32)
    ids = np.arange(len(index))
    bound = index._relaxed_exact(index._prepare(query, None), ids[::-1])[::-1]  # any order of ids
    ref = float_relaxed(index, query)
    exact = index.exact(query, ids)
    assert np.all(bound <= ref + 1e-12) and np.all(bound <= exact + 1e-12)
    scale = 1.0 if measure == "wrd" else max(1.0, float(np.max(ref)))
    assert np.all(ref - bound <= 1e-3 * scale + (0 if measure == "wrd" else 0.05 * np.sqrt(scale)))
