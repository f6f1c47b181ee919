"""Batched WRD/WMD and pairwise matrices against the single-pair measures of kexue.textsim."""

import io

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kexue.textsim import wmd, wrd
from kexue.textsim.batch import pairwise, wmd_batch, wrd_batch


def random_pairs(count, seed=0, d=12, max_len=25):
    """Sentence-like pairs with degenerate cases mixed in: zero vectors, duplicates, shared tokens, 1 token."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(count):
        m, n = (int(v) for v in rng.integers(1, max_len, size=2))
        dtype = np.float32 if k % 2 else np.float64
        x = rng.normal(size=(m, d)).astype(dtype)
        y = rng.normal(size=(n, d)).astype(dtype)
        if k % 5 == 0:
            y[: n // 2 + 1] = x[-1]  # repeated tokens shared with x
        if k % 11 == 0 and m > 1:
            x[0] = x[-1] * 3.0  # same direction, different norm
        if k % 7 == 0 and m > 1:
            x[0] = 0.0  # zero vector: zero mass in WRD
        xs.append(x)
        ys.append(y)
    return xs, ys


def weights_for(seqs, seed):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 4, len(s)).astype(float) + (np.arange(len(s)) == 0) for s in seqs]


def test_wrd_batch_matches_wrd():
    xs, ys = random_pairs(300)
    ref = np.array([wrd(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(wrd_batch(xs, ys), ref, rtol=0, atol=1e-9)


def test_wrd_batch_with_weights_matches_wrd():
    xs, ys = random_pairs(120, seed=1)
    xw, yw = weights_for(xs, 2), weights_for(ys, 3)
    ref = np.array([wrd(x, y, a, b) for x, y, a, b in zip(xs, ys, xw, yw)])
    np.testing.assert_allclose(wrd_batch(xs, ys, xw, yw), ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("metric", ["euclidean", "rms"])
def test_wmd_batch_matches_wmd(metric):
    xs, ys = random_pairs(200, seed=4)
    xw = weights_for(xs, 5)
    ref = np.array([wmd(x, y, a, None, metric) for x, y, a in zip(xs, ys, xw)])
    np.testing.assert_allclose(wmd_batch(xs, ys, xw, None, metric), ref, rtol=0, atol=1e-9)
    ref = np.array([wmd(x, y, metric=metric) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(wmd_batch(xs, ys, metric=metric), ref, rtol=0, atol=1e-9)


@pytest.mark.slow
def test_wrd_and_wmd_batch_match_on_2000_sentence_sized_pairs():
    xs, ys = random_pairs(2000, seed=6, d=64, max_len=41)
    assert np.max(np.abs(wrd_batch(xs, ys) - [wrd(x, y) for x, y in zip(xs, ys)])) <= 1e-9
    assert np.max(np.abs(wmd_batch(xs, ys) - [wmd(x, y) for x, y in zip(xs, ys)])) <= 1e-9


def test_identical_inputs_give_exactly_zero():
    xs, _ = random_pairs(50, seed=7)
    assert np.all(wrd_batch(xs, xs) == 0.0)
    assert np.all(wmd_batch(xs, xs) == 0.0)
    # a scaled copy has the same directions and the same relative norms
    assert np.all(wrd_batch(xs, [2.0 * x for x in xs]) == 0.0)


def test_float32_and_float64_inputs_agree():
    xs, ys = random_pairs(40, seed=8)
    x32 = [x.astype(np.float32) for x in xs]
    x64 = [x.astype(np.float64) for x in x32]
    np.testing.assert_allclose(wrd_batch(x32, ys), wrd_batch(x64, ys), rtol=0, atol=1e-15)
    # non-contiguous and integer inputs are accepted too
    assert wrd_batch([np.asfortranarray(x64[0])], [x64[1][::-1]])[0] == pytest.approx(wrd(x64[0], x64[1][::-1]))
    assert wmd_batch([np.array([[0, 0], [2, 0]])], [np.array([[1, 0]])])[0] == 1.0


def test_pairwise_matches_loops_and_shows_progress(capsys):
    xs, ys = random_pairs(9, seed=9)
    ref = np.array([[wrd(x, y) for y in ys[:7]] for x in xs])
    np.testing.assert_allclose(pairwise(xs, ys[:7], "wrd", chunk_size=5), ref, rtol=0, atol=1e-9)
    ref = np.array([[wmd(x, y, metric="rms") for y in ys[:4]] for x in xs[:3]])
    np.testing.assert_allclose(pairwise(xs[:3], ys[:4], "wmd", metric="rms", progress=True), ref, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_property_wrd_range_symmetry_and_parity(m, n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, (m, d)).astype(float)  # small integers: ties, zero and parallel vectors
    y = rng.integers(-2, 3, (n, d)).astype(float)
    x[0] += np.abs(x[0]).sum() == 0
    y[0] += np.abs(y[0]).sum() == 0
    v = wrd_batch([x, y], [y, x])
    assert 0.0 <= v[0] <= 2.0
    assert v[0] == pytest.approx(v[1], abs=1e-12)
    assert v[0] == pytest.approx(wrd(x, y), abs=1e-9)
    assert wmd_batch([x], [y])[0] == pytest.approx(wmd(x, y), abs=1e-9)


X = np.ones((2, 3))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: wrd_batch([X], [X, X]), ValueError, "must align"),
    (lambda: wrd_batch([X], [np.ones((2, 4))]), ValueError, "dimensions differ"),
    (lambda: wrd_batch([X, np.zeros((2, 3))], [X, X]), ValueError, r"xs\[1\] has only zero-norm"),
    (lambda: wrd_batch([X, X], [X, np.zeros((2, 3))]), ValueError, r"ys\[1\] has only zero-norm"),
    (lambda: wrd_batch([X, np.array([[1.0, np.nan, 0.0]])], [X, X]), ValueError, r"xs\[1\] contains NaN"),
    (lambda: wmd_batch([X], [np.array([[np.inf, 0.0, 0.0]])]), ValueError, r"ys\[0\] contains NaN"),
    (lambda: wrd_batch([np.ones(3)], [X]), ValueError, r"xs\[0\] must be a non-empty"),
    (lambda: wrd_batch([np.ones((0, 3))], [X]), ValueError, r"xs\[0\] must be a non-empty"),
    (lambda: wrd_batch([], []), ValueError, "is empty"),
    (lambda: wrd_batch(X, X), TypeError, "list of"),
    (lambda: wrd_batch([np.array([["a"]])], [X]), TypeError, "must hold numbers"),
    (lambda: wmd_batch([X], [X], metric="cosine"), ValueError, "unknown metric"),
    (lambda: wmd_batch([X], [X], x_weights=[[1.0]]), ValueError, r"x_weights\[0\] has 1 weights"),
    (lambda: wmd_batch([X], [X], x_weights=[[1.0, -1.0]]), ValueError, "negative"),
    (lambda: wmd_batch([X], [X], y_weights=[[0.0, 0.0]]), ValueError, "at least one weight"),
    (lambda: wmd_batch([X], [X], y_weights=[[1.0, 1.0], [1.0]]), ValueError, "one per sequence"),
    (lambda: pairwise([X], [X], measure="cosine"), ValueError, "unknown measure"),
    (lambda: pairwise([X], [X], chunk_size=0), ValueError, "chunk_size"),
])
def test_input_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
