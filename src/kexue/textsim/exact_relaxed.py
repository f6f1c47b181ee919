"""The relaxed bound computed from the original vectors, for the few documents the int8 bound leaves.

For a query (rows ``q_i``, masses ``p_i``) and a document (tokens ``x_j``, masses ``b_j``) with costs ``C_ij``
(WRD: ``½‖u_i − v_j‖²`` of the unit vectors; WMD: ``‖q_i − x_j‖``), each transport plan moves row ``i``'s mass
at a cost of at least ``min_j C_ij``, and column ``j``'s at least ``min_i C_ij``:

    OT ≥ relaxed = max(Σ_i p_i min_j C_ij, Σ_j b_j min_i C_ij).

:mod:`kexue.textsim.quantized_bounds` computes it from int8 codes with certified slack, which is what it costs
to make it cheap for every document. The final candidates of a search are few, and there the slack matters:
on STS-B it is what keeps two of every three candidates from being ruled out before their exact solve. Here the
costs come from the float32 vectors themselves: the products ``q_i·x_j`` are float32 dot products (eight lanes,
FMA), whose rounding is at most ``γ_d ‖q_i‖‖x_j‖`` with ``γ_d = d·u/(1 − d·u)``, ``u = 2⁻²⁴`` (Higham, *Accuracy
and Stability of Numerical Algorithms*, §3.1); with the rounding of the inputs to float32 that is the ``slack``
subtracted from each product's side of the cost, so every value stays a bound:

* WRD: ``C_ij = 1 − u_i·v_j ≥ 1 − fl(û_i·v̂_j) − slack`` (unit vectors, rounded to float32);
* WMD: ``C_ij² = ‖q_i‖² + ‖x_j‖² − 2 q_i·x_j``, the norms in float64, ``C_ij ≥ √max(0, … − 2·slack)``.

The slack (≈ 2·10⁻⁵ for d = 384, a worst case) is far below the gaps that decide a search.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_U32 = 2.0 ** -24


def dot_slack(d: int) -> float:
    """Relative bound on the error of a float32 dot product of length ``d`` with float32-rounded inputs."""
    gamma = d * _U32 / (1.0 - d * _U32)
    return (gamma + 4 * _U32) * 1.001


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def exact_relaxed_bounds(rows, row_norms, p, vectors, norms, masses, offsets, ids, is_wrd, slack, n_chunks):
    """Relaxed bounds of the query ``rows`` (float32, unit vectors for WRD; a multiple of four rows, those with
    ``p = 0`` ignored; float64 norms ``row_norms``, used for WMD) against documents ``ids`` of the corpus
    ``vectors`` (float32, norms ``norms`` in float64, token masses ``masses``, documents at ``offsets``);
    ``slack`` from :func:`dot_slack`."""
    n_ids = ids.shape[0]
    m, d = rows.shape
    out = np.empty(n_ids)
    per = (n_ids + n_chunks - 1) // n_chunks
    for ch in prange(n_chunks):
        row_min = np.empty(m)
        x = np.empty(d, np.float32)
        for t in range(ch * per, min(n_ids, (ch + 1) * per)):
            k = ids[t]
            for i in range(m):
                row_min[i] = np.inf
            side_d = 0.0
            for j in range(offsets[k], offsets[k + 1]):
                if masses[j] <= 0.0:
                    continue  # in no feasible plan
                scale = np.float32(1.0 / norms[j]) if is_wrd else np.float32(1.0)
                for h in range(d):
                    x[h] = vectors[j, h] * scale
                col_min = np.inf
                for i0 in range(0, m, 4):  # four rows at once: four independent FMA chains
                    a0 = np.float32(0.0)
                    a1 = np.float32(0.0)
                    a2 = np.float32(0.0)
                    a3 = np.float32(0.0)
                    for h in range(d):
                        xh = x[h]
                        a0 += rows[i0, h] * xh
                        a1 += rows[i0 + 1, h] * xh
                        a2 += rows[i0 + 2, h] * xh
                        a3 += rows[i0 + 3, h] * xh
                    for r in range(4):
                        i = i0 + r
                        if p[i] <= 0.0:  # padding and zero-mass rows
                            continue
                        acc = a0 if r == 0 else (a1 if r == 1 else (a2 if r == 2 else a3))
                        if is_wrd:
                            c = 1.0 - float(acc) - slack
                        else:
                            err = 2.0 * slack * row_norms[i] * norms[j]
                            sq = row_norms[i] * row_norms[i] + norms[j] * norms[j] - 2.0 * float(acc) - err
                            c = np.sqrt(max(sq, 0.0))
                        col_min = min(col_min, c)
                        row_min[i] = min(row_min[i], c)
                side_d += masses[j] * col_min
            side_q = 0.0
            for i in range(m):
                if p[i] > 0.0:
                    side_q += p[i] * row_min[i]
            value = max(side_q, side_d)
            out[t] = max(value - 1e-12 * (1.0 + value), 0.0)
    return out
