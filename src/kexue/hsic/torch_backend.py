r"""PyTorch HSIC for use as a loss: differentiable, batched over leading dimensions, on any device.

The estimator arithmetic is :func:`kexue.hsic.estimators.hsic_from_sums`, shared with the NumPy code; only the
Gram matrices and their sums are computed here with torch ops. Median-heuristic bandwidths are computed from
detached distances (a constant for autograd, as in the HSIC-bottleneck paper's code).
"""

from __future__ import annotations

from typing import Callable, Optional, Union

import torch
from torch import nn

from kexue._validation import check_choice
from kexue.hsic.estimators import ESTIMATORS, GramSums, hsic_from_sums
from kexue.hsic.kernels import MEDIAN_MAX_SAMPLES

TorchKernel = Union[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]
_KERNELS = ("gaussian", "laplace", "linear")
REDUCTIONS = ("mean", "sum", "none")


def _median_offdiag(d: torch.Tensor) -> torch.Tensor:
    """Median over i < j of a (..., n, n) distance tensor (rows subsampled with a fixed seed above
    MEDIAN_MAX_SAMPLES), as a detached (..., 1, 1) tensor; zero medians fall back to 1."""
    d = d.detach()
    n = d.shape[-1]
    if n > MEDIAN_MAX_SAMPLES:
        idx = torch.randperm(n, generator=torch.Generator().manual_seed(0))[:MEDIAN_MAX_SAMPLES].to(d.device)
        d = d[..., idx, :][..., :, idx]
        n = MEDIAN_MAX_SAMPLES
    iu = torch.triu_indices(n, n, 1, device=d.device)
    vals = d[..., iu[0], iu[1]]
    med = torch.quantile(vals, 0.5, dim=-1) if vals.shape[-1] <= 16_000_000 else vals.median(dim=-1).values
    med = torch.where(med > 0, med, torch.ones_like(med))
    return med[..., None, None]


def gram_torch(x: torch.Tensor, kernel: TorchKernel = "gaussian",
               bandwidth: Union[None, float, torch.Tensor] = None) -> torch.Tensor:
    r"""Gram matrices of x with shape (..., n, d) (or (..., n)): returns (..., n, n).

    ``"gaussian"``: :math:`\exp(-\|a-b\|^2/(2\sigma^2))`, ``bandwidth=None`` gives the median heuristic
    :math:`2\sigma^2 = \mathrm{median}\|x_i-x_j\|^2` (per batch element); ``"laplace"``:
    :math:`\exp(-\|a-b\|_1/\sigma)`; ``"linear"``: :math:`a^\top b`; or a callable ``k(A, B) -> Gram``.
    """
    if x.dim() == 1:
        x = x[:, None]
    if callable(kernel):
        return kernel(x, x)
    check_choice(kernel, "kernel", _KERNELS)
    if kernel == "linear":
        return x @ x.transpose(-1, -2)
    if kernel == "gaussian":
        sq = (x * x).sum(-1)
        d = (sq[..., :, None] + sq[..., None, :] - 2.0 * x @ x.transpose(-1, -2)).clamp_min(0.0)
        two_sigma2 = _median_offdiag(d) if bandwidth is None else 2.0 * torch.as_tensor(bandwidth) ** 2
        return torch.exp(-d / two_sigma2)
    d = torch.cdist(x, x, p=1.0)
    sigma = _median_offdiag(d) if bandwidth is None else torch.as_tensor(bandwidth)
    return torch.exp(-d / sigma)


def _sums(K: torch.Tensor, L: torch.Tensor) -> GramSums:
    rk, rl = K.sum(-1), L.sum(-1)
    dk, dl = torch.diagonal(K, dim1=-2, dim2=-1), torch.diagonal(L, dim1=-2, dim2=-1)
    return GramSums(n=K.shape[-1], kl=(K * L).sum((-2, -1)), rr=(rk * rl).sum(-1), k=rk.sum(-1), l=rl.sum(-1),
                    dd=(dk * dl).sum(-1), tk=dk.sum(-1), tl=dl.sum(-1), dr=(dk * rl).sum(-1), rd=(rk * dl).sum(-1))


def _reduce(v: torch.Tensor, reduction: str) -> torch.Tensor:
    check_choice(reduction, "reduction", REDUCTIONS)
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


def _check_pair(x: torch.Tensor, y: torch.Tensor):
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(f"x and y must be torch tensors, got {type(x).__name__} and {type(y).__name__}")
    nx = x.shape[-1] if x.dim() == 1 else x.shape[-2]
    ny = y.shape[-1] if y.dim() == 1 else y.shape[-2]
    if nx != ny:
        raise ValueError(f"x and y must have the same number of samples, got {nx} and {ny}")
    if nx < 2:
        raise ValueError("HSIC needs at least 2 samples")


def hsic_torch(x: torch.Tensor, y: torch.Tensor, *, kernel_x: TorchKernel = "gaussian",
               kernel_y: TorchKernel = "gaussian", bandwidth_x: Optional[float] = None,
               bandwidth_y: Optional[float] = None, estimator: str = "biased",
               reduction: str = "mean") -> torch.Tensor:
    r"""Differentiable HSIC of x (..., n, d_x) and y (..., n, d_y); leading dimensions are a batch.

    Same estimators as :func:`kexue.hsic.hsic` (biased :math:`\mathrm{tr}(KHLH)/(n-1)^2` or Song's unbiased),
    O(n^2) per batch element. Returns a scalar for ``reduction="mean"``/``"sum"``, the batch shape for
    ``"none"``. dtype and device follow the inputs.

    Examples
    --------
    >>> x = torch.randn(4, 64, 3, requires_grad=True)
    >>> loss = hsic_torch(x, x ** 2)
    >>> loss.backward()
    >>> x.grad.shape
    torch.Size([4, 64, 3])
    """
    _check_pair(x, y)
    check_choice(estimator, "estimator", ESTIMATORS)
    K = gram_torch(x, kernel_x, bandwidth_x)
    L = gram_torch(y, kernel_y, bandwidth_y)
    return _reduce(hsic_from_sums(_sums(K, L), estimator), reduction)


def cka_torch(x: torch.Tensor, y: torch.Tensor, *, kernel_x: TorchKernel = "gaussian",
              kernel_y: TorchKernel = "gaussian", bandwidth_x: Optional[float] = None,
              bandwidth_y: Optional[float] = None, estimator: str = "biased", reduction: str = "mean",
              eps: float = 1e-12) -> torch.Tensor:
    r"""Differentiable normalised HSIC (CKA) :math:`\mathrm{HSIC}(x,y)/\sqrt{\mathrm{HSIC}(x,x)\mathrm{HSIC}(y,y)}`.

    ``eps`` keeps the square root differentiable when a self-term is 0 (a constant batch).
    """
    _check_pair(x, y)
    check_choice(estimator, "estimator", ESTIMATORS)
    K = gram_torch(x, kernel_x, bandwidth_x)
    L = gram_torch(y, kernel_y, bandwidth_y)
    kl = hsic_from_sums(_sums(K, L), estimator)
    kk = hsic_from_sums(_sums(K, K), estimator)
    ll = hsic_from_sums(_sums(L, L), estimator)
    return _reduce(kl / torch.sqrt((kk * ll).clamp_min(0.0) + eps), reduction)


class HSICLoss(nn.Module):
    """``nn.Module`` wrapper of :func:`hsic_torch` (``normalized=True``: :func:`cka_torch`).

    Examples
    --------
    >>> crit = HSICLoss(normalized=True)
    >>> z = torch.randn(32, 8)
    >>> float(crit(z, z)) > 0.99
    True
    """

    def __init__(self, *, kernel_x: TorchKernel = "gaussian", kernel_y: TorchKernel = "gaussian",
                 bandwidth_x: Optional[float] = None, bandwidth_y: Optional[float] = None,
                 estimator: str = "biased", normalized: bool = False, reduction: str = "mean"):
        super().__init__()
        check_choice(estimator, "estimator", ESTIMATORS)
        check_choice(reduction, "reduction", REDUCTIONS)
        self.kw = dict(kernel_x=kernel_x, kernel_y=kernel_y, bandwidth_x=bandwidth_x, bandwidth_y=bandwidth_y,
                       estimator=estimator, reduction=reduction)
        self.normalized = normalized

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (cka_torch if self.normalized else hsic_torch)(x, y, **self.kw)
