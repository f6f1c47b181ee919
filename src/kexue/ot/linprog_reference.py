"""The blog's formulation of EMD as a dense linear program, kept as a reference for comparisons.

The equality matrix has one row per source (ones over that row of the flattened m × n plan) and one per
target (ones over that column); the last row is redundant when both totals are equal and is dropped so that
rounding cannot make the system inconsistent. It holds (m + n) · mn numbers (2.1 GB at m = n = 512): use
:func:`kexue.ot.emd` for real work.
"""

from __future__ import annotations

import numpy as np

from kexue.ot.masses import check_masses


def emd_dense_lp(a, b, cost) -> float:
    """EMD by ``scipy.optimize.linprog`` (HiGHS) on the dense equality system; raises if the LP fails."""
    from scipy.optimize import linprog

    a, b = check_masses(a, b)
    C = np.asarray(cost, dtype=np.float64)
    m, n = C.shape
    A = np.zeros((m + n, m * n))
    for i in range(m):
        A[i, i * n:(i + 1) * n] = 1.0
    for j in range(n):
        A[m + j, j::n] = 1.0
    res = linprog(C.ravel(), A_eq=A[:-1], b_eq=np.concatenate([a, b])[:-1], bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    return float(res.fun)
