"""Variance closed forms, normal approximations and tail probabilities against the reference numbers."""

import math

import numpy as np
import pytest
from scipy import integrate, special

from kexue.angles import (
    AngleDistribution,
    angle_normal_approximation,
    angle_variance,
    angle_variance_by_sums,
    cosine_pvalue,
    monte_carlo_cosines,
    orthogonality_probability,
)

# Su's table (kexue.fm/archives/7076), 6 significant digits
ARTICLE_TABLE = {3: 0.467401, 10: 0.110661, 20: 0.0525832, 50: 0.0204053, 100: 0.0101007, 200: 0.00502508,
                 1000: 0.001001}


@pytest.mark.parametrize("n, expected", sorted(ARTICLE_TABLE.items()))
def test_article_variance_table_to_6_significant_digits(n, expected):
    assert float(f"{angle_variance(n):.6g}") == expected
    assert float(f"{angle_variance_by_sums(n):.6g}") == expected


def test_closed_form_equals_numerical_integration_up_to_200():
    """Var θ = C_n ∫ (θ − π/2)² sin^{n−2}θ dθ by quadrature, with C_n from scipy's Γ (independent of our code)."""
    for n in range(2, 201):
        c_n = math.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2)) / math.sqrt(math.pi)
        sd = 1 / math.sqrt(n)
        pts = [np.pi / 2 - 10 * sd, np.pi / 2, np.pi / 2 + 10 * sd]
        num = c_n * integrate.quad(lambda t: (t - np.pi / 2) ** 2 * math.sin(t) ** (n - 2), 0, np.pi, points=pts,
                                   limit=200, epsabs=1e-14, epsrel=1e-13)[0]
        assert abs(angle_variance_by_sums(n) - num) < 1e-10, n
        assert abs(angle_variance(n) - num) < 1e-10, n


def test_sum_and_polygamma_forms_agree_and_vectorise():
    n = np.arange(2, 3001)
    np.testing.assert_allclose(angle_variance(n), [angle_variance_by_sums(int(k)) for k in n], rtol=0, atol=5e-15)
    assert angle_variance(2) == pytest.approx(np.pi**2 / 12, rel=1e-15)
    assert angle_variance(5) == pytest.approx(0.2451789, abs=1e-7)
    with pytest.raises(ValueError):
        angle_variance_by_sums(10**8)


def test_reference_variance_and_asymptotics():
    assert angle_variance(768) == pytest.approx(0.00130378, rel=1e-5)
    assert angle_variance(4096) == pytest.approx(0.0002442002, abs=5e-11)
    for n in [10, 30, 100, 768, 10**4, 10**6]:
        v = angle_variance(n)
        better = angle_normal_approximation(n).var()
        article = angle_normal_approximation(n, "n-2").var()
        assert abs(v - better) < abs(v - article)
    assert angle_variance(10**9) * 10**9 == pytest.approx(1, abs=2e-9)


def test_normal_approximation_object():
    d = angle_normal_approximation(100)
    assert d.mean() == pytest.approx(np.pi / 2) and d.var() == pytest.approx(1 / 99)
    with pytest.raises(ValueError):
        angle_normal_approximation(2, "n-2")
    with pytest.raises(ValueError):
        angle_normal_approximation(10, "n")


# Reference §4.2: P(|θ − π/2| < ε)
@pytest.mark.parametrize(
    "n, deg, expected, tol",
    [(3, 5, 0.0872, 1e-4), (3, 10, 0.1736, 1e-4), (10, 5, 0.2011, 1e-4), (10, 10, 0.3904, 1e-4),
     (100, 5, 0.6139, 1e-4), (100, 10, 0.9175, 1e-4), (768, 5, 0.9844, 1e-4), (768, 10, 0.999999, 1e-6),
     (1000, 5, 0.9942, 1e-4)],
)
def test_orthogonality_probability_table(n, deg, expected, tol):
    assert orthogonality_probability(n, np.deg2rad(deg)) == pytest.approx(expected, abs=tol)


def test_orthogonality_probability_matches_the_distribution_and_broadcasts():
    for n in [2, 3, 50, 10**6]:
        d = AngleDistribution(n)
        for eps in [1e-4, 0.01, 0.3, 1.0]:
            direct = d.cdf(np.pi / 2 + eps) - d.cdf(np.pi / 2 - eps)
            assert orthogonality_probability(n, eps) == pytest.approx(direct, abs=1e-13)
    p = orthogonality_probability(np.array([[10], [100]]), np.deg2rad([1, 5, 90, 120]))
    assert p.shape == (2, 4) and np.all(p[:, 2:] == 1)
    # tiny eps keeps relative accuracy: P ≈ 2 eps C_n
    assert orthogonality_probability(10**6, 1e-9) == pytest.approx(2e-9 * np.sqrt(10**6 / (2 * np.pi)), rel=1e-5)
    with pytest.raises(ValueError):
        orthogonality_probability(10, -0.1)


def test_cosine_pvalue_reference_numbers():
    # Reference §4.2: P(|cos| > 0.1) at d = 128, 768, 4096
    assert cosine_pvalue(0.1, 128, "two-sided") == pytest.approx(0.2595, abs=1e-4)
    assert cosine_pvalue(0.1, 768, "two-sided") == pytest.approx(5.51e-3, rel=1e-3)
    assert cosine_pvalue(0.1, 4096, "two-sided") == pytest.approx(1.4e-10, rel=0.05)


def test_cosine_pvalue_scalars_arrays_and_alternatives():
    p = cosine_pvalue(0.3, 50)
    assert np.ndim(p) == 0 and isinstance(p, np.floating)
    arr = cosine_pvalue([[-0.2, 0.0, 0.2]], [[10], [100]])
    assert arr.shape == (2, 3)
    np.testing.assert_allclose(arr[:, 1], 0.5, atol=1e-15)
    c = np.linspace(-0.9, 0.9, 19)
    np.testing.assert_allclose(cosine_pvalue(c, 20, "less"), 1 - cosine_pvalue(c, 20), atol=1e-14)
    np.testing.assert_allclose(cosine_pvalue(c, 20, "two-sided"),
                               2 * cosine_pvalue(np.abs(c), 20), rtol=1e-12)
    assert cosine_pvalue(1.0000001, 300) == 0.0  # float32 rounding above 1 is clipped
    assert 0 < cosine_pvalue(0.5, 4096) < 1e-200  # far tail is tiny but not flushed to zero
    for bad in [(1.5, 10), (0.1, 1), (np.nan, 10)]:
        with pytest.raises(ValueError):
            cosine_pvalue(*bad)
    with pytest.raises(ValueError):
        cosine_pvalue(0.1, 10, alternative="bigger")


def test_cosine_pvalue_is_calibrated_on_random_vectors():
    c = monte_carlo_cosines(64, 20000, random_state=3)
    p = cosine_pvalue(c, 64)
    # under the null the p-values are uniform
    for level in [0.01, 0.05, 0.5]:
        assert abs(np.mean(p <= level) - level) < 4 * np.sqrt(level * (1 - level) / c.size)
