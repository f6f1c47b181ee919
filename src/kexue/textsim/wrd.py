"""Word Rotator's Distance (Yokoi et al. 2020).

    WRD(x, y) = min_{γ ≥ 0} Σ_ij γ_ij (1 − cos(x_i, y_j))
                s.t. Σ_j γ_ij = ‖x_i‖/Σ_k‖x_k‖,  Σ_i γ_ij = ‖y_j‖/Σ_k‖y_k‖

The norm of a word vector carries its importance (the mass) and its direction carries its meaning (the
cost). WRD lies in [0, 2]; the similarity ``1 − WRD`` lies in [−1, 1].
"""

from __future__ import annotations

from kexue.ot.emd import emd
from kexue.textsim.problems import wrd_problem


def wrd(x, y, x_weights=None, y_weights=None, *, return_plan: bool = False):
    """Word Rotator's Distance between two vector sequences.

    Parameters
    ----------
    x : array_like, shape (m, d)
    y : array_like, shape (n, d)
        Word or token vectors. Zero vectors carry zero mass; an all-zero side is an error.
    x_weights, y_weights : array_like, optional
        Extra per-token factors multiplying the norms (e.g. SIF or idf weights); none by default.
    return_plan : bool
        Also return the optimal plan ``γ`` (m, n).

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim import wrd
    >>> wrd(np.array([[1.0, 0.0]]), np.array([[0.0, 3.0]]))
    1.0
    """
    p, q, C, _, _ = wrd_problem(x, y, x_weights, y_weights)
    return emd(p, q, C, return_plan=return_plan)


def wrd_similarity(x, y, x_weights=None, y_weights=None) -> float:
    """``1 − WRD(x, y)``, in [−1, 1]; 1 for identical sequences."""
    return 1.0 - wrd(x, y, x_weights, y_weights)
