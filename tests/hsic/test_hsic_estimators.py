"""Estimators against direct O(n^3) matrix formulas, the article's numbers and closed-form population values."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kexue.hsic import (DeltaKernel, GaussianKernel, LaplaceKernel, LinearKernel, PolynomialKernel, ProductKernel,
                        cka, cka_gram, gram_matrix, hsic, hsic_gram, make_kernel)
from kexue.hsic.experiments import ARTICLE_BANDWIDTH, article_experiment, gaussian_population_hsic

ARTICLE = GaussianKernel(ARTICLE_BANDWIDTH)


def direct_biased(K, L):
    n = K.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def direct_unbiased(K, L):
    n = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0)
    np.fill_diagonal(Lt, 0)
    one = np.ones(n)
    return (np.trace(Kt @ Lt) + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ Kt @ Lt @ one) / (n * (n - 3))


def su_termwise(K, L):
    """The article's term-wise reference (one O(n^3) product), rescaled by n^2/(n-1)^2."""
    n = K.shape[0]
    KL = K @ L
    h = np.trace(KL) / n ** 2 + K.mean() * L.mean() - 2 * KL.mean() / n
    return h * n ** 2 / (n - 1) ** 2


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "linear", "polynomial", ARTICLE])
def test_estimators_match_direct_matrix_formulas(kernel):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 2))
    y = np.sin(x[:, :1]) + 0.5 * rng.standard_normal((300, 1))
    K, L = gram_matrix(x, kernel), gram_matrix(y, kernel)
    assert hsic(x, y, kernel_x=kernel, kernel_y=kernel) == pytest.approx(direct_biased(K, L), abs=1e-10)
    assert hsic_gram(K, L) == pytest.approx(su_termwise(K, L), abs=1e-10)
    assert hsic(x, y, kernel_x=kernel, kernel_y=kernel, estimator="unbiased") == pytest.approx(
        direct_unbiased(K, L), abs=1e-10)


def test_article_experiment_reproduces_published_numbers():
    r = article_experiment(n=1000, seeds=3)
    assert 1e-4 < r["indep_biased"]["mean"] < 4.5e-4          # article: "about 0.0002"; theory 3.06e-4
    assert 0.090 < r["dep_biased"]["mean"] < 0.099             # article: "about 0.096"
    assert r["dep_biased"]["mean"] / r["indep_biased"]["mean"] > 100
    assert r["dep_population"] == pytest.approx(0.0945228, abs=1e-7)
    assert r["indep_biased_theory"] == pytest.approx(3.0557e-4, rel=1e-3)


def test_unbiased_averages_zero_under_independence_while_biased_does_not():
    rng = np.random.default_rng(0)
    b, u = [], []
    for _ in range(60):
        x, y = rng.standard_normal((2, 100))
        K, L = ARTICLE.gram(x), ARTICLE.gram(y)
        b.append(hsic_gram(K, L))
        u.append(hsic_gram(K, L, estimator="unbiased"))
    se = np.std(u, ddof=1) / np.sqrt(len(u))
    assert abs(np.mean(u)) < 3 * se
    assert np.mean(b) > 2e-3                                 # bias O(1/n): reference mean 3.08e-3 at n=100


def test_large_sample_matches_population_value():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(3000)
    y = 0.6 * x + 0.8 * rng.standard_normal(3000)
    exact = gaussian_population_hsic([[1, 0.6], [0.6, 1]])
    assert hsic(x, y, kernel_x=ARTICLE, kernel_y=ARTICLE, estimator="unbiased") == pytest.approx(exact, abs=3e-3)


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 40), st.integers(0, 10 ** 6))
def test_biased_nonnegative_symmetric_and_unbiased_consistent(n, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((2, n))
    K, L = gram_matrix(x), gram_matrix(y)
    hb = hsic_gram(K, L)
    assert hb >= -1e-15
    assert hb == pytest.approx(hsic_gram(L, K), abs=1e-14)
    assert hsic_gram(K, L, estimator="unbiased") == pytest.approx(direct_unbiased(K, L), abs=1e-11)
    assert 0 <= cka_gram(K, L) <= 1 + 1e-12


def test_median_bandwidth_is_per_variable_so_hsic_with_cka_is_scale_invariant():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(200)
    y = x + 0.3 * rng.standard_normal(200)
    base = cka(x, y)
    assert cka(100 * x, y) == pytest.approx(base, rel=1e-9)
    assert cka(x, 100 * y) == pytest.approx(base, rel=1e-9)
    assert hsic(x, 100 * y) == pytest.approx(hsic(x, y), rel=1e-9)
    assert cka(x, 3 * x + 1, kernel_x="linear", kernel_y="linear") == pytest.approx(1.0)


def test_median_heuristic_value_and_fixed_bandwidth():
    x = np.array([0.0, 1.0, 3.0])
    k = GaussianKernel().fit(x)                     # squared distances 1, 9, 4 -> median 4 = 2 sigma^2
    assert k.bandwidth == pytest.approx(np.sqrt(2.0))
    assert GaussianKernel(2 ** -0.5)(x)[0, 1] == pytest.approx(np.exp(-1.0))
    assert LaplaceKernel(2.0)(x)[0, 2] == pytest.approx(np.exp(-1.5))
    assert PolynomialKernel(degree=2, gamma=1.0, coef0=1.0)(x)[1, 2] == pytest.approx(16.0)
    np.testing.assert_allclose(LinearKernel()(x), np.outer(x, x))


def test_callable_and_categorical_and_mixed_inputs():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(150)
    labels = np.where(x > 0, "pos", "neg")
    rbf = lambda a, b: np.exp(-((a[:, None, 0] - b[None, :, 0]) ** 2))  # noqa: E731
    assert hsic(x, x, kernel_x=rbf, kernel_y=rbf) == pytest.approx(hsic(x, x, kernel_x=ARTICLE, kernel_y=ARTICLE))
    dep = hsic(x, labels, kernel_y="delta")
    indep = hsic(x, rng.permutation(labels), kernel_y=DeltaKernel())
    assert dep > 10 * indep
    # one-hot labels with a linear kernel equal the delta kernel
    onehot = np.stack([labels == "neg", labels == "pos"], 1).astype(float)
    assert hsic(x, labels, kernel_y="delta") == pytest.approx(hsic(x, onehot, kernel_y="linear"))
    import pandas as pd

    df = pd.DataFrame({"v": x, "c": labels})
    prod = ProductKernel({"v": ARTICLE, "c": "delta"})
    K = prod(df)
    np.testing.assert_allclose(K, ARTICLE(x) * DeltaKernel()(labels))
    assert not make_kernel("linear").characteristic and prod.characteristic


@pytest.mark.parametrize("bad, err", [
    (dict(x=[1.0, np.nan, 2.0], y=[1.0, 2.0, 3.0]), ValueError),
    (dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0]), ValueError),
    (dict(x=np.ones((3, 2, 2)), y=np.ones(3)), ValueError),
    (dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0], kernel_x="cosine"), ValueError),
    (dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0], estimator="fast"), ValueError),
    (dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0], estimator="unbiased"), ValueError),
    (dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0], kernel_x=3), TypeError),
])
def test_bad_input_raises_clear_errors(bad, err):
    with pytest.raises(err):
        hsic(**bad)


def test_gram_entry_point_validation():
    with pytest.raises(ValueError, match="square"):
        hsic_gram(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        hsic_gram(np.arange(9.0).reshape(3, 3), np.eye(3))
    with pytest.raises(ValueError, match="same size"):
        hsic_gram(np.eye(3), np.eye(4))
    with pytest.raises(ValueError, match="bandwidth"):
        GaussianKernel(-1.0)
    with pytest.raises(ValueError, match="callable returned shape"):
        hsic([1.0, 2.0], [1.0, 2.0], kernel_x=lambda a, b: np.ones((2, 3)))
