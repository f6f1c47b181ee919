"""Cheap lower bounds on WMD and WRD, for pruning and as fast measures of their own.

All take the same arguments as :func:`kexue.textsim.wmd` / :func:`kexue.textsim.wrd` and are never above
the exact value:

- ``wcd``: word centroid distance, ``‖Σ p_i x_i − Σ q_j y_j‖ ≤ WMD`` (triangle inequality).
- ``rwmd``: relaxed WMD, ``max(Σ_i p_i min_j C_ij, Σ_j q_j min_i C_ij) ≤ WMD`` (drop one marginal constraint).
- ``wrd_centroid``: ``½‖Σ_i x_i/Z − Σ_j y_j/Z'‖² ≤ WRD`` with ``Z = Σ‖x_i‖`` (Jensen on ‖·‖²; Su's bound).
- ``wrd_relaxed``: the relaxed bound for WRD, ``max(1 − Σ_i p_i max_j cos, 1 − Σ_j q_j max_i cos)``,
  equal to ``1 − min(P_w, R_w)`` for BERTScore-style greedy matching with norm weights.
"""

from __future__ import annotations

import numpy as np

from kexue._validation import check_choice
from kexue.ot.masses import normalise_weights
from kexue.textsim.problems import WMD_METRICS, check_pair, unit_rows, wmd_problem, wrd_masses, wrd_problem


def relaxed_bound(p: np.ndarray, q: np.ndarray, C: np.ndarray) -> float:
    """``max(Σ_i p_i min_j C_ij, Σ_j q_j min_i C_ij)``: OT with one marginal constraint dropped.

    The minima run over tokens of positive mass only: no feasible plan uses a zero-mass token, so leaving
    them out keeps the bound valid and makes it tighter.
    """
    Cq = C[:, q > 0]
    Cp = C[p > 0, :]
    return float(max(p @ Cq.min(axis=1), q @ Cp.min(axis=0)))


def wcd(x, y, x_weights=None, y_weights=None, metric: str = "euclidean") -> float:
    """Word centroid distance ``‖Σ p_i x_i − Σ q_j y_j‖`` (÷ √d for ``rms``), a lower bound on WMD."""
    x, y = check_pair(x, y)
    check_choice(metric, "metric", WMD_METRICS)
    p = normalise_weights(x_weights, x.shape[0], "x_weights")
    q = normalise_weights(y_weights, y.shape[0], "y_weights")
    dist = float(np.linalg.norm(p @ x - q @ y))
    return dist / np.sqrt(x.shape[1]) if metric == "rms" else dist


def rwmd(x, y, x_weights=None, y_weights=None, metric: str = "euclidean") -> float:
    """Relaxed WMD (Kusner et al.): the larger of the two one-constraint relaxations, ≤ WMD."""
    return relaxed_bound(*wmd_problem(x, y, x_weights, y_weights, metric))


def wrd_centroid(x, y, x_weights=None, y_weights=None) -> float:
    """Su's centroid bound ``½‖Σ_i p_i u_i − Σ_j q_j v_j‖²`` (``u, v`` unit vectors), ≤ WRD.

    With no weights, ``Σ_i p_i u_i = Σ_i x_i / Z``.
    """
    x, y = check_pair(x, y)
    nx, ux = unit_rows(x)
    ny, uy = unit_rows(y)
    p = wrd_masses(nx, x_weights, "x_weights")
    q = wrd_masses(ny, y_weights, "y_weights")
    diff = p @ ux - q @ uy
    return float(0.5 * diff @ diff)


def wrd_relaxed(x, y, x_weights=None, y_weights=None) -> float:
    """Relaxed WRD bound ``max(Σ_i p_i min_j C_ij, Σ_j q_j min_i C_ij)`` with ``C = 1 − cos``, ≤ WRD."""
    p, q, C, _, _ = wrd_problem(x, y, x_weights, y_weights)
    return relaxed_bound(p, q, C)
