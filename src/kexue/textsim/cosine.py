"""The sentence-vector baseline: cosine of the summed (or averaged, or weighted) vectors."""

from __future__ import annotations

import numpy as np

from kexue.ot.masses import normalise_weights
from kexue.textsim.problems import check_pair


def cosine(x, y, x_weights=None, y_weights=None) -> float:
    """``cos(Σ_i w_i x_i, Σ_j w'_j y_j)`` with uniform weights by default (sum and mean give the same value).

    Raises ``ValueError`` when a summed vector is zero (the cosine is undefined).

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim import cosine
    >>> round(cosine(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])), 12)
    1.0
    """
    x, y = check_pair(x, y)
    sx = normalise_weights(x_weights, x.shape[0], "x_weights") @ x
    sy = normalise_weights(y_weights, y.shape[0], "y_weights") @ y
    nx, ny = np.linalg.norm(sx), np.linalg.norm(sy)
    if nx == 0 or ny == 0:
        raise ValueError("a summed sentence vector is zero, so the cosine is undefined")
    return float(np.clip(sx @ sy / (nx * ny), -1.0, 1.0))
