"""The article's constants and the certified min-max fitter, against closed forms and independent methods."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, special

from kexue.gelu import (FAMILIES, FORMS, SQRT_2_OVER_PI, Family, error_table, fit_minimax, fit_sigmoid,
                        fit_tanh_cubic, logit_phi_taylor, max_abs_error, saturation_point)


def _dense_max(fn, x_max=12.0, n=600_001):
    """Independent brute-force max of |fn| on a dense grid (a lower estimate of the true max)."""
    x = np.linspace(0.0, x_max, n)
    v = np.abs(fn(x))
    return v.max(), x[v.argmax()]


def test_taylor_constant_seven_digits_and_closed_form():
    fit = fit_tanh_cubic("taylor")
    c = fit.params["c"]
    assert round(c, 7) == 0.0455399
    assert c == pytest.approx((4 - math.pi) / (6 * math.pi), rel=1e-13)
    assert fit.params["a"] == pytest.approx(math.sqrt(2 / math.pi), rel=1e-15)
    # b = a·c = (4 − π)/(3√2 π^{3/2}) (article)
    assert fit.params["a"] * c == pytest.approx((4 - math.pi) / (3 * math.sqrt(2) * math.pi**1.5), rel=1e-13)


def test_logit_phi_series_matches_sympy():
    x = sp.symbols("x")
    phi = (1 + sp.erf(x / sp.sqrt(2))) / 2
    series = sp.series(sp.log(phi / (1 - phi)), x, 0, 8).removeO()
    expected = [float(series.coeff(x, k)) for k in (1, 3, 5, 7)]
    np.testing.assert_allclose(logit_phi_taylor(4), expected, rtol=1e-12)


def test_sigmoid_taylor_is_slope_match():
    assert fit_sigmoid("taylor").params["lam"] == pytest.approx(4 / math.sqrt(2 * math.pi), rel=1e-14)


def test_hybrid_minimax_gives_0_044715():
    fit = fit_tanh_cubic("minimax")
    assert fit.params["a"] == SQRT_2_OVER_PI and fit.fixed == ("a",)
    assert abs(fit.params["c"] - 0.0447149) <= 1e-6
    assert round(fit.params["c"], 6) == 0.044715
    # Su's Powell-on-a-grid result, b = 0.035677337314877385 (reference §2.1)
    assert fit.params["a"] * fit.params["c"] == pytest.approx(0.035677337314877385, rel=1e-8)
    assert fit.max_error == pytest.approx(1.789e-4, rel=1e-3)


def test_hybrid_minimax_matches_independent_grid_minimisation():
    # the article's procedure: minimise the grid max of |erf(x/√2) − tanh(ax + bx³)| over b (bounded Brent here)
    x = np.arange(0.0, 4.0, 0.001)
    a = SQRT_2_OVER_PI
    res = optimize.minimize_scalar(lambda b: np.max(np.abs(special.erf(x / np.sqrt(2)) - np.tanh(a * x + b * x**3))),
                                   bounds=(0.03, 0.04), method="bounded", options={"xatol": 1e-12})
    assert fit_tanh_cubic("minimax").params["c"] == pytest.approx(res.x / a, abs=1e-7)


def test_sigmoid_minimax_lambda():
    fit = fit_sigmoid("minimax")
    assert abs(fit.params["lam"] - 1.7017449) <= 1e-6
    assert fit.params["lam"] == pytest.approx(1.7017449256323682, abs=1e-8)  # Bowling et al.
    assert fit.max_error == pytest.approx(9.457e-3, rel=1e-3)


def test_bowling_cubic_logistic_is_the_sigmoid3_minimax():
    fit = fit_minimax("sigmoid3")
    assert fit.params["lam"] == pytest.approx(1.5976, abs=5e-5)
    assert fit.params["mu"] == pytest.approx(0.07056, abs=5e-6)


@pytest.mark.parametrize("family,target,fixed", [
    ("sigmoid1", "phi", None), ("tanh_cubic", "phi", {"a": SQRT_2_OVER_PI}), ("tanh_cubic", "gelu", None),
    ("tanh5", "gelu", None), ("sigmoid3", "phi", None),
])
def test_certificate_equioscillation_and_brute_force(family, target, fixed):
    fit = fit_minimax(family, target=target, fixed=fixed)
    m = len(fit.family.params) - len(fit.fixed)
    # m + 1 alternating extrema of equal size: de la Vallée Poussin lower bound meets the max
    assert len(fit.extrema) == m + 1
    assert np.all(np.sign(fit.extrema_errors[1:]) == -np.sign(fit.extrema_errors[:-1]))
    assert fit.lower_bound <= fit.max_error and fit.relative_gap < 1e-9
    # the max located by root-finding dominates an independent dense-grid max, and by very little
    w = (lambda x: 1.0) if target == "phi" else (lambda x: x)
    dense, _ = _dense_max(lambda x: w(x) * fit.family.phi_error(x, fit.theta))
    assert dense <= fit.max_error * (1 + 1e-12)
    assert dense >= fit.max_error * (1 - 1e-6)


def test_perturbing_a_minimax_fit_never_helps():
    fit = fit_minimax("tanh_cubic", target="gelu")
    rng = np.random.default_rng(0)
    for _ in range(20):
        theta = fit.theta * (1 + 1e-4 * rng.standard_normal(2))
        assert max_abs_error(fit.family, theta, "gelu")[0] >= fit.lower_bound


def test_fixed_a_general_family_agrees_with_article_parametrisation():
    a = SQRT_2_OVER_PI
    general = fit_minimax("tanh3", fixed={"a": a})
    assert general.params["b"] / a == pytest.approx(fit_tanh_cubic("minimax").params["c"], rel=1e-9)


def test_quintic_saturates_and_stays_monotone():
    fit = fit_minimax("tanh5", target="gelu")
    assert fit.params["c"] < 0  # why the saturation is needed
    xs = saturation_point(fit.theta)
    assert 5 < xs < 12
    x = np.linspace(0, 30, 30001)
    phi_hat = fit.phi(x)
    assert np.all(np.diff(phi_hat) >= 0)
    assert 1 - phi_hat[-1] < 1e-12


def test_improved_form_constants_are_the_fits():
    a = SQRT_2_OVER_PI
    cases = {
        "tanh_gelu": fit_tanh_cubic("minimax", target="gelu"),
        "tanh_joint": fit_tanh_cubic("minimax", joint=True, target="gelu"),
        "sigmoid_gelu": fit_sigmoid("minimax", target="gelu"),
        "tanh_minimax": fit_tanh_cubic("minimax"),
        "sigmoid_minimax": fit_sigmoid("minimax"),
    }
    for name, fit in cases.items():
        form = FORMS[name]
        if form.outer == "tanh":
            got = np.array(form.coeffs)
            want = np.array([fit.params["a"], fit.params["a"] * fit.params["c"]])
        else:
            got, want = np.array(form.coeffs), fit.theta
        np.testing.assert_allclose(got, want, rtol=1e-8, err_msg=name)
    np.testing.assert_allclose(FORMS["tanh5"].coeffs, fit_minimax("tanh5", target="gelu").theta, rtol=1e-8)
    np.testing.assert_allclose(FORMS["sigmoid_cubic"].coeffs, fit_minimax("sigmoid3").theta, rtol=1e-8)
    assert FORMS["tanh_gelu"].coeffs[0] == a


def test_error_table_acceptance_numbers():
    rows = {r.name: r for r in error_table()}
    tanh = rows["tanh"]
    assert f"{tanh.phi_max_error:.3g}" == "0.000179"
    assert f"{tanh.gelu_max_error:.3g}" == "0.000473"
    assert tanh.gelu_argmax == pytest.approx(2.70, abs=0.01)
    assert f"{rows['sigmoid'].gelu_max_error:.3g}" == "0.0203"
    assert rows["sigmoid"].gelu_argmax == pytest.approx(2.27, abs=0.01)
    assert rows["tanh_taylor"].phi_max_error == pytest.approx(3.13e-4, rel=2e-3)
    assert rows["sigmoid_cubic"].gelu_max_error == pytest.approx(3.83e-4, rel=2e-3)
    for name in ("tanh_gelu", "tanh_joint", "tanh5"):
        assert rows[name].gelu_max_error < tanh.gelu_max_error


def test_error_table_matches_dense_grid():
    for r in error_table(["tanh", "sigmoid", "tanh5"]):
        form = FORMS[r.name]
        d_phi, x_phi = _dense_max(lambda x: form.family.phi_error(x, form.coeffs))
        d_gelu, x_gelu = _dense_max(lambda x: x * form.family.phi_error(x, form.coeffs))
        assert d_phi <= r.phi_max_error * (1 + 1e-12) and d_phi >= r.phi_max_error * (1 - 1e-6)
        assert d_gelu <= r.gelu_max_error * (1 + 1e-12) and d_gelu >= r.gelu_max_error * (1 - 1e-6)
        if r.name != "tanh5":  # a min-max form reaches its max at several points; the others at one
            assert x_gelu == pytest.approx(r.gelu_argmax, abs=1e-4)


def test_custom_family():
    # Φ ≈ σ(λ x) written by hand must give the built-in answer
    fam = Family("mine", "σ(λx)", ("lam",), lambda x, t: t[0] * x, lambda x, t: np.full_like(x, t[0]),
                 lambda x, t: x[None, :], (1.0,))
    assert fit_minimax(fam).params["lam"] == pytest.approx(fit_minimax("sigmoid1").params["lam"], rel=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown family"):
        fit_minimax("cosine")
    with pytest.raises(ValueError, match="unknown target"):
        fit_minimax("sigmoid1", target="relu")
    with pytest.raises(ValueError, match="every parameter is fixed"):
        fit_minimax("sigmoid1", fixed={"lam": 1.7})
    with pytest.raises(ValueError, match="fixed parameter"):
        fit_minimax("sigmoid1", fixed={"mu": 1.0})
    with pytest.raises(ValueError, match="x_max"):
        fit_minimax("sigmoid1", x_max=-1)
    with pytest.raises(ValueError, match="not decayed"):
        fit_minimax("sigmoid1", x_max=2.0)
    with pytest.raises(ValueError, match="start"):
        fit_minimax("sigmoid3", start=[1.0])
    with pytest.raises(TypeError):
        fit_minimax(3)
    with pytest.raises(ValueError, match="joint"):
        fit_tanh_cubic("taylor", joint=True)
    with pytest.raises(ValueError, match="criterion"):
        fit_sigmoid("l2")
    assert set(FAMILIES) >= {"tanh_cubic", "tanh3", "tanh5", "sigmoid1", "sigmoid3"}
