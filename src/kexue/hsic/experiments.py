r"""Reproducible simulation studies: the article's experiment, test calibration and power curves.

Also the closed-form population HSIC of a bivariate normal pair under Gaussian kernels, used as ground truth:
with :math:`k = \exp(-\gamma_x(x-x')^2)`, :math:`l = \exp(-\gamma_y(y-y')^2)`, :math:`\Gamma = \mathrm{diag}(\gamma_x,
\gamma_y)` and covariance Σ,

.. math:: \mathrm{HSIC} = |I + 4\Gamma\Sigma|^{-1/2} + [(1+4\gamma_x\Sigma_{xx})(1+4\gamma_y\Sigma_{yy})]^{-1/2}
          - 2\,|I + 2\Gamma(\Sigma + \mathrm{diag}\,\Sigma)|^{-1/2}.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kexue._validation import check_choice, check_positive_int

#: the article's kernel exp(-(x_i - x_j)^2) is the Gaussian kernel with sigma = 1/sqrt(2)
ARTICLE_BANDWIDTH = 2 ** -0.5

RELATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "quadratic": lambda x: x ** 2,
    "sine": lambda x: np.sin(2 * x),
}


def gaussian_population_hsic(cov, gamma_x: float = 1.0, gamma_y: float = 1.0) -> float:
    """Population HSIC of a bivariate normal (x, y) with covariance ``cov`` and kernels exp(-γ d²)."""
    cov = np.asarray(cov, dtype=np.float64)
    g = np.diag([gamma_x, gamma_y])
    eye = np.eye(2)
    t1 = np.linalg.det(eye + 4 * g @ cov) ** -0.5
    t2 = ((1 + 4 * gamma_x * cov[0, 0]) * (1 + 4 * gamma_y * cov[1, 1])) ** -0.5
    t3 = np.linalg.det(eye + 2 * g @ (cov + np.diag(np.diag(cov)))) ** -0.5
    return float(t1 + t2 - 2 * t3)


def article_experiment(n: int = 1000, seeds: int = 20, noise: float = 0.1, bias_n: int = 100,
                       bias_draws: int = 200) -> dict:
    """Su's experiment: x, y ~ N(0,1) independent vs y = x + noise·ε, kernel exp(-(x_i-x_j)^2), n samples.

    Returns mean and sd over ``seeds`` draws of the biased (article) and unbiased estimators in both cases,
    the H0 theory (1 - 1/√5)²/n for the biased mean, the population HSIC of the dependent pair, and the bias
    demonstration: means of both estimators over ``bias_draws`` independent pairs of size ``bias_n``
    (``"bias_demo"``, with the standard error of each mean).
    """
    from kexue.hsic.estimators import gram_sums, hsic_from_sums
    from kexue.hsic.kernels import GaussianKernel

    k = GaussianKernel(ARTICLE_BANDWIDTH)
    out: dict = {"n": n, "seeds": seeds, "noise": noise}
    vals = {key: [] for key in ("indep_biased", "indep_unbiased", "dep_biased", "dep_unbiased")}
    for s in range(seeds):
        rng = np.random.default_rng(s)
        x, e, y = rng.standard_normal((3, n))
        for case, yy in (("indep", y), ("dep", x + noise * e)):
            sums = gram_sums(k.gram(x), k.gram(yy))
            vals[f"{case}_biased"].append(float(hsic_from_sums(sums, "biased")))
            vals[f"{case}_unbiased"].append(float(hsic_from_sums(sums, "unbiased")))
    for key, v in vals.items():
        out[key] = {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if seeds > 1 else 0.0}
    demo = {"biased": [], "unbiased": []}
    rng = np.random.default_rng(10 ** 6)
    for _ in range(bias_draws):
        x, y = rng.standard_normal((2, bias_n))
        sums = gram_sums(k.gram(x), k.gram(y))
        for est in demo:
            demo[est].append(float(hsic_from_sums(sums, est)))
    out["bias_demo"] = {"n": bias_n, "draws": bias_draws,
                        **{est: {"mean": float(np.mean(v)), "se": float(np.std(v, ddof=1) / np.sqrt(len(v)))}
                           for est, v in demo.items()}}
    out["indep_biased_theory"] = (1 - 5 ** -0.5) ** 2 / n
    out["dep_population"] = gaussian_population_hsic([[1.0, 1.0], [1.0, 1.0 + noise ** 2]])
    return out


def _hyppo_pvalue(x, y):
    from hyppo.independence import Hsic

    return float(Hsic().test(x, y, auto=True)[1])


def rejection_rates(*, n: int, reps: int, noise: float | None, relation: str = "quadratic", alpha: float = 0.05,
                    methods: Sequence[str] = ("gamma", "permutation"), n_permutations: int = 199,
                    random_state: int = 0) -> dict:
    """Fraction of ``reps`` data sets on which each test rejects at level ``alpha``.

    Data: x ~ N(0,1); y = relation(x) + noise·ε, or an independent N(0,1) when ``noise`` is None (calibration).
    ``methods`` may contain ``"gamma"``, ``"permutation"`` (kexue.hsic) and ``"hyppo"``
    (``hyppo.independence.Hsic().test``, its default chi-square approximation). Every method sees the same data.
    Returns ``{method: rate}`` plus ``"se"``: the binomial standard error at rate alpha.
    """
    from kexue.hsic.independence_test import hsic_test

    check_positive_int(n, "n", minimum=6)
    check_positive_int(reps, "reps")
    check_choice(relation, "relation", tuple(RELATIONS))
    for m in methods:
        check_choice(m, "method", ("gamma", "permutation", "hyppo"))
    rng = np.random.default_rng(random_state)
    rejections = {m: 0 for m in methods}
    for _ in range(reps):
        x, e = rng.standard_normal((2, n))
        y = e if noise is None else RELATIONS[relation](x) + noise * e
        seed = int(rng.integers(2 ** 32))
        for m in methods:
            p = _hyppo_pvalue(x, y) if m == "hyppo" else hsic_test(
                x, y, method=m, n_permutations=n_permutations, random_state=seed).pvalue
            rejections[m] += p <= alpha
    out = {m: rejections[m] / reps for m in methods}
    out["se"] = float(np.sqrt(alpha * (1 - alpha) / reps))
    return out


def power_curve(noise_levels: Sequence[float], *, n: int = 100, reps: int = 100, relation: str = "quadratic",
                alpha: float = 0.05, methods: Sequence[str] = ("gamma", "permutation", "hyppo"),
                n_permutations: int = 199, random_state: int = 0) -> dict:
    """Rejection rate of each method at each noise level (same data sets for every method)."""
    rates = [rejection_rates(n=n, reps=reps, noise=float(s), relation=relation, alpha=alpha, methods=methods,
                             n_permutations=n_permutations, random_state=random_state + i)
             for i, s in enumerate(noise_levels)]
    return {"noise": [float(s) for s in noise_levels], "n": n, "reps": reps, "relation": relation, "alpha": alpha,
            **{m: [r[m] for r in rates] for m in methods}}
