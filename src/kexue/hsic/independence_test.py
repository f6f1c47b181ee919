r"""HSIC independence tests: the gamma approximation (Gretton et al. 2008) and a seeded permutation test.

Test statistic :math:`T = n\,\mathrm{HSIC}_V = \mathrm{tr}(\bar K\bar L)/n` with :math:`\bar K = HKH`,
:math:`\bar L = HLH`. Under independence T is an infinite weighted sum of :math:`\chi^2_1` variables;

* ``"gamma"`` matches a gamma law to its mean and variance:
  :math:`E[\mathrm{HSIC}_V] \approx (\overline{d_K} - \mu_K)(\overline{d_L} - \mu_L)/n` with
  :math:`\mu_K` the mean off-diagonal entry of K and :math:`\overline{d_K}` the mean diagonal entry
  (Gretton's ``1 + μ_xμ_y − μ_x − μ_y`` when k(x,x) = 1), and
  :math:`\mathrm{Var}[\mathrm{HSIC}_V] \approx \frac{72(n-4)(n-5)}{n(n-1)(n-2)(n-3)}\cdot
  \frac{1}{n(n-1)}\sum_{i\ne j}(\bar K_{ij}\bar L_{ij}/6)^2`;
  shape :math:`\alpha = E^2/\mathrm{Var}`, scale :math:`\beta = n\,\mathrm{Var}/E`, p = Gamma(α, β).sf(T).
* ``"permutation"`` recomputes T with y's sample order permuted; p = (1 + #{T_π ≥ T}) / (1 + B), which is
  exact (valid at every n) for any kernel. Low-rank kernels (Gaussian on low-dimensional data, delta) use
  pivoted-Cholesky factors so each permutation costs O(n·r_K·r_L) instead of O(n²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from scipy import stats

from kexue._validation import check_choice, check_positive_int
from kexue.hsic.estimators import check_gram, hsic_from_sums, gram_sums, paired_grams
from kexue.hsic.kernels import KernelSpec

METHODS = ("gamma", "permutation")

#: elements gathered per batch of permutations (bounds the test's extra memory at ~64 MB)
_PERM_BATCH_ELEMENTS = 8_000_000


@dataclass(frozen=True)
class HSICTestResult:
    """Result of :func:`hsic_test` (``scipy.stats`` style: ``statistic``, ``pvalue``).

    Attributes
    ----------
    statistic : float
        The biased HSIC, :math:`\\mathrm{tr}(KHLH)/(n-1)^2` (the same value as ``hsic(x, y)``).
    pvalue : float
        Probability under independence of a statistic at least as large.
    method : str
        ``"gamma"`` or ``"permutation"``.
    n : int
        Sample size.
    null_params : dict
        Gamma: ``shape``, ``scale`` (of T = n·HSIC_V), ``mean``, ``var`` (of HSIC_V); permutation:
        ``n_permutations``.
    """

    statistic: float
    pvalue: float
    method: str
    n: int
    null_params: dict = field(default_factory=dict)

    def __iter__(self):  # allows ``stat, p = hsic_test(...)`` like scipy.stats results
        return iter((self.statistic, self.pvalue))


def _center(K: np.ndarray) -> np.ndarray:
    """HKH in place (O(n) extra memory): subtract row and column means, add back the grand mean."""
    r = K.mean(axis=1)
    K -= r[:, None]
    K -= r[None, :]
    K += r.mean()
    return K


def _gamma_null(Kc: np.ndarray, Lc: np.ndarray, mean_hsic: float) -> tuple[float, float]:
    """Shape and scale of the gamma law for T = n·HSIC_V; sum of squares done in row blocks (O(n) memory)."""
    n = Kc.shape[0]
    ss = 0.0
    step = max(1, 1_000_000 // n)
    for i in range(0, n, step):
        b = Kc[i:i + step] * Lc[i:i + step]
        ss += float(np.vdot(b, b))
    ss -= float(np.sum((np.diagonal(Kc) * np.diagonal(Lc)) ** 2))
    var = (ss / 36.0) / (n * (n - 1)) * 72.0 * (n - 4) * (n - 5) / (n * (n - 1) * (n - 2) * (n - 3))
    if var <= 0 or mean_hsic <= 0:
        return float("nan"), float("nan")
    return mean_hsic ** 2 / var, n * var / mean_hsic


def _pivoted_cholesky(K: np.ndarray, max_rank: int, tol: float = 1e-12) -> Optional[np.ndarray]:
    """G (n×r) with K ≈ GGᵀ and residual trace ≤ tol·tr K, or None if K is not PSD or needs rank > max_rank."""
    n = K.shape[0]
    d = np.diagonal(K).copy()
    total = d.sum()
    if total <= 0:
        return None
    G = np.zeros((n, max_rank))
    for r in range(max_rank):
        i = int(np.argmax(d))
        if d[i] <= tol * total:
            return G[:, :r] if d.min() >= -1e-8 * total else None
        g = (K[:, i] - G[:, :r] @ G[i, :r]) / np.sqrt(d[i])
        G[:, r] = g
        d -= g * g
    return None


def _permutation_stats(K: np.ndarray, L: np.ndarray, n_permutations: int, rng: np.random.Generator
                       ) -> tuple[float, np.ndarray]:
    """Observed tr(K̄L) and tr(K̄ PLPᵀ) for random permutations P, K̄ = HKH (so L needs no centring).

    When both kernels have a low numerical rank (pivoted Cholesky K ≈ GGᵀ, L ≈ FFᵀ to 1e-12 of the trace),
    tr(K̄PLPᵀ) = ‖(HG)ᵀ F[p]‖²_F costs O(n r_K r_L) per permutation instead of an O(n²) gather.
    """
    n = K.shape[0]
    max_rank = max(1, int(np.sqrt(25 * n)))
    G = _pivoted_cholesky(K, max_rank)
    F = _pivoted_cholesky(L, max_rank) if G is not None else None
    out = np.empty(n_permutations)
    if G is not None and F is not None:
        G -= G.mean(axis=0)
        observed = float(np.sum((G.T @ F) ** 2))
        batch = max(1, _PERM_BATCH_ELEMENTS // (n * F.shape[1]))
        for start in range(0, n_permutations, batch):
            m = min(batch, n_permutations - start)
            perms = np.stack([rng.permutation(n) for _ in range(m)])
            out[start:start + m] = np.sum((G.T[None] @ F[perms]) ** 2, axis=(1, 2))
        return observed, out
    Kc = _center(K).ravel()
    observed = float(L.ravel() @ Kc)
    batch = max(1, _PERM_BATCH_ELEMENTS // (n * n))
    for start in range(0, n_permutations, batch):
        m = min(batch, n_permutations - start)
        perms = np.stack([rng.permutation(n) for _ in range(m)])
        out[start:start + m] = L[perms[:, :, None], perms[:, None, :]].reshape(m, n * n) @ Kc
    return observed, out


def hsic_test_gram(K: Any, L: Any, *, method: str = "gamma", n_permutations: int = 1000,
                   random_state: Optional[int | np.random.Generator] = None) -> HSICTestResult:
    """Independence test from two precomputed Gram matrices (see :func:`hsic_test`)."""
    check_choice(method, "method", METHODS)
    K = check_gram(K, "K").copy()
    L = check_gram(L, "L", K.shape[0])
    return _test(K, np.array(L, dtype=np.float64), method, n_permutations, random_state)


def _test(K: np.ndarray, L: np.ndarray, method: str, n_permutations: int, random_state) -> HSICTestResult:
    """The test on Gram matrices this module owns (K and L are centred in place)."""
    n = K.shape[0]
    min_n = 6 if method == "gamma" else 2
    if n < min_n:
        raise ValueError(f"the {method} test needs at least {min_n} samples, got {n}")
    sums = gram_sums(K, L)
    statistic = float(hsic_from_sums(sums, "biased"))
    trace = statistic * (n - 1) ** 2  # tr(KHLH)
    if method == "gamma":
        # mean diagonal entry minus mean off-diagonal entry of each raw kernel
        gap_k = sums.tk / n - (sums.k - sums.tk) / (n * (n - 1))
        gap_l = sums.tl / n - (sums.l - sums.tl) / (n * (n - 1))
        mean_hsic = gap_k * gap_l / n
        shape, scale = _gamma_null(_center(K), _center(L), mean_hsic)
        t = trace / n
        p = float(stats.gamma.sf(t, shape, scale=scale)) if np.isfinite(shape) else 1.0
        params = {"shape": shape, "scale": scale, "mean": mean_hsic, "var": mean_hsic * scale / n}
    else:
        check_positive_int(n_permutations, "n_permutations")
        rng = np.random.default_rng(random_state)
        observed, null = _permutation_stats(K, L, n_permutations, rng)
        # relative tolerance so that permutations tying with the observed order are counted despite round-off
        count = int(np.sum(null >= observed - 1e-9 * max(1.0, abs(observed))))
        p = (1.0 + count) / (1.0 + n_permutations)
        params = {"n_permutations": n_permutations}
    return HSICTestResult(statistic=statistic, pvalue=min(1.0, p), method=method, n=n, null_params=params)


def hsic_test(x: Any, y: Any, *, method: str = "gamma", kernel_x: KernelSpec = "gaussian",
              kernel_y: KernelSpec = "gaussian", n_permutations: int = 1000,
              random_state: Optional[int | np.random.Generator] = None) -> HSICTestResult:
    r"""Test the null hypothesis that x and y are independent with HSIC.

    Parameters
    ----------
    x, y : array_like
        Paired samples (as for :func:`~kexue.hsic.hsic`).
    method : {"gamma", "permutation"}
        ``"gamma"``: Gretton et al. (2008) moment-matched gamma approximation, O(n^2), no randomness.
        ``"permutation"``: permutation test with ``n_permutations`` draws, O(B n^2), exact level.
    kernel_x, kernel_y : str, Kernel or callable
        Kernels (default Gaussian with a per-variable median-heuristic bandwidth).
    n_permutations : int
        Number of permutations B (``"permutation"`` only).
    random_state : int or numpy Generator, optional
        Seed for the permutations; the same seed gives the same p-value.

    Returns
    -------
    HSICTestResult
        ``.statistic`` (biased HSIC, :math:`\mathrm{tr}(KHLH)/(n-1)^2`) and ``.pvalue``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(200)
    >>> hsic_test(x, x ** 2 + 0.1 * rng.standard_normal(200)).pvalue < 1e-6
    True
    >>> res = hsic_test(x, rng.standard_normal(200), method="permutation", random_state=1)
    >>> res.pvalue > 0.05
    True
    """
    check_choice(method, "method", METHODS)
    K, L = paired_grams(x, y, kernel_x, kernel_y)
    return _test(K, L, method, n_permutations, random_state)
