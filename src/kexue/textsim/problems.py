"""The transport problems behind WMD and WRD: masses and cost matrices built from two vector sequences.

Every exact measure and every bound starts from these, so they are defined once here.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from kexue._validation import as_float_array, check_choice
from kexue.ot.masses import normalise_weights

WMD_METRICS = ("euclidean", "rms")
#: the optimal-transport measures (exact solvers, batches and the search index)
OT_MEASURES = ("wrd", "wmd")


def check_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate two vector sequences ``x (m, d)`` and ``y (n, d)`` and return them as float64."""
    x = as_float_array(x, "x", ndim=2)
    y = as_float_array(y, "y", ndim=2)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y have different vector dimensions ({x.shape[1]} vs {y.shape[1]}); "
                         "embed both texts with the same model")
    return x, y


def wmd_problem(x, y, x_weights=None, y_weights=None, metric: str = "euclidean"):
    """Masses ``p, q`` (each summing to 1) and cost ``C_ij = ‖x_i − y_j‖`` (÷ √d for ``metric="rms"``)."""
    x, y = check_pair(x, y)
    check_choice(metric, "metric", WMD_METRICS)
    p = normalise_weights(x_weights, x.shape[0], "x_weights")
    q = normalise_weights(y_weights, y.shape[0], "y_weights")
    C = cdist(x, y, "euclidean")
    if metric == "rms":
        C /= np.sqrt(x.shape[1])
    return p, q, C


def unit_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row norms and unit rows; zero rows stay zero (they carry zero mass in WRD)."""
    norms = np.linalg.norm(x, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return norms, x / safe[:, None]


def wrd_masses(norms: np.ndarray, weights, name: str) -> np.ndarray:
    """WRD masses ``‖w_i‖ / Σ‖w‖``, optionally times per-token weights (e.g. SIF or idf)."""
    mass = norms if weights is None else norms * normalise_weights(weights, norms.shape[0], name)
    total = float(mass.sum())
    if total <= 0:
        raise ValueError(f"every vector of {name.split('_')[0]} has zero norm (or zero weight), so WRD is "
                         "undefined; drop all-zero inputs before comparing")
    return mass / total


def wrd_problem(x, y, x_weights=None, y_weights=None):
    """Masses ``p_i = ‖x_i‖/Σ‖x‖``, ``q_j = ‖y_j‖/Σ‖y‖`` and cost ``C_ij = 1 − cos(x_i, y_j)``.

    The cost is computed as ``½‖u_i − v_j‖²`` of the unit vectors (equal to ``1 − cos`` in exact
    arithmetic) so that identical vectors cost exactly 0.
    """
    x, y = check_pair(x, y)
    nx, ux = unit_rows(x)
    ny, uy = unit_rows(y)
    p = wrd_masses(nx, x_weights, "x_weights")
    q = wrd_masses(ny, y_weights, "y_weights")
    C = 0.5 * cdist(ux, uy, "sqeuclidean")
    return p, q, C, ux, uy
