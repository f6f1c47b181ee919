r"""HSIC estimators in O(n^2) time and O(n) memory beyond the Gram matrices, and CKA (normalised HSIC).

Both estimators are built from the same handful of sums of two symmetric Gram matrices K and L
(𝟏 the all-ones vector, d_K = diag K, r_K = K𝟏):

* biased (Gretton et al. 2005; the article's formula)
  :math:`\mathrm{HSIC}_b = \mathrm{tr}(KHLH)/(n-1)^2` with :math:`H = I - 𝟏𝟏^\top/n`, and
  :math:`\mathrm{tr}(KHLH) = \sum_{ij} K_{ij}L_{ij} - \tfrac{2}{n} r_K^\top r_L + (𝟏^\top K𝟏)(𝟏^\top L𝟏)/n^2`;
* unbiased (Song et al. 2012), with :math:`\tilde K, \tilde L` = K, L with zeroed diagonal and n ≥ 4:
  :math:`\mathrm{HSIC}_u = [\sum \tilde K\circ\tilde L + (𝟏^\top\tilde K𝟏)(𝟏^\top\tilde L𝟏)/((n-1)(n-2))
  - 2\,(\tilde K𝟏)^\top(\tilde L𝟏)/(n-2)] / (n(n-3))`.

The sums are written so that the diagonal never has to be zeroed in a copy:
:math:`\sum\tilde K\circ\tilde L = \sum K\circ L - d_K^\top d_L`, :math:`\tilde K𝟏 = r_K - d_K`.
The same sums come from explicit feature maps (random Fourier features, Nyström; see
:mod:`kexue.hsic.approximations`) and from torch tensors (:mod:`kexue.hsic.torch_backend`), so one function,
:func:`hsic_from_sums`, turns them into either estimator for every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kexue._validation import as_float_array, check_choice
from kexue.hsic.kernels import KernelSpec, make_kernel

ESTIMATORS = ("biased", "unbiased")


@dataclass(frozen=True)
class GramSums:
    """The sums of two Gram matrices K, L that both estimators need (scalars: floats or 0-d tensors).

    n: sample size; kl: sum(K∘L); rr: (K𝟏)ᵀ(L𝟏); k, l: 𝟏ᵀK𝟏, 𝟏ᵀL𝟏; dd: d_Kᵀd_L; tk, tl: tr K, tr L;
    dr: d_Kᵀ(L𝟏); rd: (K𝟏)ᵀd_L.
    """

    n: int
    kl: Any
    rr: Any
    k: Any
    l: Any  # noqa: E741
    dd: Any
    tk: Any
    tl: Any
    dr: Any
    rd: Any


def hsic_from_sums(s: GramSums, estimator: str = "biased"):
    """Biased or unbiased HSIC from :class:`GramSums` (pure arithmetic, so it works for numpy and torch)."""
    n = s.n
    if estimator == "biased":
        return (s.kl - 2.0 * s.rr / n + s.k * s.l / n ** 2) / (n - 1) ** 2
    if n < 4:
        raise ValueError(f"the unbiased estimator needs n >= 4 samples, got {n}")
    kl = s.kl - s.dd
    rr = s.rr - s.rd - s.dr + s.dd
    k, l = s.k - s.tk, s.l - s.tl  # noqa: E741
    return (kl + k * l / ((n - 1) * (n - 2)) - 2.0 * rr / (n - 2)) / (n * (n - 3))


def gram_sums(K: np.ndarray, L: np.ndarray) -> GramSums:
    """:class:`GramSums` of two n×n NumPy Gram matrices, in O(n^2) time and O(n) extra memory."""
    n = K.shape[0]
    rk, rl = K.sum(axis=1), L.sum(axis=1)
    dk, dl = np.diagonal(K), np.diagonal(L)
    # vdot on the flattened (contiguous) matrices is sum(K∘L) without an n×n temporary
    kl = float(np.vdot(np.ascontiguousarray(K).ravel(), np.ascontiguousarray(L).ravel()))
    return GramSums(n=n, kl=kl, rr=float(rk @ rl), k=float(rk.sum()), l=float(rl.sum()), dd=float(dk @ dl),
                    tk=float(dk.sum()), tl=float(dl.sum()), dr=float(dk @ rl), rd=float(rk @ dl))


def check_gram(K: Any, name: str, n: int | None = None) -> np.ndarray:
    """A square, finite, symmetric float Gram matrix (symmetry spot-checked on up to 64 rows, O(n))."""
    K = as_float_array(K, name, ndim=2)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square Gram matrix, got shape {K.shape}")
    if n is not None and K.shape[0] != n:
        raise ValueError(f"Gram matrices must have the same size, got {n} and {K.shape[0]}")
    rows = np.linspace(0, K.shape[0] - 1, min(64, K.shape[0])).astype(int)
    if not np.allclose(K[rows], K[:, rows].T, rtol=1e-8, atol=1e-10 * max(1.0, float(np.abs(K[rows]).max()))):
        raise ValueError(f"{name} is not symmetric; HSIC needs a symmetric kernel matrix")
    return K


def hsic_gram(K: Any, L: Any, *, estimator: str = "biased") -> float:
    r"""HSIC from two precomputed n×n Gram matrices.

    Parameters
    ----------
    K, L : array_like, shape (n, n)
        Symmetric Gram matrices of x and y.
    estimator : {"biased", "unbiased"}
        ``"biased"``: :math:`\mathrm{tr}(KHLH)/(n-1)^2` (Gretton et al. 2005, the article's estimator; never
        negative for positive semi-definite kernels, bias O(1/n)). ``"unbiased"``: Song et al. 2012 (needs
        n ≥ 4; can be negative). Multiply the biased value by :math:`(n-1)^2/n^2` for the V-statistic
        :math:`\mathrm{tr}(KHLH)/n^2`.

    Returns
    -------
    float

    Examples
    --------
    >>> K = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> hsic_gram(K, K)
    0.25
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    K = check_gram(K, "K")
    L = check_gram(L, "L", K.shape[0])
    if K.shape[0] < 2:
        raise ValueError("HSIC needs at least 2 samples")
    return float(hsic_from_sums(gram_sums(K, L), estimator))


def cka_gram(K: Any, L: Any, *, estimator: str = "biased") -> float:
    r"""Centred kernel alignment :math:`\mathrm{HSIC}(K,L)/\sqrt{\mathrm{HSIC}(K,K)\,\mathrm{HSIC}(L,L)}`.

    In [0, 1] for the biased estimator and PSD kernels. Returns ``nan`` when a self-term is not positive
    (a constant variable, or a non-positive unbiased self-estimate on tiny samples).

    Examples
    --------
    >>> K = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> cka_gram(K, K)
    1.0
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    K = check_gram(K, "K")
    L = check_gram(L, "L", K.shape[0])
    kl = hsic_from_sums(gram_sums(K, L), estimator)
    kk = hsic_from_sums(gram_sums(K, K), estimator)
    ll = hsic_from_sums(gram_sums(L, L), estimator)
    if kk <= 0 or ll <= 0:
        return float("nan")
    return float(kl / np.sqrt(kk * ll))


def _n_samples(x: Any) -> int:
    return len(x) if hasattr(x, "__len__") else np.asarray(x).shape[0]


def paired_grams(x: Any, y: Any, kernel_x: KernelSpec, kernel_y: KernelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Gram matrices of a paired sample, each kernel's median bandwidth fitted on its own variable."""
    if _n_samples(x) != _n_samples(y):
        raise ValueError(f"x and y must have the same number of samples, got {_n_samples(x)} and {_n_samples(y)}")
    kx, ky = make_kernel(kernel_x), make_kernel(kernel_y)
    return kx.fit(x).gram(x), ky.fit(y).gram(y)


def hsic(x: Any, y: Any, *, kernel_x: KernelSpec = "gaussian", kernel_y: KernelSpec = "gaussian",
         estimator: str = "biased") -> float:
    r"""Hilbert–Schmidt independence criterion between paired samples x and y.

    :math:`\mathrm{HSIC} = E[k(x,x')l(y,y')] + E[k(x,x')]E[l(y,y')] - 2E_{x,y}[E_{x'}k(x,x')E_{y'}l(y,y')]`,
    estimated in O(n^2) time (see :func:`hsic_gram` for the two estimators).

    Parameters
    ----------
    x, y : array_like
        n paired samples: arrays of shape (n,) or (n, d), labels for ``"delta"``, or DataFrames for a
        :class:`~kexue.hsic.kernels.ProductKernel`.
    kernel_x, kernel_y : str, Kernel or callable
        ``"gaussian"`` (default; median-heuristic bandwidth fitted per variable), ``"laplace"``, ``"linear"``,
        ``"polynomial"``, ``"delta"``, a :class:`~kexue.hsic.kernels.Kernel`, or ``k(A, B) -> Gram``.
    estimator : {"biased", "unbiased"}

    Examples
    --------
    >>> from kexue.hsic import GaussianKernel
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(1000)
    >>> k = GaussianKernel(bandwidth=2 ** -0.5)          # the article's exp(-(x_i - x_j)^2)
    >>> round(hsic(x, x + 0.1 * rng.standard_normal(1000), kernel_x=k, kernel_y=k), 3)
    0.093
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    K, L = paired_grams(x, y, kernel_x, kernel_y)
    if K.shape[0] < 2:
        raise ValueError("HSIC needs at least 2 samples")
    return float(hsic_from_sums(gram_sums(K, L), estimator))


def cka(x: Any, y: Any, *, kernel_x: KernelSpec = "gaussian", kernel_y: KernelSpec = "gaussian",
        estimator: str = "biased") -> float:
    r"""Normalised HSIC (centred kernel alignment) :math:`\mathrm{HSIC}(x,y)/\sqrt{\mathrm{HSIC}(x,x)\mathrm{HSIC}(y,y)}`.

    Scale-free, 1 for identical variables; with linear kernels it is linear CKA (Kornblith et al. 2019).

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> round(cka(x, 3 * x + 1), 6)
    1.0
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    K, L = paired_grams(x, y, kernel_x, kernel_y)
    return cka_gram(K, L, estimator=estimator)
