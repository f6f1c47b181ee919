"""Word Mover's Distance (Kusner et al. 2015).

    WMD(x, y) = min_{γ ≥ 0} Σ_ij γ_ij ‖x_i − y_j‖   s.t.  Σ_j γ_ij = p_i,  Σ_i γ_ij = q_j

with uniform masses ``p_i = 1/m, q_j = 1/n`` by default, or nBOW counts / any non-negative weights
normalised to sum 1. ``metric="rms"`` uses ``‖x_i − y_j‖/√d``, the scaling of the blog's reference code.
"""

from __future__ import annotations

from kexue.ot.emd import emd
from kexue.textsim.problems import wmd_problem


def wmd(x, y, x_weights=None, y_weights=None, metric: str = "euclidean", *, return_plan: bool = False):
    """Word Mover's Distance between two vector sequences.

    Parameters
    ----------
    x : array_like, shape (m, d)
    y : array_like, shape (n, d)
        Word or token vectors of the two texts.
    x_weights, y_weights : array_like, optional
        Non-negative masses (e.g. nBOW counts), each normalised to sum 1; uniform when omitted.
    metric : {"euclidean", "rms"}
        Ground cost ``‖x_i − y_j‖`` or ``‖x_i − y_j‖/√d``.
    return_plan : bool
        Also return the optimal plan ``γ`` (m, n).

    Returns
    -------
    float, or (float, ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim import wmd
    >>> wmd(np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[1.0, 0.0]]))
    1.0
    """
    p, q, C = wmd_problem(x, y, x_weights, y_weights, metric)
    return emd(p, q, C, return_plan=return_plan)
