"""Relaxed WRD/WMD lower bounds from int8 token codes, with early stopping against a threshold.

The relaxed bound of a query (tokens ``q_i``, masses ``p_i``) against a document (tokens ``x_j``, masses
``b_j``) keeps one marginal constraint:

    side_q = Σ_i p_i min_j c(q_i, x_j),     side_d = Σ_j b_j min_i c(q_i, x_j),     relaxed = max(side_q, side_d),

with ``c = 1 − cos`` (WRD) or ``‖q − x‖`` (WMD). Evaluating it against every document is a product of the query
with every corpus token, so the corpus side is stored as int8 codes of its unit vectors:

    u_j = x_j/‖x_j‖ = s_j k_j + e_j,   k_j ∈ {−127, …, 127}^d,   s_j = max|u_j|/127,   ‖e_j‖ stored,

a quarter of float32's memory traffic. For a unit query vector ``v``, Cauchy–Schwarz gives the certified
upper bound ``v·u_j ≤ s_j (v·k_j) + ‖e_j‖ + slack``, where ``slack`` covers the float32 dot product's
rounding, so every cost below is ≤ the exact one and the bound stays a bound (≈ 0.01 looser than the
float one, which on STS-B/MiniLM still rules out > 99% of documents).

Early stopping: ``side_q`` is a sum of non-negative terms, so its partial sum over the heaviest query tokens
is already a lower bound; a document stops as soon as that partial sum reaches the threshold (the current
k-th distance). On STS-B with MiniLM tokens this leaves about 60% of the full products to compute. ``side_d``
needs every query token and is evaluated only for documents that did not stop.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_EPS32 = float(np.finfo(np.float32).eps)
_EPS64 = float(np.finfo(np.float64).eps)
GROUP = 2  # query tokens per early-stopping step (the micro-kernel's width)


def quantize_unit_rows(vectors: np.ndarray, norms: np.ndarray):
    """int8 codes ``k``, scales ``s`` and residual norms ``‖u − s k‖`` (rounded up) of the unit rows.

    Zero rows get code 0, scale 0 and residual 0 (their dot product with anything is exactly 0).
    """
    safe = np.where(norms > 0, norms, 1.0)
    units = vectors.astype(np.float64) / safe[:, None]
    scales = np.abs(units).max(axis=1) / 127.0
    codes = np.rint(units / np.where(scales > 0, scales, 1.0)[:, None]).astype(np.int8)
    residual = np.linalg.norm(units - scales[:, None] * codes, axis=1)
    return codes, scales, residual * (1.0 + 1e-12) + 1e-15


def dot_slack(dim: int) -> float:
    """Bound on the float32 rounding of ``v·(s k)`` for a unit ``v`` and ``‖s k‖ ≤ 1.1``, plus float64 terms."""
    return 2.2 * dim * _EPS32 + 1e-12


@njit(cache=True, inline="always")
def _key(cos_up, qn, qq, xn, nn, is_wrd):
    """A lower bound on the cost, or (WMD) on its square: monotone in the cost, so minima can be taken on it
    and :func:`_finish` applied once per minimum instead of a square root per pair."""
    if is_wrd:
        return max(1.0 - cos_up, 0.0)
    # ‖q − x‖² = ‖q‖² + ‖x‖² − 2‖q‖‖x‖cos, less its float64 rounding
    return max(qq + nn - 2.0 * qn * xn * cos_up - 4.0 * _EPS64 * (qq + nn), 0.0)


@njit(cache=True, inline="always")
def _finish(key, is_wrd):
    return key if is_wrd else np.sqrt(key)


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def relaxed_lower_bounds(codes, scales, residuals, norms, masses, offsets, doc_ids, uq, p, qn, n_query,
                         is_wrd, slack, threshold, n_chunks):
    """Relaxed lower bound of the query against documents ``doc_ids``, stopping at ``threshold``.

    ``uq`` holds the query's unit vectors (float32, rows in the order to process, padded with zero rows
    to a multiple of ``GROUP``); ``n_query`` is the number of real rows. Returns the bounds (a value ≥ threshold
    means "ruled out", not the full bound) and, per document, the number of query rows processed.
    """
    n_ids = doc_ids.shape[0]
    d = codes.shape[1]
    mq = uq.shape[0]
    out = np.empty(n_ids)
    rows_done = np.empty(n_ids, np.int64)
    max_len = 1
    for t in range(n_ids):
        k = doc_ids[t]
        max_len = max(max_len, offsets[k + 1] - offsets[k])
    qq = qn * qn
    per = (n_ids + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        W = np.zeros((max_len + 3, d), np.float32)
        D = np.empty((max_len + 3, 2), np.float32)
        best_d = np.empty(max_len)
        for t in range(c * per, min(n_ids, (c + 1) * per)):
            k = doc_ids[t]
            s = offsets[k]
            n = offsets[k + 1] - s
            for j in range(n):
                best_d[j] = np.inf
                for h in range(d):
                    W[j, h] = codes[s + j, h]
            side_q = 0.0
            done = 0
            for i0 in range(0, mq, 2):
                _dots_4x2(W, uq, i0, n, d, D)
                for u in range(2):
                    i = i0 + u
                    if i >= n_query:
                        break
                    best = np.inf
                    for j in range(n):
                        g = s + j
                        if masses[g] > 0.0:  # zero-mass tokens are in no feasible plan: left out (still valid)
                            xn = norms[g]
                            cst = _key(scales[g] * D[j, u] + residuals[g] + slack, qn[i], qq[i], xn, xn * xn,
                                       is_wrd)
                            best = min(best, cst)
                            best_d[j] = min(best_d[j], cst)
                    if best < np.inf:
                        side_q += p[i] * _finish(best, is_wrd)
                done = min(i0 + 2, n_query)
                if side_q >= threshold:
                    break
            if done < n_query:
                out[t] = side_q
            else:
                side_d = 0.0
                for j in range(n):
                    if masses[s + j] > 0.0:
                        side_d += masses[s + j] * _finish(best_d[j], is_wrd)
                out[t] = max(side_q, side_d)
            rows_done[t] = done
    return out, rows_done


@njit(cache=True, fastmath={"reassoc", "contract"})
def _dots_4x2(W, uq, i0, n, d, D):
    """``D[j, u] = W[j]·uq[i0 + u]`` for j < n, u < 2: four corpus rows against two query rows per pass, so
    each loaded value feeds several multiply-adds (eight independent accumulators keep both FMA units busy)."""
    for j in range(0, n, 4):  # W has 3 spare rows: a partial last block reads (and ignores) rows past n
        a00 = np.float32(0.0)
        a01 = np.float32(0.0)
        a10 = np.float32(0.0)
        a11 = np.float32(0.0)
        a20 = np.float32(0.0)
        a21 = np.float32(0.0)
        a30 = np.float32(0.0)
        a31 = np.float32(0.0)
        for h in range(d):
            y0 = uq[i0, h]
            y1 = uq[i0 + 1, h]
            x0 = W[j, h]
            x1 = W[j + 1, h]
            x2 = W[j + 2, h]
            x3 = W[j + 3, h]
            a00 += x0 * y0
            a01 += x0 * y1
            a10 += x1 * y0
            a11 += x1 * y1
            a20 += x2 * y0
            a21 += x2 * y1
            a30 += x3 * y0
            a31 += x3 * y1
        D[j, 0] = a00
        D[j, 1] = a01
        D[j + 1, 0] = a10
        D[j + 1, 1] = a11
        D[j + 2, 0] = a20
        D[j + 2, 1] = a21
        D[j + 3, 0] = a30
        D[j + 3, 1] = a31
