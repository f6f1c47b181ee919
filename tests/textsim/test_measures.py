import importlib.util
import pathlib

import numpy as np
import ot
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from kexue.textsim import cosine, rwmd, wcd, wmd, wrd, wrd_centroid, wrd_relaxed, wrd_similarity

_ref = pathlib.Path(__file__).parents[1] / "ot" / "lp_reference.py"
_spec = importlib.util.spec_from_file_location("lp_reference", _ref)
lp_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lp_reference)


def su_wrd(x, y):
    """The definition, written independently: masses from norms, cost 1 − cos, solved as an LP."""
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    C = 1 - (x / nx[:, None]) @ (y / ny[:, None]).T
    return lp_reference.lp_emd(nx / nx.sum(), ny / ny.sum(), C)


def test_wmd_wrd_match_lp_and_pot():
    rng = np.random.default_rng(0)
    for k in range(1000):
        m, n = rng.integers(1, 10, size=2)
        d = int(rng.integers(1, 20))
        x, y = rng.normal(size=(m, d)), rng.normal(size=(n, d))
        if k % 5 == 0:  # repeated points
            x[-1] = x[0]
            y[0] = x[0]
        xw = rng.integers(1, 4, size=m).astype(float) if k % 3 == 0 else None
        p = np.full(m, 1 / m) if xw is None else xw / xw.sum()
        C = cdist(x, y)
        ref = lp_reference.lp_emd(p, np.full(n, 1 / n), C)
        assert wmd(x, y, x_weights=xw) == pytest.approx(ref, abs=1e-9)
        assert wmd(x, y, x_weights=xw) == pytest.approx(ot.emd2(p, np.full(n, 1 / n), C), abs=1e-9)
        assert wmd(x, y, metric="rms") == pytest.approx(wmd(x, y) / np.sqrt(d), abs=1e-9)
        assert wrd(x, y) == pytest.approx(su_wrd(x, y), abs=1e-9)


def test_zero_vectors_carry_no_mass():
    x = np.array([[1.0, 0.0], [0.0, 0.0]])
    y = np.array([[0.0, 2.0]])
    assert wrd(x, y) == pytest.approx(1.0)
    assert wrd_similarity(x, x) == 1.0
    with pytest.raises(ValueError, match="zero norm"):
        wrd(np.zeros((2, 2)), y)


vectors = st.integers(1, 8).flatmap(
    lambda d: st.tuples(
        arrays(np.float64, st.tuples(st.integers(1, 7), st.just(d)), elements=st.floats(-3, 3, width=32)),
        arrays(np.float64, st.tuples(st.integers(1, 7), st.just(d)), elements=st.floats(-3, 3, width=32)),
    )
)


def _leq(bound, exact):
    return bound <= exact + 1e-12 * max(1.0, abs(exact))


def check_all_bounds(x, y):
    exact_wmd = wmd(x, y)
    assert _leq(wcd(x, y), exact_wmd)
    assert _leq(rwmd(x, y), exact_wmd)
    assert _leq(rwmd(x, y, metric="rms"), wmd(x, y, metric="rms"))
    if np.linalg.norm(x, axis=1).sum() > 0 and np.linalg.norm(y, axis=1).sum() > 0:
        exact_wrd = wrd(x, y)
        assert -1e-12 <= exact_wrd <= 2 + 1e-12
        assert _leq(wrd_centroid(x, y), exact_wrd)
        assert _leq(wrd_relaxed(x, y), exact_wrd)


@settings(max_examples=1000, deadline=None)
@given(vectors)
def test_bounds_never_exceed_exact_hypothesis_arrays(xy):
    check_all_bounds(*xy)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_bounds_never_exceed_exact_10k_problems(seed):
    """500 hypothesis seeds x 20 problems = 10,000 problems, a fifth of them degenerate."""
    rng = np.random.default_rng(seed)
    for k in range(20):
        m, n, d = rng.integers(1, 12), rng.integers(1, 12), rng.integers(1, 50)
        x, y = rng.normal(size=(m, d)), rng.normal(size=(n, d))
        if k % 5 == 0:
            x = np.round(x)  # ties and zero vectors
            y[: n // 2] = x[0]  # repeated points shared by both sides
        check_all_bounds(x, y)


def test_identical_inputs_give_zero():
    rng = np.random.default_rng(3)
    for _ in range(200):
        x = rng.normal(size=(int(rng.integers(1, 9)), 5))
        for f in (wmd, wcd, rwmd, wrd, wrd_centroid, wrd_relaxed):
            assert f(x, x) == 0.0, f.__name__


def test_wmd_symmetric_and_triangle():
    rng = np.random.default_rng(7)
    for _ in range(300):
        x, y, z = (rng.normal(size=(int(rng.integers(1, 8)), 4)) for _ in range(3))
        assert wmd(x, y) == pytest.approx(wmd(y, x), abs=1e-9)
        assert wmd(x, z) <= wmd(x, y) + wmd(y, z) + 1e-9


def test_relaxed_wrd_is_weighted_greedy_matching():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(6, 8)), rng.normal(size=(4, 8))
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    cos = (x / nx[:, None]) @ (y / ny[:, None]).T
    P = (ny / ny.sum()) @ cos.max(axis=0)  # precision over the "candidate" y
    R = (nx / nx.sum()) @ cos.max(axis=1)
    assert wrd_relaxed(x, y) == pytest.approx(1 - min(P, R), abs=1e-12)


def test_cosine_baseline():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cosine(x, np.array([[2.0, 2.0]])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="zero"):
        cosine(np.array([[1.0, 0.0], [-1.0, 0.0]]), x)


@pytest.mark.parametrize("f", [wmd, wrd, cosine, wcd, rwmd, wrd_centroid, wrd_relaxed])
def test_validation(f):
    good = np.ones((2, 3))
    with pytest.raises(ValueError, match="dimension"):
        f(good, np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        f(np.array([[np.nan, 1, 1]]), good)
    with pytest.raises(ValueError, match="empty"):
        f(np.ones((0, 3)), good)
    with pytest.raises(ValueError, match="2-dimensional"):
        f(np.ones(3), good)


def test_weight_validation():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="negative"):
        wmd(x, x, x_weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="one weight per vector"):
        wmd(x, x, x_weights=[1.0])
    with pytest.raises(ValueError, match="metric"):
        wmd(x, x, metric="manhattan")
