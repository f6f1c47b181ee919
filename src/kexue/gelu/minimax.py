"""Rigorous min-max (Chebyshev) fits of the normal CDF Φ by sigmoid-type families.

Every family here approximates Φ(x) by σ(z(x; θ)) with z odd in x. Because
``½(1 + tanh u) = σ(2u)``, the tanh forms of GELU are of this kind too: ``tanh(ax + bx³)`` is
``σ(2ax + 2bx³)``. Oddness of z makes the error ``e(x) = Φ(x) − σ(z(x))`` odd, so the fit is done on
``x > 0`` and holds on the whole line.

Two error criteria (``target``):

* ``"phi"`` — minimise ``max |Φ(x) − σ(z(x))|``. This is what the article (and Page 1977, Bowling et al.
  2009) minimise; ``erf(x/√2) − tanh(·)`` is twice this error, so it gives the same coefficients.
* ``"gelu"`` — minimise ``max |GELU(x) − x σ(z(x))| = max |x| |e(x)|``, the error of the activation itself.
  This error is even in x, so it is reached at ±x*.

The fitter is a nonlinear Remez exchange: on a reference of m + 1 points (m free parameters) it solves
``w(x_i) e(x_i; θ) = (−1)^i E`` by Newton's method, then moves the reference to the alternating local
extrema of the new error curve. Extrema are bracketed on a fine grid and then located to machine precision
by root-finding on the analytic derivative of the error, never read off the grid.

Certificate: for σ(z) with z in an affine space of odd polynomials (every built-in family), any fit whose
error alternates in sign with magnitude ≥ δ at m + 1 points has no competitor with max error < δ (de la
Vallée Poussin: the difference of the two inner polynomials would alternate m + 1 times, i.e. have m positive
roots, which a nonzero member of an m-dimensional span of odd monomials cannot have). So
``lower_bound ≤ optimal error ≤ max_error`` is certified, and the returned fit is optimal to within their gap.
For the clamped quintics (see :func:`odd_polynomial_family`) the argument covers the members whose clamp point
lies beyond the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
from scipy import optimize, special

from kexue._validation import check_choice

TARGETS = ("phi", "gelu")

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / _SQRT_2PI


@dataclass(frozen=True)
class Family:
    """A family Φ(x) ≈ σ(z(x; θ)) with z odd in x.

    Parameters
    ----------
    name : str
        Short name used in tables.
    formula : str
        Human-readable formula of the approximation of Φ.
    params : tuple of str
        Parameter names, in the order of θ.
    z, dz_dx : callable ``(x, theta) -> ndarray``
        The inner function and its x-derivative.
    dz_dtheta : callable ``(x, theta) -> ndarray`` of shape ``(len(params), len(x))``
        Its Jacobian with respect to θ (Newton steps of the exchange).
    start : tuple of float
        A starting point for the fit (any sensible value; the result does not depend on it).
    """

    name: str
    formula: str
    params: tuple[str, ...]
    z: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    dz_dx: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    dz_dtheta: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    start: tuple[float, ...]

    def phi(self, x, theta) -> np.ndarray:
        """The approximation σ(z(x; θ)) of Φ(x)."""
        x = np.asarray(x, dtype=float)
        return special.expit(self.z(x, np.asarray(theta, dtype=float)))

    def phi_error(self, x, theta) -> np.ndarray:
        """``Φ(x) − σ(z(x; θ))``, written as a difference of two upper tails so it keeps its digits for x > 0."""
        x = np.asarray(x, dtype=float)
        return special.expit(-self.z(x, np.asarray(theta, dtype=float))) - special.ndtr(-x)


def odd_polynomial_family(outer: str, degree: int) -> Family:
    """σ- or tanh-of-odd-polynomial family: ``tanh(a x + b x³ + …)`` or ``σ(λ x + μ x³ + …)``.

    If the polynomial p has a first positive stationary point x* (a maximum, as min-max quintics have, with a
    negative x⁵ coefficient), z is held at p(±x*) beyond ±x*: ``z(x) = p(clip(x, −x*, x*))``. Without that the
    approximation would fall back to 0 as x → ∞; with it the form stays monotone, is C¹, and σ(p(x*)) is 1 to
    within ~1e-13 for the fits shipped here. By the envelope theorem ∂z/∂θ = ∂p/∂θ at x* beyond x*.

    Parameters
    ----------
    outer : {"tanh", "sigmoid"}
        ``"tanh"``: Φ ≈ ½(1 + tanh(Σ θ_k x^(2k+1))); ``"sigmoid"``: Φ ≈ σ(Σ θ_k x^(2k+1)).
    degree : int
        Odd degree of the polynomial (1, 3, 5, 7).
    """
    check_choice(outer, "outer", ("tanh", "sigmoid"))
    check_choice(degree, "degree", (1, 3, 5, 7))
    n = (degree + 1) // 2
    powers = np.arange(n) * 2 + 1
    scale = 2.0 if outer == "tanh" else 1.0  # ½(1 + tanh u) = σ(2u)
    names = ("a", "b", "c", "d")[:n] if outer == "tanh" else ("lam", "mu", "nu", "xi")[:n]

    def clipped(x, th):
        xs = saturation_point(th)
        return np.clip(x, -xs, xs), np.abs(x) < xs

    def z(x, th):
        return scale * np.polynomial.polynomial.polyval(clipped(x, th)[0], _odd_coeffs(th))

    def dz_dx(x, th):
        xc, inside = clipped(x, th)
        dp = np.polynomial.polynomial.polyval(xc, np.polynomial.polynomial.polyder(_odd_coeffs(th)))
        return scale * np.where(inside, dp, 0.0)

    def dz_dtheta(x, th):
        return scale * np.power.outer(clipped(x, th)[0], powers).T

    mono = " + ".join(f"{p}·x^{k}" if k > 1 else f"{p}·x" for p, k in zip(names, powers))
    formula = f"½(1 + tanh({mono}))" if outer == "tanh" else f"σ({mono})"
    # slope-matching start: Φ'(0) = 1/√(2π) = σ'(0)·z'(0) = z'(0)/4
    start = (4.0 / _SQRT_2PI / scale,) + (0.0,) * (n - 1)
    return Family(f"{outer}{degree}", formula, names, z, dz_dx, dz_dtheta, start)


def saturation_point(theta) -> float:
    """First positive stationary point x* of the odd polynomial Σ θ_k x^(2k+1) (``inf`` if it has none)."""
    theta = np.asarray(theta, dtype=float)
    # p'(x) = Σ (2k+1) θ_k u^k with u = x²
    roots = np.polynomial.polynomial.polyroots((2 * np.arange(len(theta)) + 1) * theta) if len(theta) > 1 else []
    u = [r.real for r in np.atleast_1d(roots) if abs(r.imag) <= 1e-12 * max(1.0, abs(r)) and r.real > 0]
    return float(np.sqrt(min(u))) if u else float("inf")


def _odd_coeffs(theta: np.ndarray) -> np.ndarray:
    c = np.zeros(2 * len(theta))
    c[1::2] = theta
    return c


def _tanh_cubic_family() -> Family:
    """The article's parametrisation ``½(1 + tanh(a(x + c x³)))``: c is the famous 0.044715."""

    def z(x, th):
        a, c = th
        return 2.0 * a * (x + c * x**3)

    def dz_dx(x, th):
        a, c = th
        return 2.0 * a * (1.0 + 3.0 * c * x * x)

    def dz_dtheta(x, th):
        a, c = th
        return np.stack([2.0 * (x + c * x**3), 2.0 * a * x**3])

    return Family("tanh_cubic", "½(1 + tanh(a·(x + c·x^3)))", ("a", "c"), z, dz_dx, dz_dtheta,
                  (float(np.sqrt(2.0 / np.pi)), 0.0))


#: built-in families by name
FAMILIES: dict[str, Family] = {
    "tanh_cubic": _tanh_cubic_family(),
    "tanh3": odd_polynomial_family("tanh", 3),
    "tanh5": odd_polynomial_family("tanh", 5),
    "sigmoid1": odd_polynomial_family("sigmoid", 1),
    "sigmoid3": odd_polynomial_family("sigmoid", 3),
    "sigmoid5": odd_polynomial_family("sigmoid", 5),
}


@dataclass(frozen=True)
class Fit:
    """A fitted approximation Φ(x) ≈ σ(z(x; θ)) and its certified error.

    Attributes
    ----------
    family : Family
    params : dict
        All parameters (free and fixed) by name.
    fixed : tuple of str
        Names of the parameters that were held fixed.
    criterion : {"minimax", "taylor"}
        How the free parameters were chosen.
    target : {"phi", "gelu"}
        The error that was minimised and that ``max_error`` measures (see module docstring).
    max_error : float
        max over x of ``|Φ − Φ̂|`` (target "phi") or ``|GELU − xΦ̂|`` (target "gelu"), from the located extrema.
    argmax : float
        Positive x where it is reached (the Φ error is odd and the GELU error even, so also at −argmax). For a
        min-max fit every reference point reaches it to within ``relative_gap``; this is the largest of them.
    lower_bound : float
        Min-max fits: smallest error magnitude on the alternating reference, so no member of the family has a
        smaller max error (de la Vallée Poussin). ``nan`` for Taylor fits.
    extrema, extrema_errors : ndarray
        Final alternating reference (x > 0) and the signed errors there (empty for Taylor fits).
    iterations : int
        Exchange steps taken (0 for Taylor fits).
    """

    family: Family
    params: dict[str, float]
    fixed: tuple[str, ...]
    criterion: str
    target: str
    max_error: float
    argmax: float
    lower_bound: float = float("nan")
    extrema: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    extrema_errors: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    iterations: int = 0

    @property
    def theta(self) -> np.ndarray:
        return np.array([self.params[p] for p in self.family.params])

    @property
    def relative_gap(self) -> float:
        """``(max_error − lower_bound) / max_error``: distance from exact equioscillation (0 = optimal)."""
        return (self.max_error - self.lower_bound) / self.max_error

    def error(self, target: str) -> tuple[float, float]:
        """``(max error, positive argmax)`` of this fit measured on ``target`` ("phi" or "gelu")."""
        return max_abs_error(self.family, self.theta, target)

    def phi(self, x) -> np.ndarray:
        """The fitted approximation of Φ (float64 NumPy)."""
        return self.family.phi(x, self.theta)

    def gelu(self, x) -> np.ndarray:
        """The fitted approximation of GELU, ``x · Φ̂(x)`` (float64 NumPy)."""
        x = np.asarray(x, dtype=float)
        return x * self.phi(x)


def _weighted_error(family: Family, target: str):
    """ε(x; θ) = w(x)·e(x; θ) and dε/dx, dε/dθ with w = 1 (phi) or w = x (gelu), for x > 0."""

    def eps(x, th):
        e = family.phi_error(x, th)
        return e if target == "phi" else x * e

    def deps_dx(x, th):
        z = family.z(x, th)
        s = special.expit(z)
        de = _normal_pdf(x) - s * (1.0 - s) * family.dz_dx(x, th)
        return de if target == "phi" else family.phi_error(x, th) + x * de

    def deps_dtheta(x, th):
        s = special.expit(family.z(x, th))
        de = -s * (1.0 - s) * family.dz_dtheta(x, th)
        return de if target == "phi" else de * x

    return eps, deps_dx, deps_dtheta


def local_extrema(fun: Callable[[np.ndarray], np.ndarray], dfun: Callable[[np.ndarray], np.ndarray],
                  lo: float, hi: float, n_grid: int = 24001) -> tuple[np.ndarray, np.ndarray]:
    """All interior local extrema of a smooth ``fun`` on ``(lo, hi]``, located to machine precision.

    The grid only brackets sign changes of ``dfun``; each root is then found by Brent's method. The right end
    ``hi`` is included as a candidate. Returns ``(x, fun(x))`` sorted by x.
    """
    grid = np.linspace(lo, hi, n_grid)[1:]
    d = dfun(grid)
    idx = np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)[0]
    xs = [optimize.brentq(lambda t: float(dfun(np.array([t]))[0]), grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)
          for i in idx]
    # exact zeros of the derivative on the grid
    xs += list(grid[:-1][d[:-1] == 0.0])
    xs.append(hi)
    xs = np.unique(np.asarray(xs, dtype=float))
    return xs, fun(xs)


def _alternating(xs: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduce extrema to an alternating-sign sequence, keeping the largest of each same-sign run."""
    keep_x, keep_v = [], []
    for x, v in zip(xs, vals):
        if v == 0.0:
            continue
        if keep_v and np.sign(v) == np.sign(keep_v[-1]):
            if abs(v) > abs(keep_v[-1]):
                keep_x[-1], keep_v[-1] = x, v
        else:
            keep_x.append(x)
            keep_v.append(v)
    return np.array(keep_x), np.array(keep_v)


def max_abs_error(family: Family, theta, target: str = "phi", x_max: float = 12.0) -> tuple[float, float]:
    """``(max_x w(x)|Φ(x) − σ(z(x; θ))|, positive argmax)``, with w = 1 ("phi") or |x| ("gelu").

    The extrema are located to machine precision (see :func:`local_extrema`); oddness of the error covers x < 0.
    Raises if the error has not decayed at ``x_max``, where the search stops.
    """
    check_choice(target, "target", TARGETS)
    theta = np.asarray(theta, dtype=float)
    eps, deps_dx, _ = _weighted_error(family, target)
    xs, vals = local_extrema(lambda x: eps(x, theta), lambda x: deps_dx(x, theta), 0.0, x_max)
    return _checked_max(xs, vals, x_max)


def _checked_max(xs: np.ndarray, vals: np.ndarray, x_max: float) -> tuple[float, float]:
    k = int(np.argmax(np.abs(vals)))
    if abs(vals[-1]) > 1e-6 * abs(vals[k]):  # xs[-1] is x_max
        raise ValueError(f"the error has not decayed at x_max={x_max} ({abs(vals[-1]):.2e}); pass a larger x_max")
    return float(abs(vals[k])), float(xs[k])


def fit_minimax(family: str | Family, *, target: str = "phi", fixed: Mapping[str, float] | None = None,
                start: Sequence[float] | None = None, x_max: float = 12.0, tol: float = 1e-10,
                max_iter: int = 60) -> Fit:
    """Min-max fit of Φ (or of GELU) by a sigmoid-type family, by nonlinear Remez exchange.

    Solves ``min_θ max_x w(x)|Φ(x) − σ(z(x; θ))|`` with ``w = 1`` (``target="phi"``, the article's criterion)
    or ``w = |x|`` (``target="gelu"``, i.e. ``max |GELU(x) − x σ(z(x; θ))|``).

    Parameters
    ----------
    family : str or Family
        A name from :data:`FAMILIES` (``"tanh_cubic"`` = ½(1 + tanh(a(x + c x³))), ``"tanh3"``, ``"tanh5"``,
        ``"sigmoid1"`` = σ(λx), ``"sigmoid3"``, ``"sigmoid5"``) or a :class:`Family`.
    target : {"phi", "gelu"}
        Which error to minimise.
    fixed : dict, optional
        Parameters held at given values, e.g. ``{"a": sqrt(2/pi)}`` for the article's hybrid fit.
    start : sequence of float, optional
        Starting parameters (all of them, in family order); defaults to ``family.start``.
    x_max : float
        Right end of the search interval; the error must have decayed there (checked).
    tol : float
        Stop when the relative gap between the largest and smallest alternating error is below ``tol``.
    max_iter : int
        Maximum number of exchange steps.

    Returns
    -------
    Fit

    Examples
    --------
    >>> from kexue.gelu import fit_minimax
    >>> fit = fit_minimax("sigmoid1")
    >>> round(fit.params["lam"], 7)
    1.7017449
    """
    if isinstance(family, str):
        family = FAMILIES[check_choice(family, "family", tuple(FAMILIES))]
    if not isinstance(family, Family):
        raise TypeError(f"family must be a name or a Family, got {type(family).__name__}")
    check_choice(target, "target", TARGETS)
    fixed = dict(fixed or {})
    for name, value in fixed.items():
        check_choice(name, "fixed parameter", family.params)
        if not np.isfinite(value):
            raise ValueError(f"fixed parameter {name} must be finite, got {value}")
    if not (np.isfinite(x_max) and x_max > 0):
        raise ValueError(f"x_max must be a positive finite number, got {x_max}")
    if not (0 < tol < 1):
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    theta = np.array(family.start if start is None else start, dtype=float)
    if theta.shape != (len(family.params),) or not np.all(np.isfinite(theta)):
        raise ValueError(f"start must be {len(family.params)} finite numbers ({', '.join(family.params)})")
    for name, value in fixed.items():
        theta[family.params.index(name)] = value
    free = np.array([p not in fixed for p in family.params])
    m = int(free.sum())
    if m == 0:
        raise ValueError("every parameter is fixed; leave at least one free")

    eps, deps_dx, deps_dth = _weighted_error(family, target)

    def with_free(t_free):
        t = theta.copy()
        t[free] = t_free
        return t

    # Least-squares warm start so the first error curve already has enough alternations.
    grid = np.linspace(0.0, x_max, 2001)[1:]
    ls = optimize.least_squares(lambda tf: eps(grid, with_free(tf)), theta[free],
                                jac=lambda tf: deps_dth(grid, with_free(tf))[free].T, xtol=1e-14, ftol=1e-14)
    theta = with_free(ls.x)

    signs = (-1.0) ** np.arange(m + 1)
    ref = None
    for it in range(1, max_iter + 1):
        xs, vals = local_extrema(lambda x: eps(x, theta), lambda x: deps_dx(x, theta), 0.0, x_max)
        ax, av = _alternating(xs, vals)
        if ref is not None and len(ax) < m + 1:
            ax, av = ref, eps(ref, theta)  # keep the last reference if the exchange lost an extremum
        if len(ax) < m + 1:
            raise ValueError(f"error curve of {family.name} has only {len(ax)} alternating extrema for {m} free "
                             f"parameters; pass a better start= or a larger x_max")
        while len(ax) > m + 1:  # drop the smaller end; the global maximum is never dropped
            if abs(av[0]) < abs(av[-1]):
                ax, av = ax[1:], av[1:]
            else:
                ax, av = ax[:-1], av[:-1]
        max_err = float(np.max(np.abs(vals)))
        lower = float(np.min(np.abs(av)))
        if max_err - lower <= max(tol * max_err, 1e-16):  # 1e-16: the error's own rounding floor
            break
        ref = ax
        s0 = np.sign(av[0])

        def system(u):
            tf, big_e = u[:-1], u[-1]
            t = with_free(tf)
            r = eps(ref, t) - s0 * signs * big_e
            jac = np.column_stack([deps_dth(ref, t)[free].T, -s0 * signs])
            return r, jac

        sol = optimize.root(system, np.append(theta[free], np.mean(np.abs(av))), jac=True, method="hybr",
                            options={"xtol": 1e-15})
        theta = with_free(sol.x[:-1])
    else:
        raise ValueError(f"Remez exchange for {family.name} did not equioscillate within {max_iter} steps "
                         f"(relative gap {(max_err - lower) / max_err:.2e}); raise max_iter or change start=")
    max_err, argmax = _checked_max(xs, vals, x_max)
    return Fit(family=family, params=dict(zip(family.params, map(float, theta))), fixed=tuple(fixed),
               criterion="minimax", target=target, max_error=max_err, argmax=argmax, lower_bound=lower,
               extrema=ax, extrema_errors=av, iterations=it)
