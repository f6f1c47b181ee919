"""Tail probabilities for random directions: near-orthogonality and cosine p-values.

For a uniform unit vector in R^n, its first coordinate squared is Beta(1/2, (n−1)/2), so with η = cos θ

    P(|η| < s) = I_{s²}(1/2, (n−1)/2),      P(|η| ≥ s) = I_{1−s²}((n−1)/2, 1/2).

Each is evaluated directly on the side where it is small, keeping full relative accuracy in both tails
(e.g. P(|cos| > 0.1) = 1.4e-10 at n = 4096).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from kexue._validation import as_float_array, check_choice
from kexue.angles._checks import dimension_array
from kexue.angles.symmetric_beta import lower_tail

#: cosines computed in float32 can exceed 1 by a few ulps; such values are clipped, larger ones rejected
_COSINE_SLACK = 1e-6


def _abs_cosine_tails(s: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(P(|η| < s), P(|η| ≥ s))`` for ``0 ≤ s ≤ 1``, each accurate where it is small."""
    a = (n - 1.0) / 2.0
    s2 = s * s
    c2 = (1.0 - s) * (1.0 + s)
    inner = special.betainc(0.5, a, s2)
    outer = special.betainc(a, 0.5, c2)
    inner_first = inner <= 0.5
    return np.where(inner_first, inner, 1.0 - outer), np.where(inner_first, 1.0 - inner, outer)


def _result(arr: np.ndarray):
    return arr[()] if arr.ndim == 0 else arr


def orthogonality_probability(n: Any, eps: Any):
    """``P(|θ − π/2| < eps)``: how likely two random directions in R^n are within ``eps`` of perpendicular.

    Equals ``P(|cos θ| < sin eps) = I_{sin² eps}(1/2, (n−1)/2)``; broadcasts over ``n`` and ``eps``.

    Parameters
    ----------
    n : int or array of int
        Dimension(s) ``≥ 2``.
    eps : float or array
        Half-width in **radians**, ``≥ 0`` (``np.deg2rad(5)`` for 5°); ``eps ≥ π/2`` gives 1.

    Examples
    --------
    >>> round(float(orthogonality_probability(100, np.deg2rad(5))), 4)
    0.6139
    """
    n = dimension_array(n)
    eps = as_float_array(eps, "eps")
    if np.any(eps < 0):
        raise ValueError("eps must be >= 0 (a half-width in radians)")
    s = np.sin(np.minimum(eps, np.pi / 2))
    inner, _ = _abs_cosine_tails(*np.broadcast_arrays(s, n))
    return _result(np.where(eps >= np.pi / 2, 1.0, inner))


def cosine_pvalue(c: Any, n: Any, alternative: str = "greater"):
    """How surprising a cosine similarity ``c`` is if the two vectors were independent random directions.

    Under the null, η = cos θ has density ``∝ (1 − η²)^{(n−3)/2}`` on [−1, 1] (:class:`CosineDistribution`).

    Parameters
    ----------
    c : float or array
        Observed cosine(s) in [−1, 1] (values within 1e-6 outside, from rounding, are clipped).
    n : int or array of int
        Dimension of the vectors, ``≥ 2``; broadcasts against ``c``.
    alternative : {"greater", "two-sided", "less"}
        ``"greater"`` (default): ``P(η ≥ c)``, the question for a similarity score;
        ``"two-sided"``: ``P(|η| ≥ |c|)``; ``"less"``: ``P(η ≤ c)``.

    Returns
    -------
    float or ndarray
        p-value(s), with the shape of ``broadcast(c, n)``; a NumPy scalar for scalar input.

    Examples
    --------
    >>> round(float(cosine_pvalue(0.1, 128, "two-sided")), 4)
    0.2595
    >>> cosine_pvalue([0.0, 0.2, 0.5], 768).round(6).tolist()
    [0.5, 0.0, 0.0]
    """
    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    c = as_float_array(c, "c")
    if np.any(np.abs(c) > 1 + _COSINE_SLACK):
        raise ValueError(f"cosine values must lie in [-1, 1]; got {c.min()!r} .. {c.max()!r}")
    c = np.clip(c, -1.0, 1.0)
    c, n = np.broadcast_arrays(c, dimension_array(n))
    if alternative == "two-sided":
        return _result(_abs_cosine_tails(np.abs(c), n)[1])
    if alternative == "less":
        c = -c
    # P(η ≥ c) = I_{(1−c)/2}(a, a) by symmetry of the Beta(a, a) law of (1+η)/2
    return _result(lower_tail((1.0 - c) / 2.0, (1.0 + c) / 2.0, (n - 1.0) / 2.0))
