"""Exact (semi-)orthogonal initialisation by QR with the sign fix.

The article's Corollary 2 (i.i.d. N(0, 1/n) entries give WᵀW ≈ I) holds entry by entry, but a square Gaussian
matrix is far from orthogonal spectrally (quarter-circle singular values on [0, 2]), and its norm distortion
compounds with depth. A true orthogonal matrix preserves ‖x‖ exactly at every depth (Saxe et al., 2013).

Draw A ~ N(0, 1)^{p×q} with p ≥ q, take A = QR, and multiply column j of Q by sign(R_jj). Without the sign
fix the law of Q depends on LAPACK's sign convention; with it, Q is Haar-distributed on the Stiefel manifold.
"""

from __future__ import annotations

from kexue.init.gains import _check_gain
from kexue.init.variance_scaling import _check_tensor


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """Fill ``tensor`` with a (semi-)orthogonal matrix times ``gain`` (in place).

    The tensor is viewed as ``rows × cols`` with ``rows = size(0)``. If ``rows ≥ cols`` the columns are
    orthonormal (``WᵀW = I``, the norm-preserving case y = Wx); otherwise the rows are (``WWᵀ = I``).
    The QR factorisation runs in float64, so a float32 result satisfies ``WᵀW = I`` to ~1e-7.

    Examples
    --------
    >>> import torch
    >>> w = orthogonal_(torch.empty(300, 100))
    >>> bool(torch.allclose(w.T @ w, torch.eye(100), atol=1e-5))
    True
    """
    import torch

    _check_tensor(tensor)
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs a tensor with at least 2 dimensions, got shape {tuple(tensor.shape)}")
    gain = _check_gain(gain)
    if tensor.numel() == 0:
        raise ValueError(f"cannot initialise an empty tensor of shape {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    tall = rows >= cols
    a = torch.randn((rows, cols) if tall else (cols, rows), dtype=torch.float64, generator=generator)
    q, r = torch.linalg.qr(a)
    signs = torch.sign(torch.diagonal(r))
    signs[signs == 0] = 1.0
    q = q * signs
    if not tall:
        q = q.T
    with torch.no_grad():
        tensor.copy_((q * gain).reshape(tensor.shape))
    return tensor
