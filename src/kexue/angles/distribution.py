"""The law of the angle θ between two random directions in R^n, and of its cosine.

By isotropy, fix one unit vector and let the other be uniform on the sphere S^{n−1}. The angle θ is the first
hyperspherical coordinate, whose surface element is ``sin^{n−2} θ``; hence

    p_n(θ) = C_n sin^{n−2} θ,   θ ∈ [0, π],   C_n = Γ(n/2) / (Γ((n−1)/2) √π),
    p_n(η) = C_n (1 − η²)^{(n−3)/2},   η = cos θ ∈ [−1, 1],

and ``(1 + η)/2 = cos²(θ/2) ~ Beta((n−1)/2, (n−1)/2)``. Both classes below are exact (regularised incomplete
beta, log-space constants) and stable from n = 2 up to n = 10⁹ and beyond.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from kexue._validation import as_float_array
from kexue.angles._checks import as_generator, check_dimension, check_probability
from kexue.angles.symmetric_beta import inverse_lower_tail, log_normaliser, lower_tail


# π/2 as a sum of two doubles, so θ − π/2 is exact to ~1e-32 near the centre
_HALF_PI_HI = np.pi / 2
_HALF_PI_LO = 6.123233995736766e-17


def _out(arr: np.ndarray):
    """0-d results come back as NumPy scalars, like scipy.stats."""
    return arr[()] if arr.ndim == 0 else arr


class _SymmetricBetaLaw:
    """Frozen-distribution plumbing shared by the angle and the cosine (validated in, NumPy scalar out)."""

    _variable = "x"

    def __init__(self, n: int) -> None:
        self.n = check_dimension(n)
        self._a = (self.n - 1) / 2.0
        self._log_c = float(log_normaliser(self.n))

    # -- subclass hooks: the transformation between the variable and (cos²(θ/2), sin²(θ/2)) --------------
    def _logpdf(self, v: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _halves(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        """``(lower, upper)`` with ``P(V ≤ v) = I_lower(a, a)`` and ``upper = 1 − lower``."""
        raise NotImplementedError

    def _from_halves(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _reflect(self, v):  # pragma: no cover - abstract
        """The mirror image about the centre of symmetry."""
        raise NotImplementedError

    # -- public scipy.stats-style API ------------------------------------------------------------------
    def logpdf(self, x: Any):
        """Log of the density, ``-inf`` outside the support."""
        return _out(self._logpdf(as_float_array(x, self._variable)))

    def pdf(self, x: Any):
        """Density at ``x`` (0 outside the support)."""
        return _out(np.exp(self._logpdf(as_float_array(x, self._variable))))

    def cdf(self, x: Any):
        """``P(V ≤ x)`` via the regularised incomplete beta ``I_{lower}(a, a)``, ``a = (n−1)/2``."""
        lower, upper = self._halves(as_float_array(x, self._variable))
        return _out(lower_tail(lower, upper, self._a))

    def sf(self, x: Any):
        """``P(V > x)``, computed directly (not as ``1 − cdf``) so small tails keep full relative accuracy."""
        lower, upper = self._halves(as_float_array(x, self._variable))
        return _out(lower_tail(upper, lower, self._a))

    def ppf(self, q: Any):
        """Quantile: the ``x`` with ``cdf(x) = q``."""
        lower, upper = inverse_lower_tail(check_probability(q), self._a)
        return _out(self._from_halves(lower, upper))

    def isf(self, q: Any):
        """Inverse survival function ``sf⁻¹(q)``, by symmetry the mirror of ``ppf(q)``."""
        lower, upper = inverse_lower_tail(check_probability(q), self._a)
        return _out(self._reflect(self._from_halves(lower, upper)))

    def interval(self, confidence: float):
        """Equal-tailed interval holding ``confidence`` of the mass."""
        c = float(check_probability(confidence, "confidence"))
        lo = self.ppf((1.0 - c) / 2.0)
        return lo, self._reflect(lo)

    def median(self) -> float:
        return self.mean()

    def std(self) -> float:
        return float(np.sqrt(self.var()))

    def rvs(self, size: int | tuple[int, ...] | None = None, random_state: Any = None):
        """Random draws, from ``cos²(θ/2) ~ Beta(a, a)``."""
        rng = as_generator(random_state)
        b = np.asarray(rng.beta(self._a, self._a, size=size), dtype=np.float64)
        return _out(self._from_halves(b, 1.0 - b))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n})"


class AngleDistribution(_SymmetricBetaLaw):
    r"""Angle θ ∈ [0, π] between two independent random directions in R^n (a frozen distribution).

    ``p_n(θ) = C_n sin^{n−2} θ`` with ``C_n = Γ(n/2)/(Γ((n−1)/2)√π)``;
    ``P(θ ≤ t) = I_{sin²(t/2)}((n−1)/2, (n−1)/2)``. Mean π/2, variance ``ψ′(n/2)/2`` (see
    :func:`kexue.angles.angle_variance`). n = 2 gives the uniform law on [0, π].

    Parameters
    ----------
    n : int
        Dimension of the space, ``n ≥ 2`` (integral floats such as ``1e9`` are accepted).

    Examples
    --------
    >>> d = AngleDistribution(3)
    >>> round(float(d.pdf(np.pi / 2)), 12)   # p_3(θ) = sin(θ)/2
    0.5
    >>> round(d.var(), 6)                # π²/4 − 2
    0.467401
    >>> d = AngleDistribution(10**9)
    >>> bool(abs(d.cdf(d.ppf(0.3)) - 0.3) < 1e-10)
    True
    """

    _variable = "theta"

    def _logpdf(self, t: np.ndarray) -> np.ndarray:
        inside = (t >= 0) & (t <= np.pi)
        if self.n == 2:
            body = np.full_like(t, self._log_c)
        else:
            tc = np.clip(t, 0.0, np.pi)
            delta = (tc - _HALF_PI_HI) - _HALF_PI_LO
            # near π/2, sin θ = cos δ = 1 − 2 sin²(δ/2); log1p keeps the tiny log exact, which matters once
            # it is multiplied by n − 2 ~ 1e9. Near 0 and π, log(sin θ) is the accurate one.
            with np.errstate(divide="ignore"):
                log_sin = np.where(np.abs(delta) < np.pi / 4, np.log1p(-2.0 * np.sin(delta / 2) ** 2),
                                   np.log(np.sin(tc)))
            body = self._log_c + (self.n - 2) * log_sin
        return np.where(inside, body, -np.inf)

    def _halves(self, t):
        half = np.clip(t, 0.0, np.pi) / 2.0
        return np.sin(half) ** 2, np.cos(half) ** 2

    def _from_halves(self, lower, upper):
        # lower = sin²(θ/2); invert through whichever of sin/cos is small so θ keeps full accuracy.
        return np.where(lower <= upper, 2.0 * np.arcsin(np.sqrt(lower)), np.pi - 2.0 * np.arcsin(np.sqrt(upper)))

    def _reflect(self, v):
        return np.pi - v

    def support(self) -> tuple[float, float]:
        return 0.0, float(np.pi)

    def mean(self) -> float:
        return float(np.pi / 2)

    def var(self) -> float:
        """Exact variance ``ψ′(n/2)/2`` (equal to the article's even/odd closed forms)."""
        return float(special.polygamma(1, self.n / 2.0) / 2.0)


class CosineDistribution(_SymmetricBetaLaw):
    r"""Cosine similarity η = cos θ of two independent random directions in R^n (a frozen distribution).

    ``p_n(η) = C_n (1 − η²)^{(n−3)/2}`` on [−1, 1], i.e. ``(1 + η)/2 ~ Beta((n−1)/2, (n−1)/2)``;
    mean 0 and variance exactly ``1/n``. n = 3 gives the uniform law, n = 2 the arcsine law.

    Parameters
    ----------
    n : int
        Dimension of the space, ``n ≥ 2``.

    Examples
    --------
    >>> d = CosineDistribution(768)
    >>> d.var() == 1 / 768
    True
    >>> bool(d.sf(0.1) < 0.003)       # a cosine of 0.1 is rare between random 768-d directions
    True
    """

    _variable = "cosine"

    def _logpdf(self, e: np.ndarray) -> np.ndarray:
        inside = (e >= -1) & (e <= 1)
        ec = np.clip(e, -1.0, 1.0)
        if self.n == 3:
            body = np.full_like(e, self._log_c)
        else:
            # log(1 − η²): log1p(−η²) is exact near 0 (what counts when multiplied by a ~ 5e8);
            # the factored form keeps 1 ± η exact near ±1
            with np.errstate(divide="ignore"):
                log_1m = np.where(np.abs(ec) < 0.5, np.log1p(-ec * ec), np.log1p(-ec) + np.log1p(ec))
            body = self._log_c + (self._a - 1.0) * log_1m
        return np.where(inside, body, -np.inf)

    def _halves(self, e):
        ec = np.clip(e, -1.0, 1.0)
        return (1.0 + ec) / 2.0, (1.0 - ec) / 2.0

    def _from_halves(self, lower, upper):
        return lower - upper

    def _reflect(self, v):
        return -v

    def support(self) -> tuple[float, float]:
        return -1.0, 1.0

    def mean(self) -> float:
        return 0.0

    def var(self) -> float:
        """Exactly ``1/n``: E[η²] = E[x_1²] for a uniform unit vector, and Σ_i x_i² = 1."""
        return 1.0 / self.n
