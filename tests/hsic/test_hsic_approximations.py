"""Linear-time approximations against the exact estimators."""

import numpy as np
import pytest

from kexue.hsic import GaussianKernel, hsic, hsic_block, hsic_nystrom, hsic_rff
from kexue.hsic.approximations import feature_sums
from kexue.hsic.estimators import gram_sums, hsic_from_sums
from kexue.hsic.experiments import gaussian_population_hsic

K1 = GaussianKernel(2 ** -0.5)


def test_feature_sums_equal_gram_sums_for_explicit_features():
    rng = np.random.default_rng(0)
    fx, fy = rng.standard_normal((40, 5)), rng.standard_normal((40, 3))
    ident = lambda a: a  # noqa: E731
    a = feature_sums(ident, ident, fx, fy, chunk=7)
    b = gram_sums(fx @ fx.T, fy @ fy.T)
    for est in ("biased", "unbiased"):
        assert hsic_from_sums(a, est) == pytest.approx(hsic_from_sums(b, est), rel=1e-10)


def test_nystrom_with_all_landmarks_is_exact():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(150)
    y = x ** 2 + rng.standard_normal(150)
    for est in ("biased", "unbiased"):
        assert hsic_nystrom(x, y, n_landmarks=150, estimator=est, kernel_x="laplace") == pytest.approx(
            hsic(x, y, estimator=est, kernel_x="laplace"), abs=1e-8)


def test_rff_and_nystrom_close_to_exact():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(1500)
    y = x + 0.5 * rng.standard_normal(1500)
    exact = hsic(x, y, kernel_x=K1, kernel_y=K1)
    assert hsic_rff(x, y, kernel_x=K1, kernel_y=K1, n_features=2000, random_state=0) == pytest.approx(exact, rel=0.1)
    assert hsic_nystrom(x, y, kernel_x=K1, kernel_y=K1, n_landmarks=100, random_state=0) == pytest.approx(
        exact, rel=5e-3)
    assert hsic_rff(x, y, random_state=3) == hsic_rff(x, y, random_state=3)


def test_block_hsic_is_unbiased_with_honest_standard_error():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(20000)
    y = 0.6 * x + 0.8 * rng.standard_normal(20000)
    est, se = hsic_block(x, y, kernel_x=K1, kernel_y=K1, block_size=200, random_state=0, return_std_error=True)
    truth = gaussian_population_hsic([[1, 0.6], [0.6, 1]])
    assert abs(est - truth) < 4 * se and se < 0.1 * truth


def test_approximation_validation():
    with pytest.raises(ValueError, match="Gaussian or Laplace"):
        hsic_rff(np.arange(10.0), np.arange(10.0), kernel_x="linear")
    with pytest.raises(ValueError, match="larger than the sample"):
        hsic_block(np.arange(10.0), np.arange(10.0), block_size=20)
    with pytest.raises(ValueError, match="same number"):
        hsic_nystrom(np.arange(10.0), np.arange(9.0))
