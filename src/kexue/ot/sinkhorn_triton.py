"""Fused Triton kernel for batched log-domain Sinkhorn: one program per problem, its cost tile kept in registers.

The PyTorch loop in :mod:`kexue.ot.sinkhorn` reads every ``(M, N)`` cost matrix from memory several times per
step and synchronises with the host at every check. Here one Triton program owns one problem: it loads its
cost tile once, runs all its Sinkhorn steps on chip, evaluates the stopping rule itself (so each problem stops
on its own, without the host) and writes four numbers per problem.

The arithmetic is that of :func:`kexue.ot.sinkhorn.sinkhorn_batch`, in base 2: with ``κ = log₂(e)/ε``,
``c = κC``, ``u = κf`` and ``v = κg``,

    u_i ← log₂ a_i − LSE₂_j(v_j − c_ij),   v_j ← log₂ b_j − LSE₂_i(u_i − c_ij),
    LSE₂_j(x_j) = m + log₂ Σ_j 2^(x_j − m),  m = max_j x_j,

so that ``exp`` and ``log`` become the hardware's ``exp2``/``log2``. The stopping rule is the same L1
row-marginal error of the current plan, ``Σ_i a_i |2^(u_i − u_i⁺) − 1|`` (``u⁺`` the next ``u``), checked every
``check_every`` steps; the plan kept is the one the error was measured on, and the cost is
``⟨P, C⟩ = Σ_ij 2^(u_i + v_j − c_ij) C_ij``. The kernel iterates on reduced costs ``c − α_i − β_j`` (row and
column minima), which changes no plan but keeps the float32 potentials small.

Compute is float32 (float64 inputs are cast; results come back in the input dtype, with float32 accuracy).
No autograd: the kernel has no backward; use ``kernel="torch"`` for gradients.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl
from triton.language.extra import libdevice

from kexue._validation import check_positive_int
from kexue.ot.sinkhorn import SinkhornResult, _check_inputs, _check_triton_request


@triton.jit
def _log2(x, FAST_LOG: tl.constexpr):
    # lg2.approx (absolute error ~2⁻²², far below the float32 resolution of potentials of size ~2⁸) instead of
    # libdevice's exact log2f, a polynomial of ~15 instructions that every thread runs for each row and column
    # it holds; Triton's CPU interpreter and HIP do not have it
    if FAST_LOG:
        return libdevice.fast_log2f(x)
    else:
        return tl.log2(x)


@triton.jit
def _f_step(v, c, log_a, FAST_LOG: tl.constexpr):
    """u⁺_i = log₂ a_i − LSE₂_j(v_j − c_ij), the maximum subtracted so that nothing overflows."""
    x = v[None, :] - c
    mx = tl.max(x, 1)
    return log_a - mx - _log2(tl.sum(tl.exp2(x - mx[:, None]), 1), FAST_LOG)


@triton.jit
def _g_step(u, c, log_b, FAST_LOG: tl.constexpr):
    """v⁺_j = log₂ b_j − LSE₂_i(u_i − c_ij)."""
    x = u[:, None] - c
    mx = tl.max(x, 0)
    return log_b - mx - _log2(tl.sum(tl.exp2(x - mx[None, :]), 0), FAST_LOG)


@triton.jit
def _sinkhorn_kernel(a_ptr, b_ptr, c_ptr, cost_ptr, err_ptr, iter_ptr, M, N, scale, tol, max_iter, check_every,
                     BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, FAST_LOG: tl.constexpr):
    # Padding (zero mass, and the block beyond M × N) gets log-mass NEG instead of −∞: 2^(NEG − x) = 0 all the
    # same, NEG − x rounds back to NEG, and no −∞ − (−∞) = NaN can arise, so no masks need to stay live.
    NEG: tl.constexpr = -1.0e30
    pid = tl.program_id(0).to(tl.int64)  # int64: B·M·N can exceed 2³¹
    rows = tl.arange(0, BLOCK_M)
    cols = tl.arange(0, BLOCK_N)
    a = tl.load(a_ptr + pid * M + rows, mask=rows < M, other=0.0)
    b = tl.load(b_ptr + pid * N + cols, mask=cols < N, other=0.0)
    log_a = tl.where(a > 0, tl.log2(tl.where(a > 0, a, 1.0)), NEG)
    log_b = tl.where(b > 0, tl.log2(tl.where(b > 0, b, 1.0)), NEG)
    ok = (a > 0)[:, None] & (b > 0)[None, :]
    C = tl.load(c_ptr + pid * M * N + rows[:, None] * N + cols[None, :],
                mask=(rows[:, None] < M) & (cols[None, :] < N), other=0.0)
    c = tl.where(ok, C * scale, 0.0)  # padded costs are ignored, even NaN
    # Reduced costs c' = c − α_i − β_j (α_i = min_j c_ij, β_j = min_i (c_ij − α_i), over real entries) with
    # potentials u' = u − α, v' = v − β give the same plans, steps and stopping rule, but c' ≥ 0 has a zero in
    # every row and column, so the potentials stay small. Their float32 rounding, which limits how far below tol
    # the marginal error can be resolved, shrinks with them.
    alpha = tl.where(a > 0, tl.min(tl.where(ok, c, float("inf")), 1), 0.0)
    beta = tl.where(b > 0, tl.min(tl.where(ok, c - alpha[:, None], float("inf")), 0), 0.0)
    c = tl.where(ok, c - alpha[:, None] - beta[None, :], 0.0)

    # loop invariant: (u, v) is the plan after `it - 1` steps and u_new = _f_step(v), whose row sums are
    # a·2^(u − u_new): the stopping rule needs no pass over the tile
    u = tl.where(a > 0, -alpha, NEG)  # f = 0 and g = 0 (on real columns) in the PyTorch loop
    v = tl.where(b > 0, -beta, NEG)  # padded columns must not enter the first step
    u_new = _f_step(v, c, log_a, FAST_LOG)
    it = 1
    err = tl.full([], float("inf"), tl.float32)  # set at the first check
    running = err > 0.0
    while running:
        last = it > max_iter  # this step only measures the plan after max_iter steps
        if (it % check_every == 0) | last:
            err = tl.sum(tl.exp2(log_a) * tl.abs(tl.exp2(u - u_new) - 1.0), 0)
            running = (err >= tol) & (last == 0)
        if running:
            v = _g_step(u_new, c, log_b, FAST_LOG)
            u = u_new
            u_new = _f_step(v, c, log_a, FAST_LOG)
            it += 1

    # ⟨P, κC⟩ = Σ P c' + Σ_i α_i (row sum)_i + Σ_j β_j (column sum)_j: α and β are two vectors to keep, where
    # reloading C at the end would keep its addresses and masks live instead (more registers)
    P = tl.exp2(u[:, None] + v[None, :] - c)
    cost = tl.sum(tl.sum(P * c, 1), 0) + tl.sum(alpha * tl.sum(P, 1), 0) + tl.sum(beta * tl.sum(P, 0), 0)
    tl.store(cost_ptr + pid, cost / scale)
    tl.store(err_ptr + pid, err)
    tl.store(iter_ptr + pid, it - 1)


def block_size(n: int) -> int:
    """Tile side for ``n`` rows or columns: the next power of two ≥ n, at least 16."""
    return max(16, triton.next_power_of_2(n))


def default_num_warps(block_m: int, block_n: int) -> int:
    """Warps per program: 1 at 16×16, 2 at 32×32, 8 at 64×64, 16 at 128×128.

    16 and 32 are timed on an H200 (``benchmarks/bench_gpu.py --num-warps``: at 32×32, 2 warps gave 10.2M pairs/s,
    4 gave 6.9M; at 16×16, 1 warp 24.1M, 2 warps 14.5M); 64 and 128 follow ptxas register counts (80 and 128
    registers, no spills) and are not timed.
    """
    side = max(block_m, block_n)
    return 1 if side <= 16 else 2 if side <= 32 else 8 if side <= 64 else 16


def _pad16(t, dims):
    """Zero-pad the trailing ``dims`` dimensions to multiples of 16 (zero masses are padding anyway)."""
    pad = []
    for size in reversed(t.shape[t.dim() - dims:]):
        pad += [0, -size % 16]
    return torch.nn.functional.pad(t, pad) if any(pad) else t


def sinkhorn_fused(a, b, C, *, eps: float = 0.01, tol: float = 1e-5, max_iter: int = 1000,
                   check_every: int = 10, num_warps: int | None = None) -> SinkhornResult:
    """Batched log-domain Sinkhorn in one fused kernel launch; what ``sinkhorn_batch(kernel="triton")`` runs.

    Parameters
    ----------
    a, b, C : Tensor (B, M), (B, N), (B, M, N)
        As in :func:`kexue.ot.sinkhorn.sinkhorn_batch`, on a CUDA device (or on the CPU under
        ``TRITON_INTERPRET=1``), ``M, N ≤ 128``, not requiring grad.
    eps, tol, max_iter, check_every : as in :func:`kexue.ot.sinkhorn.sinkhorn_batch`
    num_warps : int or None
        Warps per program (1, 2, 4, 8 or 16); ``None`` picks :func:`default_num_warps`.

    Returns
    -------
    SinkhornResult
        Without a plan; ``cost`` and ``marginal_error`` in C's dtype, computed in float32.
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    check_every = check_positive_int(check_every, "check_every")
    _check_triton_request(a, b, C)
    _check_inputs(a, b, C, eps, tol, None)
    batch, m, n = C.shape
    bm, bn = block_size(m), block_size(n)
    if num_warps is None:
        num_warps = default_num_warps(bm, bn)
    elif num_warps not in (1, 2, 4, 8, 16):
        raise ValueError(f"num_warps must be 1, 2, 4, 8 or 16, got {num_warps}")
    dtype, device = C.dtype, C.device
    # Sizes that are multiples of 16 let Triton vectorise the tile load, and the layout that follows gives each
    # thread a 1×4 strip instead of one column: at 32×32 ptxas counts 48 registers instead of 72, and the row
    # reductions need a third of the shuffles. So other sizes are zero-padded here (a copy of the batch).
    af, bf, Cf = (_pad16(t.detach().to(torch.float32), dims).contiguous() for t, dims in ((a, 1), (b, 1), (C, 2)))
    cost = torch.empty(batch, dtype=torch.float32, device=device)
    err = torch.empty(batch, dtype=torch.float32, device=device)
    iters = torch.empty(batch, dtype=torch.int32, device=device)
    _sinkhorn_kernel[(batch,)](af, bf, Cf, cost, err, iters, af.shape[1], bf.shape[1], math.log2(math.e) / eps,
                               tol, max_iter, check_every, BLOCK_M=bm, BLOCK_N=bn,
                               FAST_LOG=C.is_cuda and torch.version.hip is None, num_warps=num_warps)
    return SinkhornResult(cost.to(dtype), err.to(dtype), iters.long(), err < tol)

