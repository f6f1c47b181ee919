"""The angle between two random vectors in n dimensions (kexue.fm/archives/7076).

- :class:`AngleDistribution` / :class:`CosineDistribution` -- exact frozen laws of θ and cos θ
- :func:`angle_variance` (ψ′(n/2)/2), :func:`angle_variance_by_sums` (even/odd closed forms),
  :func:`angle_normal_approximation` (σ² = 1/(n−1) or the article's 1/(n−2))
- :func:`orthogonality_probability` -- P(|θ − π/2| < eps)
- :func:`cosine_pvalue` -- how surprising a cosine similarity is for random directions
- :func:`monte_carlo_cosines` / :func:`monte_carlo_angles` -- Gaussian-vector simulation
"""

from kexue.angles.distribution import AngleDistribution, CosineDistribution
from kexue.angles.moments import angle_normal_approximation, angle_variance, angle_variance_by_sums
from kexue.angles.monte_carlo import monte_carlo_angles, monte_carlo_cosines
from kexue.angles.probabilities import cosine_pvalue, orthogonality_probability

__all__ = [
    "AngleDistribution",
    "CosineDistribution",
    "angle_variance",
    "angle_variance_by_sums",
    "angle_normal_approximation",
    "orthogonality_probability",
    "cosine_pvalue",
    "monte_carlo_cosines",
    "monte_carlo_angles",
]
