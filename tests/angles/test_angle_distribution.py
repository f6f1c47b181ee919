"""Exactness and stability of AngleDistribution / CosineDistribution."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from kexue.angles import AngleDistribution, CosineDistribution, monte_carlo_angles, monte_carlo_cosines
from kexue.angles.symmetric_beta import log_gamma_half_ratio

DIMS = [2, 3, 4, 7, 10, 12, 30, 100, 1000, 10**5, 10**7, 10**9]
QS = np.concatenate([np.logspace(-300, -1, 120), np.linspace(0, 1, 401), 1 - np.logspace(-16, -1, 40)])


@pytest.mark.parametrize("n", [2, 3, 10, 100, 1000])
def test_densities_integrate_to_one(n):
    a = AngleDistribution(n)
    c = CosineDistribution(n)
    sd = 1 / np.sqrt(n)
    pts = [np.pi / 2 - 8 * sd, np.pi / 2, np.pi / 2 + 8 * sd] if n > 50 else None
    assert integrate.quad(a.pdf, 0, np.pi, points=pts, limit=200)[0] == pytest.approx(1, abs=1e-10)
    if n > 2:  # n = 2 is the arcsine law, integrable singularities at ±1
        pts = [-8 * sd, 0, 8 * sd] if n > 50 else None
        assert integrate.quad(c.pdf, -1, 1, points=pts, limit=200)[0] == pytest.approx(1, abs=1e-10)


def test_small_dimension_closed_forms():
    t = np.linspace(0, np.pi, 11)
    np.testing.assert_allclose(AngleDistribution(2).pdf(t), 1 / np.pi, rtol=1e-14)
    np.testing.assert_allclose(AngleDistribution(3).pdf(t), np.sin(t) / 2, rtol=1e-13, atol=1e-16)
    e = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(CosineDistribution(3).pdf(e), 0.5, rtol=1e-14)
    np.testing.assert_allclose(CosineDistribution(3).cdf(e), (e + 1) / 2, atol=1e-15)
    np.testing.assert_allclose(AngleDistribution(2).cdf(t), t / np.pi, atol=1e-15)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 101, 1000])
def test_cosine_law_is_rescaled_beta(n):
    ref = stats.beta((n - 1) / 2, (n - 1) / 2, loc=-1, scale=2)
    d = CosineDistribution(n)
    e = np.linspace(-0.999, 0.999, 201)
    np.testing.assert_allclose(d.pdf(e), ref.pdf(e), rtol=1e-10)
    np.testing.assert_allclose(d.cdf(e), ref.cdf(e), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(d.sf(e), ref.sf(e), rtol=1e-10, atol=1e-300)
    q = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(d.ppf(q), ref.ppf(q), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n", [10, 10**4, 10**7, 10**9])
def test_cosine_cdf_matches_student_t(n):
    """(1+η)/2 ~ Beta(ν/2, ν/2) ⇔ η√ν/√(1−η²) ~ t_ν with ν = n − 1: an independent SciPy code path."""
    d = CosineDistribution(n)
    e = np.linspace(-6, 6, 49) / np.sqrt(n)
    e = e[np.abs(e) < 1]
    t = e * np.sqrt(n - 1) / np.sqrt(1 - e * e)
    np.testing.assert_allclose(d.cdf(e), special.stdtr(n - 1, t), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", DIMS)
@pytest.mark.parametrize("law", [AngleDistribution, CosineDistribution])
def test_cdf_ppf_roundtrip_to_1e10_without_nan(law, n):
    d = law(n)
    x = d.ppf(QS)
    assert np.all(np.isfinite(x))
    back, tail = d.cdf(x), d.sf(x)
    assert np.all(np.isfinite(back)) and np.all(np.isfinite(tail))
    err = np.abs(back - QS)
    # Float conditioning: where pdf(x)·ulp(x) > 1e-11 no float x can do better (only the arcsine law,
    # n = 2 cosine, near ±1, where the density is infinite). Everywhere else the bound is 1e-10.
    conditioned = d.pdf(x) * np.spacing(np.abs(x)) < 1e-11
    assert conditioned.mean() > 0.6
    assert err[conditioned].max() < 1e-10
    assert np.abs(tail - (1 - QS))[conditioned].max() < 1e-10


@pytest.mark.parametrize("n", [3, 10, 1000, 10**9])
def test_tails_keep_relative_accuracy(n):
    # θ near 0 is a small float, so the angle's lower tail keeps relative accuracy down to 1e-250
    a = AngleDistribution(n)
    q = np.logspace(-250, -3, 30) if n < 10**6 else np.logspace(-100, -3, 20)
    np.testing.assert_allclose(a.cdf(a.ppf(q)), q, rtol=1e-6)
    # cos θ near ±1 is resolved only to ulp(1), so check the cosine's tails where 1 ± η is well resolved
    c = CosineDistribution(n)
    q = np.logspace(-8, -3, 11)
    np.testing.assert_allclose(c.cdf(c.ppf(q)), q, rtol=1e-6)
    np.testing.assert_allclose(c.sf(c.isf(q)), q, rtol=1e-6)


def test_log_normaliser_matches_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for x in [0.5, 1, 3.5, 9.99, 10, 10.5, 1e3, 1e5, 5e8, 1e12]:
        exact = mpmath.loggamma(mpmath.mpf(x) + 0.5) - mpmath.loggamma(mpmath.mpf(x))
        assert float(log_gamma_half_ratio(x)) == pytest.approx(float(exact), rel=5e-15, abs=5e-16)


@pytest.mark.parametrize("n", [3, 100, 10**5, 10**9])
def test_logpdf_matches_mpmath_across_the_bulk(n):
    """log p is multiplied out by n − 2 ~ 1e9, so log sin θ and log(1 − η²) must be exact near the centre."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    log_c = (mpmath.loggamma(mpmath.mpf(n) / 2) - mpmath.loggamma((mpmath.mpf(n) - 1) / 2)
             - mpmath.log(mpmath.pi) / 2)
    a, c = AngleDistribution(n), CosineDistribution(n)
    for z in np.linspace(-6, 6, 13):
        t = np.pi / 2 + np.clip(z / np.sqrt(n), -1.5, 1.5)
        e = np.cos(t)
        exact_t = log_c + (n - 2) * mpmath.log(mpmath.sin(mpmath.mpf(t)))
        exact_e = log_c + (mpmath.mpf(n) - 3) / 2 * mpmath.log(1 - mpmath.mpf(e) ** 2)
        assert abs(float(a.logpdf(t) - exact_t)) < 1e-13
        assert abs(float(c.logpdf(e) - exact_e)) < 1e-13


@pytest.mark.parametrize("n", [2, 3, 10, 100, 10**9])
def test_moments(n):
    a, c = AngleDistribution(n), CosineDistribution(n)
    assert a.mean() == np.pi / 2 and a.median() == np.pi / 2
    assert c.mean() == 0 and c.var() == 1 / n and c.std() == pytest.approx(n**-0.5)
    lo, hi = a.interval(0.9)
    assert a.cdf(lo) == pytest.approx(0.05, abs=1e-12) and a.sf(hi) == pytest.approx(0.05, abs=1e-12)
    assert lo + hi == pytest.approx(np.pi)


@pytest.mark.parametrize("n", [3, 10, 50, 200])
def test_cosine_variance_is_one_over_n_by_quadrature(n):
    d = CosineDistribution(n)
    assert integrate.quad(lambda e: e * e * d.pdf(e), -1, 1, epsabs=1e-14)[0] == pytest.approx(1 / n, abs=1e-12)


@pytest.mark.parametrize("n", [3, 10, 100])
def test_ks_against_gaussian_monte_carlo(n):
    angles = monte_carlo_angles(n, 4000, random_state=n)
    assert stats.kstest(angles, AngleDistribution(n).cdf).pvalue > 0.001
    cosines = monte_carlo_cosines(n, 4000, random_state=n + 1)
    assert stats.kstest(cosines, CosineDistribution(n).cdf).pvalue > 0.001


def test_ks_detects_wrong_dimension():
    angles = monte_carlo_angles(100, 4000, random_state=0)
    assert stats.kstest(angles, AngleDistribution(80).cdf).pvalue < 1e-3


@pytest.mark.parametrize("n", [2, 5, 100, 10**9])
def test_rvs_follow_the_law_and_are_reproducible(n):
    d = AngleDistribution(n)
    x = d.rvs(size=3000, random_state=1)
    assert x.shape == (3000,) and np.all((x >= 0) & (x <= np.pi))
    np.testing.assert_array_equal(x, d.rvs(size=3000, random_state=np.random.default_rng(1)))
    assert stats.kstest(x, d.cdf).pvalue > 0.001
    assert np.ndim(CosineDistribution(n).rvs(random_state=0)) == 0


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 10**9), x=st.floats(-1, 1), y=st.floats(-1, 1))
def test_cosine_properties(n, x, y):
    d = CosineDistribution(n)
    lo, hi = min(x, y), max(x, y)
    assert d.cdf(lo) <= d.cdf(hi)
    assert d.cdf(x) + d.sf(x) == pytest.approx(1, abs=1e-12)
    assert d.cdf(-x) == pytest.approx(d.sf(x), abs=1e-12)
    assert d.logpdf(x) == pytest.approx(d.logpdf(-x), rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 10**9), t=st.floats(0, np.pi))
def test_angle_is_arccos_of_cosine(n, t):
    assert AngleDistribution(n).cdf(t) == pytest.approx(CosineDistribution(n).sf(np.cos(t)), abs=1e-9)


def test_scalar_and_array_shapes():
    d = AngleDistribution(10)
    assert isinstance(d.pdf(1.0), np.floating) and d.cdf([[0.1, 0.2]]).shape == (1, 2)
    assert d.logpdf(-0.1) == -np.inf and d.pdf(4.0) == 0.0
    assert repr(d) == "AngleDistribution(n=10)"
    assert AngleDistribution(1e9).n == 10**9


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: AngleDistribution(1), ValueError),
        (lambda: AngleDistribution(2.5), TypeError),
        (lambda: AngleDistribution("3"), TypeError),
        (lambda: AngleDistribution(True), TypeError),
        (lambda: AngleDistribution(5).ppf(1.5), ValueError),
        (lambda: AngleDistribution(5).cdf(np.nan), ValueError),
        (lambda: CosineDistribution(5).pdf([0.1, np.inf]), ValueError),
        (lambda: CosineDistribution(5).interval(2), ValueError),
        (lambda: CosineDistribution(5).rvs(random_state="seed"), TypeError),
    ],
)
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()
