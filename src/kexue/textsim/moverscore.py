"""A MoverScore-v2-style score (Zhao et al., EMNLP 2019; ``moverscore_v2.py``).

MoverScore v2 L2-normalises the token vectors of reference and hypothesis, puts both on one support (their
union), with the reference's idf masses on the first half and the hypothesis's on the second, and solves
EMD with the Euclidean distance matrix of the union:

    MoverScore = 1 / (1 + EMD),    EMD = min_γ Σ γ_ij ‖u_i − v_j‖   (masses idf / Σ idf per side)

Because one side's mass sits only on its own half of the union, the union problem's plan only uses the
(reference × hypothesis) block of the cost, so EMD equals WMD between the unit vectors with idf masses —
that is how it is computed here (the tests check it against the union formulation solved by POT). An earlier
MoverScore release used ``1 − EMD``. v2 also zeroes the masses of stop words, ``##`` subwords and
punctuation; pass such weights to reproduce that.
"""

from __future__ import annotations

from kexue.textsim.problems import check_pair, unit_rows
from kexue.textsim.wmd import wmd

__all__ = ["moverscore"]


def moverscore(x, y, x_weights=None, y_weights=None) -> float:
    """``1 / (1 + EMD)`` between the unit-normalised token vectors of ``x`` and ``y``, in (0, 1].

    Parameters
    ----------
    x, y : array_like, shape (m, d), (n, d)
        Token vectors of hypothesis and reference (the score is symmetric).
    x_weights, y_weights : array_like, optional
        Token masses, normally idf (:class:`kexue.textsim.bertscore.IDF`); uniform when omitted.

    Examples
    --------
    >>> import numpy as np
    >>> moverscore(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]))  # EMD = ‖(1,0) − (0,1)‖ = √2
    0.4142135623730951
    """
    x, y = check_pair(x, y)
    return 1.0 / (1.0 + wmd(unit_rows(x)[1], unit_rows(y)[1], x_weights, y_weights))
