import numpy as np
import pytest
from scipy.optimize import brentq

from kexue.ellipses import EllipseArc, SplineArc, glue, glue_curves, superellipse


def _ellipse_points(a, b, n=4096, phase=0.0):
    th = np.linspace(0, 2 * np.pi, n, endpoint=False) + phase
    return np.c_[a * np.cos(th), b * np.sin(th)]


def test_spline_path_reproduces_exact_ellipse():
    exact = glue(2, 1)
    arc = SplineArc.from_points(_ellipse_points(2, 1, phase=0.123))  # no sample on the vertices
    r = glue_curves(arc, arc)
    assert r.gluable
    assert r.quarter_length == pytest.approx(exact.quarter_length, rel=1e-10)
    assert r.length == pytest.approx(exact.length, rel=1e-9)
    assert r.volume == pytest.approx(exact.volume, rel=1e-9)
    assert arc.semi_axes == pytest.approx((2, 1), rel=1e-10)


def test_point_list_clockwise_and_closed_is_accepted():
    pts = _ellipse_points(2, 1, 2000)[::-1]
    pts = np.vstack([pts, pts[:1]])
    r = glue_curves(pts, pts)
    assert r.length == pytest.approx(glue(2, 1).length, rel=1e-7)


def test_from_function_and_superellipse_p2_equal_ellipse():
    exact = glue(3, 1)
    f = SplineArc.from_function(lambda t: (3 * np.cos(t), np.sin(t)))
    s = superellipse(3, 1, 2.0)
    for arc in (f, s):
        r = glue_curves(arc, arc)
        assert r.volume == pytest.approx(exact.volume, rel=1e-9)


@pytest.mark.parametrize("p", [1.2, 1.5, 1.8, 2.5, 3.0])
def test_superellipse_family_glues_and_is_isometric(p):
    arc = superellipse(2, 1, p)
    r = glue_curves(arc, arc)
    assert r.gluable and not r.flat
    assert r.discriminant >= -arc.tolerance
    assert r.profile_lengths == pytest.approx((2.0, 2.0), rel=1e-6)
    assert r.surface_area == pytest.approx(sum(r.sheet_areas), rel=1e-8)
    mesh = r.mesh()
    assert mesh.check(r).passed(1e-4)


def test_different_ellipses_of_equal_perimeter_exact_vs_spline():
    e = EllipseArc(2, 1)
    b2 = brentq(lambda b: EllipseArc(1.8, b).length - e.length, 0.1, 3, xtol=1e-15)
    other = EllipseArc(1.8, b2)
    exact = glue_curves(e, other)
    spline = glue_curves(SplineArc.from_points(_ellipse_points(2, 1)),
                         SplineArc.from_points(_ellipse_points(1.8, b2)))
    assert exact.gluable
    assert spline.length == pytest.approx(exact.length, rel=1e-8)
    assert spline.volume == pytest.approx(exact.volume, rel=1e-8)
    assert exact.profile_lengths == pytest.approx((2.0, 1.8), rel=1e-12)
    # swapping the sheets reverses s and gives the same solid
    swapped = glue_curves(other, e)
    assert swapped.length == pytest.approx(exact.length, rel=1e-12)
    assert swapped.volume == pytest.approx(exact.volume, rel=1e-12)


def test_flat_vertex_against_round_vertex_fails_with_a_verdict():
    # near s = l, D ≈ (κ_B(x-vertex)² − κ_A(y-vertex)²) ε²; a p = 3 superellipse has zero curvature at
    # its vertices, so it cannot meet the ellipse's curved minor vertex
    e = EllipseArc(2, 1)
    s = superellipse(2, 1, 3)
    k = e.length / s.length
    r = glue_curves(e, superellipse(2 * k, k, 3))
    assert not r.gluable and r.discriminant < -1e-5
    assert "not gluable" in r.verdict and "too steep" in r.verdict


def test_unequal_perimeters_verdict():
    r = glue_curves(EllipseArc(2, 1), EllipseArc(2.5, 1))
    assert not r.gluable and "perimeters differ" in r.verdict
    assert np.isnan(r.length)


def test_rejects_unsymmetric_nonconvex_and_bad_input():
    with pytest.raises(ValueError, match="symmetric"):
        SplineArc.from_points(_ellipse_points(1, 1, 400) + [0.5, 0.0])
    th = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    star = np.c_[(1 + 0.3 * np.cos(5 * th)) * np.cos(th), (1 + 0.3 * np.cos(5 * th)) * np.sin(th)]
    with pytest.raises(ValueError, match="not convex"):
        SplineArc.from_points(star)
    with pytest.raises(ValueError, match="shape"):
        SplineArc.from_points(np.zeros((40, 3)))
    with pytest.raises(ValueError, match="at least 16"):
        SplineArc.from_points(_ellipse_points(1, 1, 8))
    with pytest.raises(ValueError, match="NaN"):
        SplineArc.from_points(np.full((40, 2), np.nan))
    with pytest.raises(ValueError, match="p must be > 1"):
        superellipse(2, 1, 1.0)
    with pytest.raises(TypeError, match="callable"):
        SplineArc.from_function(3.0)
    with pytest.raises(TypeError, match="sheet_b"):
        glue_curves(EllipseArc(2, 1), "ellipse")


@pytest.mark.parametrize("p", [1.5, 3.0])
def test_superellipse_area_closed_form(p):
    from scipy.special import gamma

    area = 4 * 2 * 1 * gamma(1 + 1 / p) ** 2 / gamma(1 + 2 / p)
    r = glue_curves(superellipse(2, 1, p), superellipse(2, 1, p))
    assert r.sheet_areas == pytest.approx((area, area), rel=1e-9)
    assert r.surface_area == pytest.approx(2 * area, rel=1e-9)
