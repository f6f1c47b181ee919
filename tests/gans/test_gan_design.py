"""The loss factory against the reference's symbolic identities and 1-D Gaussian quadrature."""

import math

import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from kexue.gans import design_loss, get_loss
from kexue.gans.design import R, T

LOG2 = sympy.log(2)
P, Q = stats.norm(0, 1), stats.norm(1, 1)


def same(a, b):
    return sympy.simplify(sympy.expand_log(sympy.simplify(a - b), force=True)) == 0


# (preset, rho, omega_inv, article psi, psi(omega(1)) of the article's psi) from the reference, section 1.1/1.4
ARTICLE = {
    "a": (1 / (sympy.exp(T) + 1), sympy.exp(T), LOG2 - sympy.log(1 + sympy.exp(-T)), 0),
    "b": (1 / T, T / (1 - T), sympy.log(T), -LOG2),
    "c": (sympy.exp(-T), sympy.exp(2 * T), -sympy.exp(-T), -1),
    "f": (2 * (1 - T), (T + 1) / (1 - T), -(T - 1) ** 2, -1),
}


@pytest.mark.parametrize("key", sorted(ARTICLE))
def test_rho_inverse_and_psi_offset_match_the_article(key):
    des = get_loss(key)
    rho, inv, psi_article, offset = ARTICLE[key]
    assert same(des.rho, rho)
    assert same(des.omega_inv, inv)
    t1 = des.omega.subs(R, 1)
    assert same(psi_article.subs(T, t1), offset)
    # the article's psi is the normalised psi shifted by exactly that offset
    t0 = sympy.Rational(3, 10)  # inside every Omega here
    for tt in (t0, sympy.Rational(-1, 5), sympy.Rational(7, 10)):
        if key == "b" and tt < 0:
            continue
        val = sympy.N((psi_article - des.psi).subs(T, tt) - offset, 30)
        assert abs(val) < 1e-25
    assert des.evaluate("psi", [float(t1)])[0] == pytest.approx(0, abs=1e-15)


def test_d_of_each_example_matches_the_reference():
    r = R
    # (a): d = r log r - (r+1) log(r+1) + r log 2, d'' = 1/(r(r+1)), d(1) = -log 2
    a = get_loss("a")
    assert same(a.d, r * sympy.log(r) - (r + 1) * sympy.log(r + 1) + r * LOG2)
    assert same(sympy.diff(a.d, r, 2), 1 / (r * (r + 1)))
    assert same(a.d.subs(r, 1), -LOG2)
    # (b): with the article's psi = log t (offset -log 2): d = log(r^r / (r+1)^(r+1)), d' = log(r/(r+1))
    b = get_loss("b")
    d_b = b.d - r * LOG2
    assert same(d_b, r * sympy.log(r) - (r + 1) * sympy.log(r + 1))
    assert same(sympy.diff(d_b, r), sympy.log(r / (r + 1)))
    # (c): unshifted d = -2 sqrt(r); shifted d = r - 2 sqrt(r)
    c = get_loss("c")
    assert same(c.d, r - 2 * sympy.sqrt(r))
    assert same(c.d - r, -2 * sympy.sqrt(r))
    assert same(sympy.diff(c.d, r, 2), 1 / (2 * r ** sympy.Rational(3, 2)))
    # (d), (e): Conclusion 2
    assert same(get_loss("d").d, r * sympy.log(r))
    assert same(sympy.diff(get_loss("d").d, r, 2), 1 / r)
    assert same(get_loss("e").d, (r + 1) * sympy.log(r + 1))
    assert same(sympy.diff(get_loss("e").d, r, 2), 1 / (r + 1))
    # (f): d_C1 = -4r/(r+1) with the article's psi; d_C2 = (r-1)^2/(r+1), d'' = 8/(r+1)^3
    f = get_loss("f")
    assert same(f.d_dual - r, -4 * r / (r + 1))
    assert same(f.d, (r - 1) ** 2 / (r + 1))
    assert same(sympy.diff(f.d, r, 2), 8 / (r + 1) ** 3)


def test_check_verdicts_for_the_examples():
    for key in "abcde":
        report = get_loss(key).check()
        assert report.ok, str(report)
    for key in "de":
        assert get_loss(key).check()["beta o omega strictly increasing"].ok
    rep = get_loss("f").check()
    assert not rep.ok
    cond = rep["beta o omega strictly increasing"]
    assert not cond.ok and cond.counterexample is not None
    # the counterexample is genuine: beta(omega(r)) = ((r-1)/(r+1))^2 decreases there
    slope = sympy.diff(((R - 1) / (R + 1)) ** 2, R).subs(R, cond.counterexample)
    assert float(slope) < 0
    assert all(c.ok for c in rep.conditions if c is not cond)


def _js_direct():
    m = lambda x: (P.pdf(x) + Q.pdf(x)) / 2  # noqa: E731
    f = lambda x: 0.5 * (P.pdf(x) * math.log(P.pdf(x) / m(x)) + Q.pdf(x) * math.log(Q.pdf(x) / m(x)))  # noqa: E731
    return integrate.quad(f, -30, 30, epsabs=1e-14, epsrel=1e-13)[0]


def test_quadrature_values_match_the_reference_to_1e_8():
    js = _js_direct()
    a = get_loss("a").optimal_value(P, Q)
    assert a == pytest.approx(2 * js - math.log(2), abs=1e-8)
    assert a == pytest.approx(-0.4703042162, abs=1e-8)
    c = get_loss("c").optimal_value(P, Q)
    assert c == pytest.approx(2 - 2 * math.exp(-1 / 8) - 1, abs=1e-8)
    assert c == pytest.approx(-0.7649938052, abs=1e-8)
    f = get_loss("f").optimal_value(P, Q, player="generator")
    tri = integrate.quad(lambda x: (P.pdf(x) - Q.pdf(x)) ** 2 / (P.pdf(x) + Q.pdf(x)), -30, 30,
                         epsabs=1e-14, epsrel=1e-13)[0]
    assert f == pytest.approx(tri, abs=1e-8)
    assert f == pytest.approx(0.4081085313, abs=1e-8)
    d = get_loss("d").optimal_value(P, Q, player="generator")
    assert d == pytest.approx(0.5, abs=1e-8)


def _alpha_div(alpha):
    # int p^alpha q^(1-alpha) = exp(-alpha (1 - alpha) / 2) for N(0,1), N(1,1)
    return (math.exp(-alpha * (1 - alpha) / 2) - 1) / (alpha * (alpha - 1))


FGAN_VALUES = {
    "kl": 0.5, "reverse-kl": 0.5, "pearson": math.e - 1, "neyman": math.e - 1,
    "squared-hellinger": 2 - 2 * math.exp(-1 / 8), "jeffrey": 1.0,
    "alpha:0.5": _alpha_div(0.5), "alpha:-1": _alpha_div(-1.0), "alpha:2": _alpha_div(2.0),
}


@pytest.mark.parametrize("name", sorted(FGAN_VALUES))
def test_fgan_optimal_value_is_the_divergence(name):
    des = get_loss(name)
    assert des.check().ok
    assert des.optimal_value(P, Q) == pytest.approx(FGAN_VALUES[name], abs=1e-8)


def test_js_and_gan_values():
    js = _js_direct()
    assert get_loss("js").optimal_value(P, Q) == pytest.approx(js, abs=1e-9)
    assert get_loss("gan").optimal_value(P, Q) == pytest.approx(2 * js - math.log(4), abs=1e-9)


def test_total_variation_is_reported_as_a_limit():
    rep = get_loss("tv").check()
    assert not rep.ok
    assert not rep["omega strictly increasing"].ok
    assert rep["d strictly convex or minimal at r = 1"].ok
    with pytest.raises(ValueError, match="no density-ratio readout"):
        get_loss("tv").log_ratio(torch.zeros(3))


def test_numeric_design_agrees_with_symbolic():
    sym = get_loss("a")
    num = design_loss(np.log, lambda t: 1 / (1 + np.exp(t)), d_at_1=-math.log(2), name="a-numeric")
    t = np.linspace(-6, 6, 41)
    for key in ("phi", "psi", "omega_inv"):
        np.testing.assert_allclose(num.evaluate(key, t), sym.evaluate(key, t), rtol=1e-10, atol=1e-11)
    assert num.optimal_value(P, Q) == pytest.approx(-0.4703042162, abs=1e-8)
    assert num.check().ok
    # LSGAN as callables: the beta o omega failure is found numerically as well
    ls = design_loss(lambda r: (r - 1) / (r + 1), lambda t: 2 * (1 - t), alpha=lambda t: t ** 2,
                     beta=lambda t: t ** 2)
    rep = ls.check()
    assert not rep.ok and not rep["beta o omega strictly increasing"].ok
    assert ls.optimal_value(P, Q, player="generator") == pytest.approx(0.4081085313, abs=1e-8)
    # autograd through the numeric torch losses: d/dt psi = rho
    v = torch.tensor([0.3, -1.0], dtype=torch.float64, requires_grad=True)
    num.discriminator_loss(v, v, reduction="sum").backward()
    expect = -(-np.exp(v.detach().numpy()) + 1) / (1 + np.exp(v.detach().numpy()))
    np.testing.assert_allclose(v.grad.numpy(), expect, rtol=1e-8)


def test_a_failing_user_design_names_a_counterexample():
    # rho changes sign on Omega = R
    rep = design_loss(sympy.log(R), T + 1).check()
    cond = rep["rho > 0 on Omega"]
    assert not cond.ok and cond.variable == "t" and cond.counterexample + 1 <= 0
    # no closed form for phi: the design falls back to quadrature and still finds the sign change
    with pytest.warns(RuntimeWarning, match="numeric quadrature"):
        des = design_loss(sympy.log(R), sympy.tanh(T) + sympy.Rational(1, 2))
    assert not des.symbolic
    cond = des.check()["rho > 0 on Omega"]
    assert not cond.ok and math.tanh(cond.counterexample) + 0.5 <= 0
    # a decreasing omega (the labels swapped) is reported
    rep = design_loss(-sympy.log(R), 1 / (1 + sympy.exp(-T))).check()
    assert not rep["omega strictly increasing"].ok


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(["a", "c", "f", "kl", "reverse-kl", "js", "pearson", "neyman", "jeffrey",
                            "squared-hellinger"]),
       log_r=st.floats(-3, 3), s=st.floats(0.01, 0.99))
def test_t_star_maximises_phi_plus_r_psi(key, log_r, s):
    """The recipe's claim: t* = omega(r) is the pointwise maximiser of phi(t) + r psi(t) over Omega."""
    des = get_loss(key)
    r = math.exp(log_r)
    lo, hi = des.omega_range
    lo, hi = max(lo, -8.0), min(hi, 8.0)
    t = lo + s * (hi - lo)
    t_star = float(des.evaluate("omega", [r])[0])
    best = des.evaluate("phi", [t_star])[0] + r * des.evaluate("psi", [t_star])[0]
    other = des.evaluate("phi", [t])[0] + r * des.evaluate("psi", [t])[0]
    assert other <= best + 1e-9 * (1 + abs(best))


def test_bad_inputs_raise_clear_errors():
    a = sympy.Symbol("a")
    with pytest.raises(ValueError, match="free symbols"):
        design_loss(a * sympy.log(R), 1 / (1 + sympy.exp(T)))
    with pytest.raises(TypeError, match="required"):
        design_loss(None, T)
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("wgan")
    with pytest.raises(ValueError, match="alpha"):
        get_loss("alpha:1")
    with pytest.raises(ValueError, match="r_min"):
        get_loss("a").check(r_min=2.0)
    with pytest.raises(TypeError, match="logpdf"):
        get_loss("a").optimal_value(0.0, Q)
