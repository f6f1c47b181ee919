import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import ellipe, ellipeinc

from kexue.ellipses import EllipseArc, glue, lemma_check

# (a, b): l, x(l), V from the reference's independent reconstruction (section 3.2)
TABLE = {
    (2.0, 1.0): (2.4221120551, 1.5697573788, 3.1674635919),
    (3.0, 1.0): (3.3412233051, 2.6572933486, 5.7372689989),
    (1.5, 1.0): (1.9831799487, 0.9867119966, 1.8383660246),
    (10.0, 1.0): (10.1599354503, 9.8400431953, 22.6345455271),
}


@pytest.mark.parametrize("ab", list(TABLE))
def test_reference_table(ab):
    r = glue(*ab)
    l, length, volume = TABLE[ab]
    assert r.quarter_length == pytest.approx(l, abs=1e-9)
    assert r.length == pytest.approx(length, abs=1e-9)
    assert r.volume == pytest.approx(volume, abs=1e-9)
    assert r.gluable and not r.flat
    assert r.verdict.startswith("gluable")


def _reference_by_quad(a, b):
    """Independent route: adaptive quadrature in t, brentq for the partner angle."""
    m = 1 - (b / a) ** 2
    s = lambda t: a * (ellipe(m) - ellipeinc(np.pi / 2 - t, m))
    l = a * ellipe(m)
    speed = lambda t: np.sqrt(a**2 * np.sin(t) ** 2 + b**2 * np.cos(t) ** 2)
    hp = lambda t: b * np.cos(t) / speed(t)

    def partner(t):
        target = l - s(t)
        if target <= 0:
            return 0.0
        if target >= l:
            return np.pi / 2
        return brentq(lambda u: s(u) - target, 0, np.pi / 2, xtol=1e-15, rtol=1e-15)

    d = lambda t: max(1 - hp(t) ** 2 - hp(partner(t)) ** 2, 0.0)
    length = quad(lambda t: np.sqrt(d(t)) * speed(t), 0, np.pi / 2, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    vol = quad(lambda t: 4 * b * np.sin(t) * b * np.sin(partner(t)) * np.sqrt(d(t)) * speed(t), 0, np.pi / 2,
               epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    return l, length, vol


@pytest.mark.parametrize("ab", [(2.0, 1.0), (5.0, 3.0), (1.2, 1.0)])
def test_matches_independent_quadrature(ab):
    r = glue(*ab)
    l, length, vol = _reference_by_quad(*ab)
    assert r.quarter_length == pytest.approx(l, rel=1e-12)
    assert r.length == pytest.approx(length, rel=1e-10)
    assert r.volume == pytest.approx(vol, rel=1e-10)


def test_quarter_length_is_elliptic_integral():
    assert glue(2, 1).quarter_length == pytest.approx(2 * ellipe(0.75), rel=1e-15)


@pytest.mark.parametrize("a", [1.0, 3.0, 0.37])
def test_circle_is_flat(a):
    r = glue(a, a)
    assert r.gluable and r.flat
    assert r.length == 0.0 and r.volume == 0.0
    assert r.quarter_length == pytest.approx(np.pi / 2 * a, rel=1e-15)
    assert "flat" in r.verdict
    with pytest.raises(ValueError, match="flat"):
        r.mesh()


def test_minor_axis_bending_fails_and_says_why():
    r = glue(1, 2)
    assert not r.gluable
    assert r.discriminant == pytest.approx(-0.7596, abs=5e-5)
    # D(s) = D(l - s) for identical sheets, so the minimum sits in the middle
    assert r.discriminant_s == pytest.approx(r.quarter_length / 2, rel=1e-6)
    assert "not gluable" in r.verdict and "minor axis" in r.verdict and "a ≥ b" in r.verdict
    assert np.isnan(r.length) and np.isnan(r.volume)
    with pytest.raises(ValueError, match="no solid"):
        r.edge()


def test_discriminant_zero_at_the_ends():
    r = glue(2, 1)
    assert abs(r.discriminant) <= 1e-12
    assert r.discriminant_s == 0.0
    d = r._pairing.evaluate(np.array([0.0, np.pi / 2]))["d"]
    assert np.all(np.abs(d) <= 1e-15)


def test_edge_curve_is_unit_speed_and_on_the_sheets():
    r = glue(2, 1)
    s = np.linspace(0, r.quarter_length, 4001)
    e = r.edge_at(s)
    # y = h(s) lies on the ellipse, z(s) = y(l - s)
    arc = EllipseArc(2, 1)
    t = arc.param_at(s)
    np.testing.assert_allclose(e.y, np.sin(t), atol=1e-13)
    np.testing.assert_allclose(e.z, r.edge_at(r.quarter_length - s).y, atol=1e-12)
    # chord lengths of the unit-speed curve equal the arc-length steps up to O(ds^3)
    chords = np.linalg.norm(np.diff(e.points(), axis=0), axis=1)
    np.testing.assert_allclose(chords, np.diff(s), rtol=1e-5)
    assert e.x[-1] == pytest.approx(r.length, rel=1e-13)
    assert np.all(np.diff(e.x) >= 0)


def test_edge_at_any_order_and_validation():
    r = glue(2, 1)
    s = np.array([2.0, 0.5, 1.0])
    e = r.edge_at(s)
    e_sorted = r.edge_at(np.sort(s))
    np.testing.assert_allclose(e.x, e_sorted.x[[2, 0, 1]], rtol=1e-14)
    with pytest.raises(ValueError, match=r"\[0, l\]"):
        r.edge_at([3.0])
    with pytest.raises(ValueError, match="NaN"):
        r.edge_at([np.nan])


@pytest.mark.parametrize("ab", [(2.0, 1.0), (3.0, 1.0)])
def test_isometry(ab):
    a, b = ab
    r = glue(a, b)
    assert r.profile_lengths[0] == pytest.approx(a, rel=1e-12)
    assert r.profile_lengths[1] == pytest.approx(a, rel=1e-12)
    assert r.surface_area == pytest.approx(2 * np.pi * a * b, rel=1e-12)
    assert sum(r.sheet_areas) == pytest.approx(2 * np.pi * a * b, rel=1e-12)


def test_convex_cross_sections():
    e = glue(2, 1).edge(2001)
    for f in (e.y, e.z):
        slope = np.diff(f) / np.diff(e.x)
        assert np.all(np.diff(slope) <= 1e-9)


@pytest.mark.parametrize("ab", [(1.0, 1.0), (1.001, 1.0), (1.1, 1.0), (2.0, 1.0), (4.0, 1.0), (10.0, 1.0),
                                (50.0, 1.0), (7.0, 6.9)])
def test_lemma_pointwise_fine_grid(ab):
    lem = lemma_check(*ab, n=20001)
    assert lem.holds
    assert np.all(lem.step2) and np.all(lem.step3)
    # step 4: the partner point is flatter than the reflected one
    assert np.all(lem.partner_sq >= lem.reflected_sq * (1 - 1e-12))


def test_lemma_fails_when_bent_along_minor_axis():
    lem = lemma_check(1.0, 2.0)
    assert not lem.holds and not np.any(lem.step2)
    assert lem.worst_ratio > 1


@settings(max_examples=20, deadline=None)
@given(a=st.floats(1.0, 30.0), ratio=st.floats(1e-3, 1.0))
def test_property_random_a_ge_b(a, ratio):
    b = a * ratio
    r = glue(a, b, lemma_points=501)
    assert r.lemma.holds
    assert r.discriminant >= -1e-12 and r.gluable
    assert r.profile_lengths[0] == pytest.approx(a, rel=1e-10)
    assert r.surface_area == pytest.approx(2 * np.pi * a * b, rel=1e-10)
    # D >= 0 is the lemma cross-multiplied: they agree pointwise
    d = r._pairing.evaluate(r.lemma.t0)["d"]
    assert np.all(d >= -1e-12)


@settings(max_examples=15, deadline=None)
@given(a=st.floats(0.5, 5.0), ratio=st.floats(1.05, 5.0))
def test_property_a_lt_b_fails(a, ratio):
    r = glue(a, a * ratio, lemma_points=201)
    assert not r.gluable and r.discriminant < 0 and not r.lemma.holds


@settings(max_examples=10, deadline=None)
@given(k=st.floats(0.1, 10.0))
def test_scaling(k):
    base = glue(2, 1)
    r = glue(2 * k, k)
    assert r.length == pytest.approx(k * base.length, rel=1e-11)
    assert r.volume == pytest.approx(k**3 * base.volume, rel=1e-11)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf])
def test_bad_axes(bad):
    with pytest.raises(ValueError, match="positive"):
        glue(bad, 1.0)


def test_bad_types():
    with pytest.raises(TypeError):
        glue("2", 1)
    with pytest.raises(TypeError):
        glue(True, 1)


def test_to_dict_is_json_ready():
    import json

    d = glue(2, 1).to_dict()
    json.dumps(d)
    assert d["lemma"]["holds"] is True and d["gluable"] is True
