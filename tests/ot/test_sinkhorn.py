import math

import numpy as np
import pytest
import torch

from kexue.ot import emd
from kexue.ot.sinkhorn import sinkhorn_batch


def padded_batch(rng, n_problems, max_m=7, max_n=6, dtype=torch.float64, min_size=1):
    """Random problems of varying sizes, zero-padded into one batch, plus the unpadded originals."""
    problems = []
    for _ in range(n_problems):
        m, n = rng.integers(min_size, max_m + 1), rng.integers(min_size, max_n + 1)
        a, b = rng.random(m) + 0.05, rng.random(n) + 0.05
        problems.append((a / a.sum(), b / b.sum(), rng.random((m, n))))
    M = max(len(p[0]) for p in problems)
    N = max(len(p[1]) for p in problems)
    A, B = torch.zeros(n_problems, M, dtype=dtype), torch.zeros(n_problems, N, dtype=dtype)
    C = torch.full((n_problems, M, N), 7.0, dtype=dtype)  # padding costs must be ignored
    for k, (a, b, c) in enumerate(problems):
        A[k, :len(a)] = torch.as_tensor(a)
        B[k, :len(b)] = torch.as_tensor(b)
        C[k, :len(a), :len(b)] = torch.as_tensor(c)
    return A, B, C, problems


def gap_bound(eps, tol, a, b, c):
    """Entropy bound ε·log(m·n) plus what a row-marginal error of tol can change: tol·max C."""
    return eps * math.log(len(a) * len(b)) + tol * float(np.max(c))


@pytest.mark.parametrize("eps", [0.1, 0.03, 0.01])
def test_within_entropy_bound_of_exact(eps):
    rng = np.random.default_rng(1)
    A, B, C, problems = padded_batch(rng, 60)
    tol = 1e-7
    res = sinkhorn_batch(A, B, C, eps=eps, tol=tol, max_iter=20000)
    assert bool(res.converged.all())
    assert float(res.marginal_error.max()) < tol
    for k, (a, b, c) in enumerate(problems):
        exact = emd(a, b, c)
        gap = float(res.cost[k]) - exact
        assert -tol * c.max() - 1e-12 <= gap <= gap_bound(eps, tol, a, b, c)


def test_gap_shrinks_as_eps_goes_to_zero():
    rng = np.random.default_rng(2)
    A, B, C, problems = padded_batch(rng, 20)
    exact = np.array([emd(a, b, c) for a, b, c in problems])
    gaps = []
    for eps in (0.3, 0.1, 0.03, 0.01):
        res = sinkhorn_batch(A, B, C, eps=eps, tol=1e-8, max_iter=50000)
        gaps.append(np.mean(np.abs(res.cost.numpy() - exact)))
    assert all(g1 > g2 for g1, g2 in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < 2e-3


@pytest.mark.parametrize("check_every", [1, 10])
def test_padding_gives_the_same_value_as_alone(check_every):
    rng = np.random.default_rng(3)
    A, B, C, problems = padded_batch(rng, 25)
    tol = 1e-9
    res = sinkhorn_batch(A, B, C, eps=0.05, tol=tol, check_every=check_every, return_plan=True)
    fixed = sinkhorn_batch(A, B, C, eps=0.05, tol=1e-300, max_iter=40)  # same step count for all
    for k, (a, b, c) in enumerate(problems):
        one = [torch.as_tensor(t)[None] for t in (a, b, c)]
        alone = sinkhorn_batch(*one, eps=0.05, tol=tol, check_every=check_every)
        # the stopping step can differ by one where the error is within rounding of tol
        assert float(res.cost[k]) == pytest.approx(float(alone.cost[0]), abs=10 * tol)
        alone_fixed = sinkhorn_batch(*one, eps=0.05, tol=1e-300, max_iter=40)
        assert float(fixed.cost[k]) == pytest.approx(float(alone_fixed.cost[0]), abs=1e-13)
        P = res.plan[k].numpy()
        assert np.all(P[len(a):, :] == 0) and np.all(P[:, len(b):] == 0)
        np.testing.assert_allclose(P[:len(a), :len(b)].sum(0), b, atol=1e-12)  # columns exact
        assert np.abs(P[:len(a), :len(b)].sum(1) - a).sum() < tol


def test_eps_scaling_stays_within_bound():
    rng = np.random.default_rng(4)
    A, B, C, problems = padded_batch(rng, 30)
    res = sinkhorn_batch(A, B, C, eps=0.01, tol=1e-7, eps_scaling=0.5, max_iter=20000)
    assert int(res.iterations.min()) >= math.ceil(math.log2(float(C.max()) / 0.01)) - 1
    for k, (a, b, c) in enumerate(problems):
        gap = float(res.cost[k]) - emd(a, b, c)
        assert -1e-6 <= gap <= gap_bound(0.01, 1e-7, a, b, c)


def test_float32_and_float64():
    rng = np.random.default_rng(5)
    A, B, C, _ = padded_batch(rng, 20)
    r64 = sinkhorn_batch(A, B, C, eps=0.02, tol=1e-6)
    r32 = sinkhorn_batch(A.float(), B.float(), C.float(), eps=0.02, tol=1e-5)
    assert r64.cost.dtype == torch.float64 and r32.cost.dtype == torch.float32
    assert r32.plan is None
    np.testing.assert_allclose(r32.cost.double().numpy(), r64.cost.numpy(), atol=1e-4)
    # masses follow the cost's dtype
    assert sinkhorn_batch(A, B, C.float(), eps=0.05).cost.dtype == torch.float32


def test_max_iter_reports_not_converged():
    rng = np.random.default_rng(6)
    A, B, C, _ = padded_batch(rng, 5, min_size=3)  # a 1×n problem is solved by one step
    res = sinkhorn_batch(A, B, C, eps=0.001, tol=1e-12, max_iter=3)
    assert not bool(res.converged.any())
    assert torch.all(res.iterations == 3)
    assert torch.all(res.marginal_error >= 1e-12)


def test_gradcheck_through_iterations():
    torch.manual_seed(0)
    C = torch.rand(2, 3, 2, dtype=torch.float64, requires_grad=True)
    a = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.4, 0.0]], dtype=torch.float64)  # second problem padded
    b = torch.tensor([[0.5, 0.5], [0.3, 0.7]], dtype=torch.float64)

    def cost_of_C(C):
        return sinkhorn_batch(a, b, C, eps=0.3, tol=1e-13, max_iter=60, check_every=1).cost

    assert torch.autograd.gradcheck(cost_of_C, (C,), eps=1e-6, atol=1e-7)
    a1 = torch.tensor([[0.2, 0.5, 0.3]], dtype=torch.float64, requires_grad=True)

    def cost_of_a(a1):
        return sinkhorn_batch(a1, b[:1] * a1.sum(), C[:1].detach(), eps=0.3, tol=1e-13, max_iter=60).cost

    assert torch.autograd.gradcheck(cost_of_a, (a1,), eps=1e-6, atol=1e-7)


def test_gradient_is_finite_with_padding():
    a = torch.tensor([[0.6, 0.4, 0.0]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[0.3, 0.7, 0.0]], dtype=torch.float64, requires_grad=True)
    C = torch.rand(1, 3, 3, dtype=torch.float64, requires_grad=True)
    sinkhorn_batch(a, b, C, eps=0.05).cost.sum().backward()
    for t in (a, b, C):
        assert torch.isfinite(t.grad).all()
    assert torch.all(C.grad[0, 2, :] == 0) and torch.all(C.grad[0, :, 2] == 0)


@pytest.mark.parametrize("change, message", [
    (dict(eps=0.0), "eps and tol"),
    (dict(tol=-1.0), "eps and tol"),
    (dict(eps=float("nan")), "eps and tol"),
    (dict(eps_scaling=1.5), "eps_scaling"),
    (dict(a=torch.tensor([[0.5, 0.5, 0.0]])), "shapes do not match"),
    (dict(C=torch.ones(2, 2)), "shapes do not match"),
    (dict(a=torch.tensor([[1.5, -0.5]])), "non-negative"),
    (dict(a=torch.tensor([[0.0, 0.0]]), b=torch.tensor([[0.0, 0.0]])), "positive total"),
    (dict(b=torch.tensor([[0.5, 0.6]])), "same total"),
    (dict(C=torch.tensor([[[0.0, float("nan")], [1.0, 0.0]]])), "NaN"),
])
def test_validation_errors(change, message):
    kw = dict(a=torch.tensor([[0.5, 0.5]]), b=torch.tensor([[0.5, 0.5]]), C=torch.tensor([[[0.0, 1.0], [1.0, 0.0]]]))
    kw.update(change)
    a, b, C = kw.pop("a"), kw.pop("b"), kw.pop("C")
    with pytest.raises(ValueError, match=message):
        sinkhorn_batch(a, b, C, **kw)


def test_type_errors():
    with pytest.raises(TypeError, match="torch.Tensor"):
        sinkhorn_batch(np.ones((1, 2)), torch.ones(1, 2), torch.ones(1, 2, 2))
    with pytest.raises(TypeError, match="floating-point"):
        sinkhorn_batch(torch.ones(1, 2), torch.ones(1, 2), torch.ones(1, 2, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="integer"):
        sinkhorn_batch(torch.ones(1, 2), torch.ones(1, 2), torch.ones(1, 2, 2), max_iter=2.5)


def test_nan_cost_at_padding_is_ignored():
    a = torch.tensor([[0.5, 0.5, 0.0]], dtype=torch.float64)
    C = torch.tensor([[[0.0, 1.0, np.nan], [1.0, 0.0, np.nan], [np.nan] * 3]], dtype=torch.float64)
    res = sinkhorn_batch(a, a, C, eps=0.01)
    assert float(res.cost[0]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
def test_compiled_step_gives_the_same_values():
    rng = np.random.default_rng(7)
    A, B, C, _ = padded_batch(rng, 12)
    plain = sinkhorn_batch(A, B, C, eps=0.05, tol=1e-9)
    fused = sinkhorn_batch(A, B, C, eps=0.05, tol=1e-9, compile=True)  # inductor on the CPU (C++)
    np.testing.assert_allclose(fused.cost.numpy(), plain.cost.numpy(), atol=1e-9)
    assert bool(fused.converged.all())
