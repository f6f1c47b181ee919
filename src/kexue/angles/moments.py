"""Variance of the angle between random directions: closed forms and normal approximations.

The article (kexue.fm/archives/7076) gives Var(θ) = C_n ∫_0^π (θ − π/2)² sin^{n−2}θ dθ only numerically.
Integrating by parts gives the even/odd closed forms

    even n:  Var_n(θ) = π²/12 − ½ Σ_{k=1}^{(n−2)/2} 1/k²,
    odd n:   Var_n(θ) = π²/4  − 2 Σ_{k=0}^{(n−3)/2} 1/(2k+1)²,

and with Σ_{k≤m} 1/k² = π²/6 − ψ′(m+1) and Σ_{k≤M} 1/(2k+1)² = π²/8 − ψ′(M+3/2)/4 both collapse to

    Var_n(θ) = ψ′(n/2) / 2 = 1/n + 1/n² + O(n⁻³),

which explains why 1/(n−1) = 1/n + 1/n² + … beats the article's Laplace variance 1/(n−2) = 1/n + 2/n² + ….
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from kexue._validation import check_choice
from kexue.angles._checks import check_dimension, dimension_array

#: the finite sums are O(n); beyond this use :func:`angle_variance`
_MAX_SUM_TERMS = 10**7


def angle_variance(n: Any):
    """Exact ``Var(θ) = ψ′(n/2)/2`` for the angle between random directions in R^n (vectorised).

    Parameters
    ----------
    n : int or array of int
        Dimension(s), each ``≥ 2``.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> [round(float(angle_variance(n)), 7) for n in (3, 10, 100)]
    [0.4674011, 0.1106615, 0.0101007]
    """
    n = dimension_array(n)
    out = special.polygamma(1, n / 2.0) / 2.0
    return out[()] if out.ndim == 0 else out


def angle_variance_by_sums(n: int) -> float:
    """``Var(θ)`` from the even/odd finite sums (the closed form in the article's spirit).

    ``π²/12 − ½ Σ_{k=1}^{(n−2)/2} k⁻²`` for even ``n``, ``π²/4 − 2 Σ_{k=0}^{(n−3)/2} (2k+1)⁻²`` for odd ``n``.
    Kept as an independent check of :func:`angle_variance`; it costs O(n), so ``n ≤ 10⁷``.

    Examples
    --------
    >>> round(angle_variance_by_sums(3), 7), round(angle_variance_by_sums(4), 6)
    (0.4674011, 0.322467)
    """
    n = check_dimension(n)
    if n > _MAX_SUM_TERMS:
        raise ValueError(f"n = {n} needs {n // 2} terms; use angle_variance(n) (ψ′(n/2)/2) for n > 10^7")
    if n % 2 == 0:
        k = np.arange((n - 2) // 2, 0, -1, dtype=np.float64)  # smallest terms first
        return float(np.pi**2 / 12 - 0.5 * np.sum(1.0 / k**2))
    k = np.arange((n - 3) // 2, -1, -1, dtype=np.float64)
    return float(np.pi**2 / 4 - 2.0 * np.sum(1.0 / (2 * k + 1) ** 2))


def angle_normal_approximation(n: int, variance: str = "n-1"):
    """Normal approximation ``N(π/2, σ²)`` to the angle law, as a frozen ``scipy.stats.norm``.

    Parameters
    ----------
    n : int
        Dimension.
    variance : {"n-1", "n-2"}
        ``"n-2"`` is the article's Laplace approximation (expand ``log sin^{n−2}θ`` at π/2), σ² = 1/(n−2);
        ``"n-1"`` (default) uses σ² = 1/(n−1), which matches ψ′(n/2)/2 to O(n⁻³) instead of O(n⁻²).

    Examples
    --------
    >>> print(round(angle_normal_approximation(100).var(), 8), round(angle_normal_approximation(100, "n-2").var(), 8))
    0.01010101 0.01020408
    """
    n = check_dimension(n)
    check_choice(variance, "variance", ("n-1", "n-2"))
    dof = n - 1 if variance == "n-1" else n - 2
    if dof < 1:
        raise ValueError(f"variance='{variance}' needs n > {n - dof}; got n = {n}")
    return stats.norm(loc=np.pi / 2, scale=1.0 / np.sqrt(dof))
