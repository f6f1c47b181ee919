"""Independence tests: reproducibility, exactness of the fast permutation path, calibration (small), power."""

import numpy as np
import pytest
from scipy import stats

from kexue.hsic import gram_matrix, hsic, hsic_test, hsic_test_gram
from kexue.hsic import independence_test as it
from kexue.hsic.experiments import rejection_rates


def test_result_has_scipy_fields_and_statistic_is_biased_hsic():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 80))
    res = hsic_test(x, y)
    stat, p = res
    assert stat == res.statistic == pytest.approx(hsic(x, y))
    assert 0 < p <= 1 and res.method == "gamma" and res.n == 80


def test_gamma_parameters_match_gretton_formulas():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 60))
    K, L = gram_matrix(x), gram_matrix(y)
    n = 60
    H = np.eye(n) - 1 / n
    Kc, Lc = H @ K @ H, H @ L @ H
    t = np.sum(Kc * Lc) / n
    v = (Kc * Lc / 6) ** 2
    var = (v.sum() - np.trace(v)) / n / (n - 1) * 72 * (n - 4) * (n - 5) / n / (n - 1) / (n - 2) / (n - 3)
    mx = (K.sum() - n) / n / (n - 1)
    my = (L.sum() - n) / n / (n - 1)
    mean = (1 + mx * my - mx - my) / n
    p = stats.gamma.sf(t, mean ** 2 / var, scale=var * n / mean)
    assert hsic_test(x, y).pvalue == pytest.approx(p, rel=1e-9)


def test_permutation_seeded_reproducible_and_valid_pvalue():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 50))
    a = hsic_test(x, y, method="permutation", n_permutations=99, random_state=7)
    b = hsic_test(x, y, method="permutation", n_permutations=99, random_state=7)
    assert a.pvalue == b.pvalue
    assert a.pvalue * 100 == pytest.approx(round(a.pvalue * 100))   # (1 + count) / (1 + B)
    dep = hsic_test(x, x ** 2, method="permutation", n_permutations=99, random_state=7)
    assert dep.pvalue == pytest.approx(0.01)


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "delta"])
def test_low_rank_permutation_statistics_equal_exact_gathers(kernel):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(120) if kernel != "delta" else rng.integers(0, 4, 120)
    y = rng.standard_normal(120) if kernel != "delta" else (x + rng.integers(0, 2, 120)) % 4
    K, L = gram_matrix(x, kernel), gram_matrix(y, kernel)
    obs, null = it._permutation_stats(K.copy(), L.copy(), 30, np.random.default_rng(3))
    Kc = it._center(K.copy())
    r = np.random.default_rng(3)
    exact = np.array([np.vdot(Kc, L[np.ix_(p, p)]) for p in (r.permutation(120) for _ in range(30))])
    assert obs == pytest.approx(np.vdot(Kc, L), rel=1e-9)
    np.testing.assert_allclose(null, exact, rtol=1e-8, atol=1e-9 * np.abs(exact).max())


def test_gram_entry_point_matches_sample_entry_point():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 70))
    K, L = gram_matrix(x), gram_matrix(y)
    for m in ("gamma", "permutation"):
        a = hsic_test(x, y, method=m, random_state=0, n_permutations=50)
        b = hsic_test_gram(K, L, method=m, random_state=0, n_permutations=50)
        assert a.pvalue == pytest.approx(b.pvalue) and a.statistic == pytest.approx(b.statistic)
    np.testing.assert_array_equal(K, gram_matrix(x))          # caller's matrices untouched


def test_calibration_small():
    """Fast version of `kexue hsic calibrate` (500 reps in docs): under H0 rates near alpha."""
    r = rejection_rates(n=50, reps=100, noise=None, alpha=0.1, methods=("gamma", "permutation"),
                        n_permutations=99, random_state=0)
    se = np.sqrt(0.1 * 0.9 / 100)
    for m in ("gamma", "permutation"):
        assert abs(r[m] - 0.1) <= 3 * se, (m, r[m])


def test_power_on_dependent_data():
    r = rejection_rates(n=60, reps=20, noise=0.3, relation="quadratic", methods=("gamma", "permutation"),
                        n_permutations=99, random_state=1)
    assert r["gamma"] >= 0.9 and r["permutation"] >= 0.9


def test_test_input_validation():
    with pytest.raises(ValueError, match="method"):
        hsic_test([1.0] * 10, [1.0] * 10, method="chi2")
    with pytest.raises(ValueError, match="at least 6"):
        hsic_test([1.0, 2, 3], [1.0, 2, 3])
    with pytest.raises(ValueError, match="n_permutations"):
        hsic_test(np.arange(10.0), np.arange(10.0), method="permutation", n_permutations=0)
