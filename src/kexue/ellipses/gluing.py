"""Gluing two sheets edge to edge into a closed solid (Su, kexue.fm/archives/6818).

Sheet A (top and bottom faces) and sheet B (the two side faces) are cylinders: A's generators are
parallel to y, B's to z. With s the arc length along A's outline from its x-axis vertex, h_A(s) the
height of A's outline and h_B the height of B's, the glued edge in the first octant is

    P(s) = (x(s), h_A(s), h_B(l − s)),   s ∈ [0, l],   l = quarter perimeter,

and unit speed |P'(s)| = 1 forces

    x(s) = ∫₀ˢ √D(σ) dσ,   D(s) = 1 − h_A'(s)² − h_B'(l − s)²   (the gluing discriminant).

Gluing works iff D ≥ 0 on [0, l]. The solid is the union of the rectangles |y| ≤ h_A(s),
|z| ≤ h_B(l − s) at station x(s), so its volume is V = 4 ∫₀ˡ h_A(s) h_B(l − s) √D(s) ds.

All integrals run over the arc's own parameter (the eccentric angle t for an ellipse), where the
integrands are smooth up to the ends: no 1/√(b − y) singularity as in a grid over y.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar

from kexue._validation import as_float_array, check_positive_int
from kexue.ellipses.arcs import GL_NODES, GL_WEIGHTS, HALF_PI, EllipseArc, SplineArc

#: panels of the composite Gauss–Legendre rule over the arc parameter
_PANELS = 64
#: grid on which the discriminant's minimum is bracketed before a bounded Brent refinement
_SCAN = 4096


@dataclass(frozen=True)
class EdgeCurve:
    """Samples of the glued edge P(s) = (x(s), y(s), z(s)) in the first octant (unit speed in s)."""

    s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    def points(self) -> np.ndarray:
        """(n, 3) array of the edge points."""
        return np.column_stack([self.x, self.y, self.z])


@dataclass(frozen=True)
class LemmaCheck:
    """Su's lemma checked pointwise on a grid of eccentric angles t₀ ∈ (0, π/2).

    Lemma (a ≥ b): (dy/dx)² at s₀ ≤ (dx/dy)² at l − s₀. The proof's chain, evaluated per t₀:

    * ``slope_sq``     (dy/dx)² at t₀ = b² cos²t₀ / (a² sin²t₀)
    * ``reflected_sq`` (dx/dy)² at π/2 − t₀ = a² cos²t₀ / (b² sin²t₀)    (step 2 needs a ≥ b)
    * ``t1``           angle from the minor vertex of the point at arc length l − s₀ (step 3: t₁ ≤ t₀)
    * ``partner_sq``   (dx/dy)² at l − s₀ = a² cos²t₁ / (b² sin²t₁)       (≥ reflected_sq by step 4)
    """

    a: float
    b: float
    t0: np.ndarray
    slope_sq: np.ndarray
    reflected_sq: np.ndarray
    t1: np.ndarray
    partner_sq: np.ndarray
    rtol: float = 1e-12

    @property
    def step2(self) -> np.ndarray:
        return self.slope_sq <= self.reflected_sq * (1 + self.rtol)

    @property
    def step3(self) -> np.ndarray:
        return self.t1 <= self.t0 * (1 + self.rtol)

    @property
    def pointwise(self) -> np.ndarray:
        return self.slope_sq <= self.partner_sq * (1 + self.rtol)

    @property
    def holds(self) -> bool:
        """True when the lemma's inequality holds at every grid point."""
        return bool(np.all(self.pointwise))

    @property
    def worst_ratio(self) -> float:
        """max over the grid of slope_sq / partner_sq (≤ 1 when the lemma holds)."""
        return float(np.max(self.slope_sq / self.partner_sq))


def lemma_check(a: float, b: float, n: int = 2001) -> LemmaCheck:
    """Evaluate the lemma and its proof steps on n interior eccentric angles.

    Examples
    --------
    >>> lemma_check(2.0, 1.0).holds, lemma_check(1.0, 2.0).holds
    (True, False)
    """
    arc = EllipseArc(a, b)
    n = check_positive_int(n, "n", minimum=2)
    t0 = np.linspace(0.0, HALF_PI, n + 2)[1:-1]
    c, s = np.cos(t0), np.sin(t0)
    t1 = t0 if arc.m == 0.0 else arc.angle_from_minor(arc.arclength(t0))
    ratio = (arc.a / arc.b) ** 2
    return LemmaCheck(
        a=arc.a, b=arc.b, t0=t0,
        slope_sq=(c / s) ** 2 / ratio,
        reflected_sq=(c / s) ** 2 * ratio,
        t1=t1,
        partner_sq=(np.cos(t1) / np.sin(t1)) ** 2 * ratio,
    )


class _Pairing:
    """Everything along the edge, as functions of arc A's parameter u."""

    def __init__(self, arc_a, arc_b):
        self.arc_a, self.arc_b = arc_a, arc_b
        # circle: the point at l − s is the mirror image, φ = t exactly, so D ≡ 0 without round-off
        self._mirror = isinstance(arc_a, EllipseArc) and arc_a == arc_b and arc_a.m == 0.0
        # panels halve towards both ends: thin sheets (b << a) vary on scales b/a and (b/a)² there
        grading = arc_a.span * 0.5 ** np.arange(7, 40)
        self.edges = np.unique(np.concatenate([np.linspace(0.0, arc_a.span, _PANELS + 1), grading,
                                               arc_a.span - grading, arc_a.breakpoints]))

    def evaluate(self, u):
        u = np.asarray(u, dtype=float)
        cos_a, h_a = self.arc_a.slopes(u)
        _, y = self.arc_a.point(u)
        y = np.where(u <= 0.0, 0.0, y)  # the vertex lies on the axis exactly
        if self._mirror:
            z, h_b = self.arc_b.at_angle_from_minor(u)
        else:
            z, h_b = self.arc_b.at_from_end(self.arc_a.arclength(u))
        # 1 − h_A'² − h_B'² = cos²ψ_A − h_B'², factored to keep its zeros accurate
        d = (cos_a - h_b) * (cos_a + h_b)
        return {"ds": self.arc_a.speed(u), "y": y, "z": z, "h_a": h_a, "h_b": h_b, "d": d}

    def integrate(self, u_nodes):
        """Cumulative integrals from 0 to every node of u_nodes (sorted) of x', volume, profiles, area."""
        u_nodes = np.asarray(u_nodes, dtype=float)
        grid = np.union1d(self.edges, u_nodes)
        width = np.diff(grid)
        q = self.evaluate(grid[:-1, None] + width[:, None] * GL_NODES)
        root = np.sqrt(np.maximum(q["d"], 0.0))
        prof_a = np.sqrt(np.maximum(q["d"], 0.0) + q["h_b"] ** 2) * q["ds"]
        prof_b = np.sqrt(np.maximum(q["d"], 0.0) + q["h_a"] ** 2) * q["ds"]
        integrands = {
            "x": root * q["ds"],
            "volume": 4.0 * q["y"] * q["z"] * root * q["ds"],
            "profile_a": prof_a,
            "profile_b": prof_b,
            "area": 4.0 * (q["y"] * prof_a + q["z"] * prof_b),
            # the flat sheets' areas, 4 ∫ y |dx|, from the outlines alone
            "sheet_a": 4.0 * q["y"] * np.sqrt(np.maximum(1.0 - q["h_a"] ** 2, 0.0)) * q["ds"],
            "sheet_b": 4.0 * q["z"] * np.sqrt(np.maximum(1.0 - q["h_b"] ** 2, 0.0)) * q["ds"],
        }
        idx = np.searchsorted(grid, u_nodes)
        out = {}
        for key, f in integrands.items():
            cum = np.concatenate([[0.0], np.cumsum(width * (f @ GL_WEIGHTS))])
            out[key] = cum[idx]
        return out

    def discriminant_minimum(self):
        """(min D, parameter where it is reached)."""
        span = self.arc_a.span
        u = np.union1d(np.linspace(0.0, span, _SCAN + 1), self.arc_a.breakpoints)
        d = self.evaluate(u)["d"]
        k = int(np.argmin(d))
        best_u, best_d = u[k], float(d[k])
        lo, hi = u[max(k - 1, 0)], u[min(k + 1, len(u) - 1)]
        res = minimize_scalar(lambda v: float(self.evaluate(v)["d"]), bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-14 * span})
        if res.fun < best_d:
            best_u, best_d = float(res.x), float(res.fun)
        return best_d, best_u


@dataclass
class GluingResult:
    """Outcome of gluing sheet A (bent along x, top/bottom faces) to sheet B (side faces).

    Attributes
    ----------
    quarter_length : l, the quarter perimeter (the edge length in one octant).
    length : x(l), the solid's length along x (NaN when the sheets cannot be glued).
    volume : V = 4 ∫ h_A(s) h_B(l − s) x'(s) ds (NaN when they cannot be glued).
    discriminant : min over s ∈ [0, l] of D(s) = 1 − h_A'(s)² − h_B'(l − s)².
    discriminant_s : the arc length s where that minimum is reached (the smallest such s).
    gluable : D ≥ −tolerance everywhere; flat : D ≡ 0 (the solid degenerates to a flat double sheet).
    verdict : one sentence saying whether and why the sheets glue.
    lemma : the pointwise lemma check (two identical ellipses only, else None).
    profile_lengths : arc lengths of the two sheets' bent profiles in one octant (each must equal the
        sheet's semi-axis along x: a for an ellipse); surface_area : total area of the solid;
    sheet_areas : areas of the flat sheets (πab each for ellipses), for the isometry check.
    """

    arc_a: object
    arc_b: object
    quarter_length: float
    length: float
    volume: float
    discriminant: float
    discriminant_s: float
    gluable: bool
    flat: bool
    verdict: str
    lemma: LemmaCheck | None
    profile_lengths: tuple[float, float]
    surface_area: float
    sheet_areas: tuple[float, float]
    _pairing: _Pairing = field(repr=False, default=None)

    def _require_solid(self) -> None:
        if not self.gluable:
            raise ValueError(f"no solid: {self.verdict}")

    def edge_at_params(self, u) -> EdgeCurve:
        """Edge samples at sorted parameters u of arc A (eccentric angles for an ellipse)."""
        self._require_solid()
        u = np.asarray(u, dtype=float)
        q = self._pairing.evaluate(u)
        x = self._pairing.integrate(u)["x"]
        return EdgeCurve(s=self.arc_a.arclength(u), x=x, y=q["y"], z=q["z"])

    def edge(self, n: int = 257) -> EdgeCurve:
        """The glued edge at n points, evenly spaced in arc A's parameter."""
        n = check_positive_int(n, "n", minimum=2)
        return self.edge_at_params(np.linspace(0.0, self.arc_a.span, n))

    def edge_at(self, s) -> EdgeCurve:
        """The glued edge at arc lengths s ∈ [0, l] (any order)."""
        s = as_float_array(s, "s", ndim=1)
        if np.any(s < 0) or np.any(s > self.quarter_length * (1 + 1e-12)):
            raise ValueError(f"s must lie in [0, l] = [0, {self.quarter_length:.10g}]")
        order = np.argsort(s)
        e = self.edge_at_params(self.arc_a.param_at(s[order]))
        inv = np.argsort(order)
        return EdgeCurve(s=s, x=e.x[inv], y=e.y[inv], z=e.z[inv])

    def mesh(self, n: int = 400, n_across: int = 3):
        """Closed triangle mesh of the solid; see :func:`kexue.ellipses.mesh.solid_mesh`."""
        from kexue.ellipses.mesh import solid_mesh

        return solid_mesh(self, n=n, n_across=n_across)

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        out = {
            "sheet_a": repr(self.arc_a), "sheet_b": repr(self.arc_b),
            "quarter_length": self.quarter_length, "length": self.length, "volume": self.volume,
            "discriminant": self.discriminant, "discriminant_s": self.discriminant_s,
            "gluable": self.gluable, "flat": self.flat, "verdict": self.verdict,
            "profile_lengths": list(self.profile_lengths), "semi_axes_x": [self.arc_a.semi_axes[0],
                                                                           self.arc_b.semi_axes[0]],
            "surface_area": self.surface_area, "sheet_areas": list(self.sheet_areas),
        }
        if self.lemma is not None:
            out["lemma"] = {"holds": self.lemma.holds, "grid_points": int(self.lemma.t0.size),
                            "worst_ratio": self.lemma.worst_ratio,
                            "step2_holds": bool(np.all(self.lemma.step2)),
                            "step3_holds": bool(np.all(self.lemma.step3))}
        return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def _solve(arc_a, arc_b, lemma: LemmaCheck | None) -> GluingResult:
    tol = max(arc_a.tolerance, arc_b.tolerance)
    l_a, l_b = arc_a.length, arc_b.length
    nan = float("nan")
    if abs(l_a - l_b) > tol * max(l_a, l_b) * 10:
        verdict = (f"not gluable: the perimeters differ (quarter lengths {l_a:.10g} vs {l_b:.10g}); "
                   "the edges must have equal length to meet point for point - rescale one sheet")
        return GluingResult(arc_a, arc_b, l_a, nan, nan, nan, nan, False, False, verdict, lemma,
                            (nan, nan), nan, (nan, nan), None)
    pairing = _Pairing(arc_a, arc_b)
    d_min, u_min = pairing.discriminant_minimum()
    s_min = float(arc_a.arclength(u_min))
    total = {k: float(v[-1]) for k, v in pairing.integrate(np.array([0.0, arc_a.span])).items()}
    gluable = d_min >= -tol
    d_max = float(np.max(pairing.evaluate(np.linspace(0.0, arc_a.span, 257))["d"]))
    flat = gluable and d_max <= tol
    if not gluable:
        why = ("the sheet is bent along its minor axis (a < b); Su's lemma needs a ≥ b - swap a and b"
               if isinstance(arc_a, EllipseArc) and arc_a == arc_b and arc_a.a < arc_a.b else
               "the outlines' slopes there are too steep to meet")
        verdict = (f"not gluable: 1 - h_A'(s)^2 - h_B'(l-s)^2 reaches {d_min:.4f} at s = {s_min:.6g} "
                   f"(l = {l_a:.6g}), so the edge would need dx/ds = sqrt of a negative number; {why}")
        length = volume = nan
        total.update(profile_a=nan, profile_b=nan, area=nan)
    elif flat:
        verdict = ("gluable but degenerate: the discriminant vanishes identically (as for a circle), so "
                   "x(s) = 0 and the 'solid' is flat: length 0, volume 0")
        length, volume = total["x"], total["volume"]
    else:
        where = ("0, the value it always takes at the ends s = 0 and s = l" if abs(d_min) <= tol else
                 f"{d_min:.4g} at s = {s_min:.6g}")
        verdict = (f"gluable: 1 - h_A'(s)^2 - h_B'(l-s)^2 >= 0 on [0, l] (minimum {where}); "
                   f"the solid has length {total['x']:.10g} and volume {total['volume']:.10g}")
        length, volume = total["x"], total["volume"]
    return GluingResult(
        arc_a=arc_a, arc_b=arc_b, quarter_length=float(l_a), length=length, volume=volume,
        discriminant=d_min, discriminant_s=s_min, gluable=bool(gluable), flat=bool(flat), verdict=verdict,
        lemma=lemma, profile_lengths=(total["profile_a"], total["profile_b"]), surface_area=total["area"],
        sheet_areas=(total["sheet_a"], total["sheet_b"]), _pairing=pairing)


def glue(a: float, b: float, *, lemma_points: int = 2001) -> GluingResult:
    """Glue two identical elliptical sheets x²/a² + y²/b² = 1, each bent along its a-axis.

    Exact arc length from incomplete elliptic integrals, s(t) = a[E(m) − E(π/2 − t | m)] with
    m = 1 − b²/a², inverted by Newton's method; x(l) = ∫₀^{π/2} √D · (ds/dt) dt and
    V = 4 ∫₀^{π/2} b sin t · h(l − s(t)) · √D · (ds/dt) dt by composite Gauss–Legendre in t
    (relative accuracy about 1e-13).

    Parameters
    ----------
    a : semi-axis along which each sheet is bent (a ≥ b glues; a < b does not).
    b : the other semi-axis.
    lemma_points : grid size of the pointwise lemma check.

    Examples
    --------
    >>> r = glue(2, 1)
    >>> round(r.quarter_length, 10), round(r.length, 10), round(r.volume, 10)
    (2.4221120551, 1.5697573788, 3.1674635919)
    >>> glue(1, 2).gluable
    False
    """
    arc = EllipseArc(a, b)
    return _solve(arc, arc, lemma_check(arc.a, arc.b, lemma_points))


def glue_curves(sheet_a, sheet_b) -> GluingResult:
    """Glue two convex sheets of equal perimeter, each symmetric about both axes and bent along x.

    Parameters
    ----------
    sheet_a, sheet_b : :class:`EllipseArc`, :class:`SplineArc` (see :meth:`SplineArc.from_points`,
        :meth:`SplineArc.from_function`, :func:`superellipse`), or an (n, 2) array of points on
        the closed curve.

    Examples
    --------
    >>> from kexue.ellipses import superellipse
    >>> r = glue_curves(superellipse(2, 1, 2.5), superellipse(2, 1, 2.5))
    >>> r.gluable
    True
    """
    arcs = []
    for name, sheet in (("sheet_a", sheet_a), ("sheet_b", sheet_b)):
        if isinstance(sheet, (EllipseArc, SplineArc)):
            arcs.append(sheet)
        elif isinstance(sheet, (np.ndarray, list, tuple)):
            arcs.append(SplineArc.from_points(sheet, name=name))
        else:
            raise TypeError(f"{name} must be an EllipseArc, a SplineArc or an (n, 2) array of points, "
                            f"got {type(sheet).__name__}")
    a, b = arcs
    lemma = lemma_check(a.a, a.b) if isinstance(a, EllipseArc) and a == b else None
    return _solve(a, b, lemma)
