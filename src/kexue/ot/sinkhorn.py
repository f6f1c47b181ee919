"""Batched entropic optimal transport (log-domain Sinkhorn) in PyTorch, for GPUs and CPUs.

For each problem in a padded batch, with ε > 0,

    P_ij = exp((f_i + g_j − C_ij)/ε),
    f_i ← ε log a_i − ε LSE_j((g_j − C_ij)/ε),   g_j ← ε log b_j − ε LSE_i((f_i − C_ij)/ε),

iterated until the row marginals of ``P`` match ``a`` to ``tol`` (L1), working with log-sum-exp so that a small
ε cannot overflow. Padding is given by zero masses: ``log 0 = −inf`` removes those rows and columns. The
returned value is the transport cost ``⟨P, C⟩``, an approximation of the exact EMD whose gap shrinks with ε.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SinkhornResult:
    """``cost``: ⟨P, C⟩ per problem; ``marginal_error``: L1 row-marginal error per problem; ``iterations``."""

    cost: "torch.Tensor"  # noqa: F821
    marginal_error: "torch.Tensor"  # noqa: F821
    iterations: int
    plan: "torch.Tensor | None" = None  # noqa: F821


def sinkhorn_batch(a, b, C, *, eps: float = 0.01, tol: float = 1e-5, max_iter: int = 1000,
                   check_every: int = 10, return_plan: bool = False) -> SinkhornResult:
    """Solve a batch of entropic OT problems in the log domain.

    Parameters
    ----------
    a : Tensor (B, M)
    b : Tensor (B, N)
        Masses, non-negative, each row summing to the same total as its partner; zeros mark padding.
    C : Tensor (B, M, N)
        Costs (values at padded positions are ignored).
    eps : float
        Entropic regularisation ε (in the units of ``C``).
    tol : float
        Stop when every problem's L1 row-marginal error is below ``tol``.
    max_iter, check_every : int
        Iteration cap; how often the stopping rule is evaluated.

    Returns
    -------
    SinkhornResult
    """
    import torch

    if eps <= 0 or tol <= 0:
        raise ValueError(f"eps and tol must be positive, got eps={eps}, tol={tol}")
    if C.dim() != 3 or a.shape != C.shape[:2] or b.shape != (C.shape[0], C.shape[2]):
        raise ValueError(f"shapes do not match: a {tuple(a.shape)}, b {tuple(b.shape)}, C {tuple(C.shape)}; "
                         "need a (B, M), b (B, N), C (B, M, N)")
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()) or (a < 0).any() or (b < 0).any():
        raise ValueError("masses must be finite and non-negative")
    dtype = C.dtype if C.dtype in (torch.float32, torch.float64) else torch.float32
    a, b, C = a.to(dtype), b.to(dtype), C.to(dtype)
    log_a, log_b = torch.log(a), torch.log(b)  # −inf on padding
    valid = (a > 0)[:, :, None] & (b > 0)[:, None, :]
    Ce = torch.where(valid, C, torch.zeros((), dtype=dtype, device=C.device)) / eps
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    it, err = 0, torch.full((a.shape[0],), float("inf"), dtype=dtype, device=a.device)
    for it in range(1, max_iter + 1):
        f = eps * (log_a - torch.logsumexp(g[:, None, :] / eps - Ce, dim=2))
        f = torch.where(a > 0, f, torch.full_like(f, float("-inf")))
        g = eps * (log_b - torch.logsumexp(f[:, :, None] / eps - Ce, dim=1))
        g = torch.where(b > 0, g, torch.full_like(g, float("-inf")))
        if it % check_every == 0 or it == max_iter:
            logP = (f[:, :, None] + g[:, None, :]) / eps - Ce
            err = (torch.exp(logP).sum(2) - a).abs().sum(1)
            if bool((err < tol).all()):
                break
    P = torch.exp((f[:, :, None] + g[:, None, :]) / eps - Ce)
    P = torch.where(valid, P, torch.zeros((), dtype=dtype, device=C.device))
    cost = (P * torch.where(valid, C, torch.zeros((), dtype=dtype, device=C.device))).sum((1, 2))
    return SinkhornResult(cost, err, it, P if return_plan else None)
