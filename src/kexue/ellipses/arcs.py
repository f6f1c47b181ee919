"""Quarter arcs of closed convex curves, with an accurate arc-length map.

The gluing construction only needs one quarter of each sheet's outline: the arc that runs
counter-clockwise from the vertex on the positive x-axis, (α, 0), to the vertex on the positive
y-axis, (0, β). The x-axis of a sheet is the axis that gets bent. Every arc here offers the same
small interface, used by :mod:`kexue.ellipses.gluing`:

* ``length`` (the quarter perimeter l), ``semi_axes`` (α, β), ``span`` (parameter range ``[0, span]``),
  ``breakpoints`` (parameters where the arc is only piecewise smooth), ``tolerance`` (noise level of
  the slopes it reports);
* ``point(u)`` → (x, y); ``speed(u)`` = ds/du; ``slopes(u)`` → (|dx/ds|, dy/ds);
  ``arclength(u)`` = s; ``param_at(s)`` = u;
* ``at_from_end(r)`` → (y, dy/ds) of the point at arc length ``r`` measured from (0, β).

:class:`EllipseArc` is exact (incomplete elliptic integrals, Newton inversion);
:class:`SplineArc` handles any convex curve symmetric about both axes, given as points or as a
parametric function, through a periodic cubic spline (superellipses via :func:`superellipse`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.optimize import brentq
from scipy.special import ellipe, ellipeinc

from kexue._validation import as_float_array, check_positive_int

HALF_PI = 0.5 * np.pi

#: Gauss–Legendre rule on [0, 1] used for every panel integral in this package
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
GL_NODES = 0.5 * (GL_NODES + 1.0)
GL_WEIGHTS = 0.5 * GL_WEIGHTS


def check_positive(value, name: str) -> float:
    """A finite, strictly positive float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite positive number, got {value}")
    return value


def inverse_ellipeinc(r, m: float) -> np.ndarray:
    """Amplitude φ ∈ [0, π/2] with E(φ | m) = r, for 0 ≤ r ≤ E(m).

    Safeguarded Newton iteration: E is increasing with derivative √(1 − m sin²φ) > 0, so a
    bracket [lo, hi] is kept and a step that leaves it falls back to bisection.
    """
    r = np.asarray(r, dtype=float)
    e_full = ellipe(m)
    r = np.clip(r, 0.0, e_full)
    target = r.ravel()
    phi = target * (HALF_PI / e_full)  # exact for the circle, a good start otherwise
    lo = np.zeros_like(phi)
    hi = np.full_like(phi, HALF_PI)
    active = np.arange(phi.size)
    for _ in range(80):
        p, t = phi[active], target[active]
        f = ellipeinc(p, m) - t
        lo[active] = np.where(f < 0, p, lo[active])
        hi[active] = np.where(f > 0, p, hi[active])
        new = p - f / np.sqrt(np.cos(p) ** 2 + (1.0 - m) * np.sin(p) ** 2)
        outside = (new < lo[active]) | (new > hi[active])
        new = np.where(outside, 0.5 * (lo[active] + hi[active]), new)
        phi[active] = new
        moving = (np.abs(new - p) > 2e-16 * np.maximum(1.0, p)) & (f != 0)
        active = active[moving]
        if active.size == 0:
            break
    return phi.reshape(r.shape)


class EllipseArc:
    """First quadrant of the ellipse x²/a² + y²/b² = 1, parametrised by the eccentric angle t.

    x = a cos t, y = b sin t, t ∈ [0, π/2]; with m = 1 − b²/a² (SciPy's parameter convention)

    * ds/dt = √(a² sin²t + b² cos²t) = a √(sin²t + q cos²t), q = b²/a² (never 1 − m cos²t, which
      cancels for thin ellipses),
    * s(t) = a [E(m) − E(π/2 − t | m)], l = a E(m),
    * the point at arc length r from (0, b) has angle φ = E⁻¹(r/a | m) from the minor vertex,
      i.e. t = π/2 − φ.

    ``a`` is the semi-axis that is bent; a < b (bending along the minor axis) is allowed, m < 0 then.

    Examples
    --------
    >>> arc = EllipseArc(2.0, 1.0)
    >>> round(arc.length, 10)
    2.4221120551
    """

    breakpoints = np.empty(0)
    tolerance = 1e-12

    def __init__(self, a: float, b: float):
        self.a = check_positive(a, "a")
        self.b = check_positive(b, "b")
        self.m = 1.0 - (self.b / self.a) ** 2
        self.q = (self.b / self.a) ** 2
        self.length = float(self.a * ellipe(self.m))
        self.semi_axes = (self.a, self.b)
        self.span = HALF_PI

    def __repr__(self) -> str:
        return f"EllipseArc(a={self.a!r}, b={self.b!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, EllipseArc) and (self.a, self.b) == (other.a, other.b)

    __hash__ = None

    def point(self, t):
        t = np.asarray(t, dtype=float)
        return self.a * np.cos(t), self.b * np.sin(t)

    def speed(self, t):
        t = np.asarray(t, dtype=float)
        return self.a * np.sqrt(np.sin(t) ** 2 + self.q * np.cos(t) ** 2)

    def slopes(self, t):
        """(|dx/ds|, dy/ds) = (sin t, √q cos t) / √(sin²t + q cos²t)."""
        t = np.asarray(t, dtype=float)
        root = np.sqrt(np.sin(t) ** 2 + self.q * np.cos(t) ** 2)
        return np.sin(t) / root, np.sqrt(self.q) * np.cos(t) / root

    def arclength(self, t):
        t = np.asarray(t, dtype=float)
        if self.m == 0.0:
            return self.a * t
        return np.clip(self.a * (ellipe(self.m) - ellipeinc(HALF_PI - t, self.m)), 0.0, self.length)

    def param_at(self, s):
        s = np.asarray(s, dtype=float)
        if self.m == 0.0:
            return np.clip(s / self.a, 0.0, HALF_PI)
        return HALF_PI - inverse_ellipeinc(ellipe(self.m) - s / self.a, self.m)

    def angle_from_minor(self, r):
        """φ = π/2 − t of the point at arc length r measured from (0, b)."""
        r = np.asarray(r, dtype=float)
        if self.m == 0.0:
            return np.clip(r / self.a, 0.0, HALF_PI)
        return inverse_ellipeinc(r / self.a, self.m)

    def at_angle_from_minor(self, phi):
        """(y, dy/ds) at angle φ from the minor vertex: (b cos φ, √q sin φ / √(cos²φ + q sin²φ))."""
        phi = np.asarray(phi, dtype=float)
        y = np.where(phi == HALF_PI, 0.0, self.b * np.cos(phi))  # the vertex lies on the axis exactly
        return y, np.sqrt(self.q) * np.sin(phi) / np.sqrt(np.cos(phi) ** 2 + self.q * np.sin(phi) ** 2)

    def at_from_end(self, r):
        return self.at_angle_from_minor(self.angle_from_minor(r))


class SplineArc:
    """Quarter arc of a closed convex curve, symmetric about both axes, from samples of it.

    The samples are joined by a periodic cubic spline in the cumulative chord length; arc length
    is integrated from the spline's exact derivative (Gauss–Legendre on every knot interval) and
    inverted by Newton's method. Accuracy is that of the spline, about (spacing)³ in the slopes,
    so verdicts use a tolerance of 1e-6 on the discriminant.

    Use :meth:`from_points`, :meth:`from_function` or :func:`superellipse`.
    """

    tolerance = 1e-6

    def __init__(self, points, name: str = "curve"):
        pts = as_float_array(points, "points", ndim=2)
        if pts.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got {pts.shape}")
        if np.allclose(pts[0], pts[-1]):
            pts = pts[:-1]
        if len(pts) < 16:
            raise ValueError(f"need at least 16 distinct points on the closed curve, got {len(pts)}")
        self.name = name
        pts = _orient_and_check_convex(pts)
        # start the periodic parameter near the positive x-axis crossing
        angle = np.arctan2(pts[:, 1], pts[:, 0])
        pts = np.roll(pts, -int(np.argmin(np.abs(angle))), axis=0)
        closed = np.vstack([pts, pts[:1]])
        tau = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(closed, axis=0).T))])
        self._period = tau[-1]
        self._spline = CubicSpline(tau, closed, bc_type="periodic")
        self._d1 = self._spline.derivative()
        self._knots = tau
        crossings = self._axis_crossings()
        t0, t1 = crossings[0], crossings[1]
        self._t0 = t0
        self.span = t1 - t0
        knots = np.unique(np.concatenate([tau - self._period, tau, tau + self._period])) - t0
        gap = 1e-9 * self._period  # a knot on a vertex would leave an empty panel
        inner = knots[(knots > gap) & (knots < self.span - gap)]
        self.breakpoints = inner
        self._edges = np.concatenate([[0.0], inner, [self.span]])
        self._cum = np.concatenate([[0.0], np.cumsum(self._panel_lengths(self._edges[:-1], self._edges[1:]))])
        self.length = float(self._cum[-1])
        self._inverse = PchipInterpolator(self._cum, self._edges)
        x0, _ = self.point(0.0)
        _, y1 = self.point(self.span)
        self.semi_axes = (float(x0), float(y1))
        self._check_symmetry(crossings)

    @classmethod
    def from_points(cls, points, name: str = "curve") -> "SplineArc":
        """A closed convex curve given as an (n, 2) list of points in order (either orientation).

        Examples
        --------
        >>> theta = np.linspace(0, 2 * np.pi, 2001)[:-1]
        >>> arc = SplineArc.from_points(np.c_[2 * np.cos(theta), np.sin(theta)])
        >>> round(arc.length, 6)
        2.422112
        """
        return cls(points, name)

    @classmethod
    def from_function(cls, func: Callable, n: int = 4096, name: str = "curve") -> "SplineArc":
        """A closed convex curve θ ↦ func(θ) = (x, y), θ ∈ [0, 2π), sampled at n points."""
        if not callable(func):
            raise TypeError(f"func must be callable θ -> (x, y), got {type(func).__name__}")
        n = check_positive_int(n, "n", minimum=16)
        theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        xy = func(theta)
        try:
            pts = np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), theta.shape) for c in xy])
        except (TypeError, ValueError) as exc:
            raise TypeError(f"func(theta) must return two arrays (x, y) shaped like theta: {exc}") from None
        return cls(pts, name)

    def __repr__(self) -> str:
        return f"SplineArc({self.name!r}, semi_axes={self.semi_axes}, length={self.length:.10g})"

    # --- geometry -------------------------------------------------------------------------------
    def point(self, u):
        xy = self._spline(np.asarray(u, dtype=float) + self._t0)
        return xy[..., 0], xy[..., 1]

    def _velocity(self, u):
        v = self._d1(np.asarray(u, dtype=float) + self._t0)
        return v[..., 0], v[..., 1]

    def speed(self, u):
        return np.hypot(*self._velocity(u))

    def slopes(self, u):
        dx, dy = self._velocity(u)
        sp = np.hypot(dx, dy)
        return np.abs(dx) / sp, np.abs(dy) / sp

    def _panel_lengths(self, lo, hi):
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        nodes = lo[..., None] + (hi - lo)[..., None] * GL_NODES
        return (hi - lo) * (self.speed(nodes) @ GL_WEIGHTS)

    def arclength(self, u):
        u = np.clip(np.asarray(u, dtype=float), 0.0, self.span)
        k = np.clip(np.searchsorted(self._edges, u, side="right") - 1, 0, len(self._edges) - 2)
        return self._cum[k] + self._panel_lengths(self._edges[k], u)

    def param_at(self, s):
        s = np.clip(np.asarray(s, dtype=float), 0.0, self.length)
        u = self._inverse(s)
        for _ in range(4):
            u = np.clip(u - (self.arclength(u) - s) / self.speed(u), 0.0, self.span)
        return u

    def at_from_end(self, r):
        u = self.param_at(self.length - np.asarray(r, dtype=float))
        _, y = self.point(u)
        _, dyds = self.slopes(u)
        return np.where(u <= 0.0, 0.0, y), dyds  # the x-axis vertex lies on the axis exactly

    # --- construction checks ----------------------------------------------------------------------
    def _axis_crossings(self):
        """Parameters of the crossings with the +x, +y, −x, −y half-axes, in that order."""
        tau = np.linspace(-0.25 * self._period, 1.25 * self._period, 8 * len(self._knots) + 1)
        x, y = self._spline(tau).T
        found = []
        for comp, sign_other, other in ((y, 1, x), (x, 1, y), (y, -1, x), (x, -1, y)):
            idx = np.nonzero((np.sign(comp[:-1]) != np.sign(comp[1:])) & (np.sign(other[:-1]) == sign_other)
                             & (tau[:-1] >= (found[-1] if found else -np.inf)))[0]
            if len(idx) == 0:
                raise ValueError(f"{self.name}: the curve must enclose the origin and cross every half-axis; "
                                 "centre it on its axes of symmetry")
            k = idx[0]
            col = 1 if comp is y else 0
            found.append(brentq(lambda t: self._spline(t)[col], tau[k], tau[k + 1], xtol=1e-15))
        return found

    def _check_symmetry(self, crossings) -> None:
        ext = [float(self._spline(c)[i]) for c, i in zip(crossings, (0, 1, 0, 1))]
        quarter = [self._arc_between(crossings[i], crossings[i + 1]) for i in range(3)]
        quarter.append(self._period - sum(quarter))
        scale = max(abs(e) for e in ext)
        if abs(ext[0] + ext[2]) > 1e-5 * scale or abs(ext[1] + ext[3]) > 1e-5 * scale or \
                np.ptp(quarter) > 1e-5 * self.length:
            raise ValueError(
                f"{self.name}: the gluing construction needs a curve symmetric about both coordinate axes "
                f"(vertices {np.round(ext, 6).tolist()}, quarter lengths {np.round(quarter, 6).tolist()}); "
                "centre the curve and align its axes of symmetry with x and y")

    def _arc_between(self, lo, hi):
        edges = np.linspace(lo, hi, len(self._knots) + 1)
        nodes = edges[:-1, None] + np.diff(edges)[:, None] * GL_NODES
        d = self._d1(nodes)
        return float(np.sum(np.diff(edges) * (np.hypot(d[..., 0], d[..., 1]) @ GL_WEIGHTS)))


def _orient_and_check_convex(pts: np.ndarray) -> np.ndarray:
    """Return the points counter-clockwise; raise if the polygon is not convex."""
    x, y = pts.T
    signed_area = 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    if signed_area == 0:
        raise ValueError("the points enclose no area; pass a closed curve")
    if signed_area < 0:
        pts = pts[::-1]
    e = np.diff(np.vstack([pts, pts[:1]]), axis=0)
    cross = e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1)
    scale = np.max(np.hypot(e[:, 0], e[:, 1])) ** 2
    if np.any(cross < -1e-9 * scale):
        raise ValueError(f"the curve is not convex (it turns the wrong way at {int(np.sum(cross < -1e-9 * scale))} "
                         "of its points); the gluing construction needs a convex outline")
    return pts


def superellipse(a: float, b: float, p: float, n: int = 4096) -> SplineArc:
    """Quarter arc of the superellipse |x/a|^p + |y/b|^p = 1 (p > 1; p = 2 is the ellipse).

    Sampled at x = a sgn(cos θ)|cos θ|^(2/p), y = b sgn(sin θ)|sin θ|^(2/p).

    Examples
    --------
    >>> arc = superellipse(2.0, 1.0, 2.0)
    >>> round(arc.length, 8)
    2.42211206
    """
    a, b, p = check_positive(a, "a"), check_positive(b, "b"), check_positive(p, "p")
    if p <= 1:
        raise ValueError(f"p must be > 1 (p = 1 is a rhombus with corners, p < 1 is not convex), got {p}")

    def curve(theta):
        c, s = np.cos(theta), np.sin(theta)
        return a * np.sign(c) * np.abs(c) ** (2 / p), b * np.sign(s) * np.abs(s) ** (2 / p)

    return SplineArc.from_function(curve, n=n, name=f"superellipse(a={a:g}, b={b:g}, p={p:g})")
