import math

import numpy as np
import pytest
import torch

from kexue.textsim import wmd, wrd
from kexue.textsim.entropic import pad_sequences, sinkhorn_distance_batch


def random_pairs(rng, n, d=16, max_len=12):
    xs = [rng.normal(size=(rng.integers(1, max_len + 1), d)).astype(np.float32) for _ in range(n)]
    ys = [rng.normal(size=(rng.integers(1, max_len + 1), d)).astype(np.float32) for _ in range(n)]
    return xs, ys


@pytest.mark.parametrize("measure, exact, max_cost", [("wrd", wrd, lambda x, y: 2.0),
                                                      ("wmd", wmd, None)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_close_to_exact_within_bound(measure, exact, max_cost, dtype):
    rng = np.random.default_rng(0)
    xs, ys = random_pairs(rng, 12, max_len=10)
    eps, tol = 0.01, 1e-5
    if measure == "wmd":  # Euclidean costs are ~√(2d); scale ε to the cost so the test stays fast
        eps = 0.01 * math.sqrt(2 * 16)
    got = sinkhorn_distance_batch(xs, ys, measure, eps=eps, tol=tol, dtype=dtype, batch_size=5, max_iter=5000)
    for x, y, g in zip(xs, ys, got):
        ex = exact(x.astype(np.float64), y.astype(np.float64))
        cmax = 2.0 if max_cost else float(np.max(np.linalg.norm(x[:, None] - y[None], axis=2)))
        slack = 1e-4 if dtype == torch.float32 else 1e-9  # float32 rounding of costs and sums
        assert -tol * cmax - slack <= g - ex <= eps * math.log(len(x) * len(y)) + tol * cmax + slack


def test_order_preserved_and_batching_invisible():
    rng = np.random.default_rng(1)
    xs, ys = random_pairs(rng, 30)
    whole = sinkhorn_distance_batch(xs, ys, eps=0.05, dtype=torch.float64, tol=1e-10)
    small = sinkhorn_distance_batch(xs, ys, eps=0.05, dtype=torch.float64, tol=1e-10, batch_size=7)
    single = np.array([sinkhorn_distance_batch([x], [y], eps=0.05, dtype=torch.float64, tol=1e-10)[0]
                       for x, y in zip(xs, ys)])
    np.testing.assert_allclose(whole, single, atol=1e-9)
    np.testing.assert_allclose(small, single, atol=1e-9)


def test_identical_and_opposite_sentences():
    x = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    got = sinkhorn_distance_batch([x, x], [x, -x], eps=0.01, dtype=torch.float64)
    assert got[0] == pytest.approx(0.0, abs=1e-9)
    assert got[1] == pytest.approx(wrd(x, -x), abs=0.01 * math.log(4) + 1e-8)  # 4/3: e2 → −e1, e1 → −e2


def test_zero_vector_rows_carry_no_mass_like_exact_wrd():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 1.0]])
    got = sinkhorn_distance_batch([x], [y], eps=0.001, tol=1e-9, dtype=torch.float64)[0]
    assert got == pytest.approx(wrd(x, y), abs=0.001 * math.log(3) + 1e-8)


def test_pad_sequences():
    X, lengths = pad_sequences([np.ones((2, 3)), np.ones((4, 3))], dtype=torch.float64)
    assert X.shape == (2, 4, 3) and X.dtype == torch.float64 and lengths.tolist() == [2, 4]
    assert torch.all(X[0, 2:] == 0)
    with pytest.raises(ValueError, match="same d"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="no vectors"):
        pad_sequences([np.ones((0, 3))])
    with pytest.raises(ValueError, match="NaN"):
        pad_sequences([np.full((1, 3), np.nan)])
    with pytest.raises(ValueError, match="no sequences"):
        pad_sequences([])


@pytest.mark.parametrize("call, message", [
    (lambda: sinkhorn_distance_batch([np.ones((2, 3))], [], "wrd"), "aligned"),
    (lambda: sinkhorn_distance_batch([], [], "wrd"), "no pairs"),
    (lambda: sinkhorn_distance_batch([np.ones((2, 3))], [np.ones((2, 3))], "cos"), "unknown measure"),
    (lambda: sinkhorn_distance_batch([np.ones((2, 3))], [np.ones((2, 4))]), "dimensions"),
    (lambda: sinkhorn_distance_batch([np.zeros((2, 3))], [np.ones((2, 3))]), "zero vectors"),
    (lambda: sinkhorn_distance_batch([np.ones((2, 3))], [np.ones((2, 3))], eps=-1.0), "eps"),
])
def test_validation(call, message):
    with pytest.raises(ValueError, match=message):
        call()
