"""WRD and WMD for many pairs at once, and pairwise matrices, on the batched exact solver.

For aligned lists ``xs[k] (m_k, d)`` and ``ys[k] (n_k, d)`` the vectors are packed once into flat
arrays with offsets; one ``numba.prange`` loop over pairs then builds each pair's masses and costs
from the packed vectors and solves it exactly with :mod:`kexue.ot.network_simplex`, all in compiled
code (float32 or float64 embeddings in, float64 transport):

* WRD: ``p_i = w_i‖x_i‖ / Σ_k w_k‖x_k‖`` (``w = 1`` unless weights are given; zero-norm vectors carry
  zero mass) and ``C_ij = ½‖x_i/‖x_i‖ − y_j/‖y_j‖‖² = 1 − cos(x_i, y_j)``, so identical vectors cost 0.
* WMD: ``p_i = w_i / Σ_k w_k`` (uniform by default) and ``C_ij = ‖x_i − y_j‖`` (÷ √d for ``"rms"``).

Values equal :func:`kexue.textsim.wrd` / :func:`kexue.textsim.wmd` (same optimum to 1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from kexue._validation import check_choice, check_positive_int
from kexue.ot.batch import n_chunks, pack, segment_sums, warn_status
from kexue.ot.network_simplex import MAX_ITER, _solve, _workspace

MEASURES = ("wrd", "wmd")
WMD_METRICS = ("euclidean", "rms")
#: kernel codes: 0/1 are solver statuses; these flag a side with no mass (WRD: all vectors zero)
_EMPTY_X, _EMPTY_Y = 2, 3
#: kernel measure codes
_WRD, _WMD, _WMD_RMS = 0, 1, 2
#: vectors packed per call of the compiled kernel (bounds the packed copy to ~128 MB of float32)
_CHUNK_VALUES = 1 << 25


@njit(cache=True)
def _side(V, v0, m, W, d, measure, buf, mass):
    """Masses of one side (unnormalised) and its kept vectors, in float64; returns (count, total)."""
    kept = 0
    total = 0.0
    for i in range(m):
        row = (v0 + i) * d
        if measure == _WRD:
            s = 0.0
            for k in range(d):
                s += np.float64(V[row + k]) ** 2
            norm = np.sqrt(s)
            w = norm * W[v0 + i]
            if w > 0.0:
                inv = 1.0 / norm
                for k in range(d):
                    buf[kept * d + k] = np.float64(V[row + k]) * inv
        else:
            w = W[v0 + i]
            if w > 0.0:
                for k in range(d):
                    buf[kept * d + k] = V[row + k]
        if w > 0.0:
            mass[kept] = w
            total += w
            kept += 1
    return kept, total


@njit(cache=True, fastmath={"reassoc", "contract"})
def _sq_dists(U, mm, V, nn, d, out):
    """``out[r·nn + c] = ‖U_r − V_c‖²`` (identical rows give exactly 0)."""
    for r in range(mm):
        for c in range(nn):
            s = 0.0
            for k in range(d):
                t = U[r * d + k] - V[c * d + k]
                s += t * t
            out[r * nn + c] = s


@njit(parallel=True, cache=True)
def _pairs_kernel(X, xoff, WX, Y, yoff, WY, ix, iy, d, measure, max_iter, chunks):
    n_pairs = ix.shape[0]
    values = np.empty(n_pairs)
    status = np.zeros(n_pairs, np.int8)
    for c in prange(chunks):
        max_m = 1
        max_n = 1
        for p in range(c, n_pairs, chunks):
            max_m = max(max_m, xoff[ix[p] + 1] - xoff[ix[p]])
            max_n = max(max_n, yoff[iy[p] + 1] - yoff[iy[p]])
        ws = _workspace(max_m, max_n)
        ux = np.empty(max_m * d)
        uy = np.empty(max_n * d)
        pa = np.empty(max_m)
        qb = np.empty(max_n)
        C = np.empty(max_m * max_n)
        for p in range(c, n_pairs, chunks):
            x0 = xoff[ix[p]]
            y0 = yoff[iy[p]]
            mm, sa = _side(X, x0, xoff[ix[p] + 1] - x0, WX, d, measure, ux, pa)
            nn, sb = _side(Y, y0, yoff[iy[p] + 1] - y0, WY, d, measure, uy, qb)
            if mm == 0 or nn == 0:
                values[p] = np.nan
                status[p] = _EMPTY_X if mm == 0 else _EMPTY_Y
                continue
            for r in range(mm):
                pa[r] /= sa
            for s in range(nn):
                qb[s] /= sb
            _sq_dists(ux, mm, uy, nn, d, C)
            if measure == _WRD:
                for e in range(mm * nn):
                    C[e] *= 0.5
            else:
                scale = np.sqrt(d) if measure == _WMD_RMS else 1.0
                for e in range(mm * nn):
                    C[e] = np.sqrt(C[e]) / scale
            cost, st, _ = _solve(pa, qb, C, mm, nn, ws, max_iter)
            values[p] = cost
            status[p] = st
    return values, status


class _Packed:
    """One list of vector sequences packed for the kernel: rows, offsets, per-row weights."""

    def __init__(self, seqs, weights, name: str, wname: str, d: int | None = None):
        rows, self.off, shapes = pack(seqs, name, ndim=2, dtype=None)
        self.d = shapes[0][1]
        if d is not None and self.d != d:
            raise ValueError(f"vectors have dimension {self.d} in {name} but another list has {d}; "
                             "embed both sides with the same model")
        self.rows = rows.ravel()
        if weights is None:
            self.w = np.ones(self.off[-1])
        else:
            w, woff, _ = pack(weights, wname, ndim=1)
            if len(woff) != len(self.off) or np.any(woff != self.off):
                k = int(np.flatnonzero(np.diff(woff) != np.diff(self.off))[0]) if len(woff) == len(self.off) else 0
                raise ValueError(f"{wname} must give one weight per vector of {name} (first mismatch at {k})")
            if np.any(w < 0):
                k = int(np.searchsorted(woff, np.flatnonzero(w < 0)[0], side="right")) - 1
                raise ValueError(f"{wname}[{k}] has negative entries; weights must be >= 0")
            tot = segment_sums(w, woff)
            if np.any(tot <= 0):
                k = int(np.flatnonzero(tot <= 0)[0])
                raise ValueError(f"{wname}[{k}] sums to {tot[k]:.3g}; at least one weight must be positive")
            self.w = w


def _check_lists(xs, ys, name_x: str = "xs", name_y: str = "ys"):
    for seqs, name in ((xs, name_x), (ys, name_y)):
        if isinstance(seqs, np.ndarray) or not isinstance(seqs, Sequence):
            raise TypeError(f"{name} must be a list of (tokens, d) arrays, got {type(seqs).__name__}")
        if len(seqs) == 0:
            raise ValueError(f"{name} is empty; pass at least one vector sequence")


def _run(px: _Packed, py: _Packed, ix, iy, measure: str, metric: str, max_iter: int) -> np.ndarray:
    code = _WRD if measure == "wrd" else (_WMD_RMS if metric == "rms" else _WMD)
    values, status = _pairs_kernel(px.rows, px.off, px.w, py.rows, py.off, py.w, ix, iy, px.d, code,
                                   max_iter, n_chunks(len(ix)))
    for flag, seqs, idx in ((_EMPTY_X, "xs", ix), (_EMPTY_Y, "ys", iy)):
        bad = np.flatnonzero(status == flag)
        if bad.size:
            raise ValueError(f"{seqs}[{idx[bad[0]]}] has only zero-norm vectors (or zero weights), so WRD is "
                             "undefined; drop all-zero inputs before comparing")
    warn_status(status)
    return values


def _slices(sizes: np.ndarray, d: int):
    """Split consecutive items into runs of at most ``_CHUNK_VALUES`` packed values."""
    per = np.maximum(sizes * d, 1)
    start, acc = 0, 0
    for k, s in enumerate(per):
        if acc and acc + s > _CHUNK_VALUES:
            yield start, k
            start, acc = k, 0
        acc += s
    yield start, len(per)


def _aligned(xs, ys, x_weights, y_weights, measure, metric, max_iter):
    _check_lists(xs, ys)
    if len(xs) != len(ys):
        raise ValueError(f"xs has {len(xs)} sequences but ys has {len(ys)}; pairs must align")
    for w, name in ((x_weights, "x_weights"), (y_weights, "y_weights")):
        if w is not None and (isinstance(w, np.ndarray) or not isinstance(w, Sequence) or len(w) != len(xs)):
            raise ValueError(f"{name} must be None or a list of {len(xs)} weight vectors, one per sequence")
    max_iter = check_positive_int(max_iter, "max_iter")
    sizes = np.fromiter((np.shape(x)[0] + np.shape(y)[0] if np.ndim(x) == 2 and np.ndim(y) == 2 else 0
                         for x, y in zip(xs, ys)), np.int64, len(xs))
    d = np.shape(xs[0])[-1] if np.ndim(xs[0]) == 2 else 1
    out = np.empty(len(xs))
    for lo, hi in _slices(sizes, d):
        sub = slice(lo, hi)
        px = _Packed(xs[sub], None if x_weights is None else x_weights[sub], "xs", "x_weights")
        py = _Packed(ys[sub], None if y_weights is None else y_weights[sub], "ys", "y_weights", d=px.d)
        idx = np.arange(hi - lo, dtype=np.int64)
        try:
            out[sub] = _run(px, py, idx, idx, measure, metric, max_iter)
        except ValueError as exc:  # report the index in the caller's lists, not in the slice
            raise ValueError(_shift_index(str(exc), lo)) from None
    return out


def _shift_index(msg: str, lo: int) -> str:
    import re

    return re.sub(r"(xs|ys|x_weights|y_weights)\[(\d+)\]", lambda m: f"{m[1]}[{int(m[2]) + lo}]", msg) if lo else msg


def wrd_batch(xs, ys, x_weights=None, y_weights=None, *, max_iter: int = MAX_ITER) -> np.ndarray:
    """Word Rotator's Distance of aligned pairs ``(xs[k], ys[k])``, solved exactly in parallel.

    ``WRD = min Σ γ_ij (1 − cos(x_i, y_j))`` with row masses ``‖x_i‖/Σ‖x‖`` and column masses
    ``‖y_j‖/Σ‖y‖`` (times optional per-token weights, as in :func:`kexue.textsim.wrd`).

    Parameters
    ----------
    xs, ys : list of array_like, shapes (m_k, d) and (n_k, d)
        Vector sequences (float32 or float64; transport is float64). Zero vectors carry zero mass.
    x_weights, y_weights : list of array_like, optional
        Per-token factors multiplying the norms.
    max_iter : int
        Pivot cap per pair.

    Returns
    -------
    ndarray, shape (K,)
        ``WRD(xs[k], ys[k])`` in [0, 2].

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim.batch import wrd_batch
    >>> wrd_batch([np.array([[1.0, 0.0]])], [np.array([[0.0, 3.0]])])
    array([1.])
    """
    return _aligned(xs, ys, x_weights, y_weights, "wrd", "euclidean", max_iter)


def wmd_batch(xs, ys, x_weights=None, y_weights=None, metric: str = "euclidean", *,
              max_iter: int = MAX_ITER) -> np.ndarray:
    """Word Mover's Distance of aligned pairs ``(xs[k], ys[k])``, solved exactly in parallel.

    ``WMD = min Σ γ_ij ‖x_i − y_j‖`` (÷ √d for ``metric="rms"``) with masses ``w_i/Σw`` (uniform when
    no weights are given), as in :func:`kexue.textsim.wmd`.

    Parameters
    ----------
    xs, ys : list of array_like, shapes (m_k, d) and (n_k, d)
    x_weights, y_weights : list of array_like, optional
        Non-negative per-token masses (e.g. nBOW counts), each normalised to sum 1.
    metric : {"euclidean", "rms"}
    max_iter : int
        Pivot cap per pair.

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim.batch import wmd_batch
    >>> wmd_batch([np.array([[0.0, 0.0], [2.0, 0.0]])], [np.array([[1.0, 0.0]])])
    array([1.])
    """
    check_choice(metric, "metric", WMD_METRICS)
    return _aligned(xs, ys, x_weights, y_weights, "wmd", metric, max_iter)


def pairwise(xs, ys, measure: str = "wrd", *, metric: str = "euclidean", progress: bool = False,
             chunk_size: int = 4096, max_iter: int = MAX_ITER) -> np.ndarray:
    """Matrix ``D[i, j] = measure(xs[i], ys[j])`` of exact WRD or WMD (default masses).

    Both lists are packed once; the ``len(xs) × len(ys)`` pairs are solved by the batch kernel in
    chunks of ``chunk_size`` pairs, with a progress bar when ``progress=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim.batch import pairwise
    >>> pairwise([np.array([[1.0, 0.0]])], [np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])])
    array([[0., 1.]])
    """
    check_choice(measure, "measure", MEASURES)
    check_choice(metric, "metric", WMD_METRICS)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    max_iter = check_positive_int(max_iter, "max_iter")
    _check_lists(xs, ys)
    px = _Packed(xs, None, "xs", "x_weights")
    py = _Packed(ys, None, "ys", "y_weights", d=px.d)
    nx, ny = len(px.off) - 1, len(py.off) - 1
    out = np.empty(nx * ny)
    starts = range(0, nx * ny, chunk_size)
    if progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"{measure.upper()} {nx}×{ny}", total=nx * ny)
            for lo in starts:
                hi = min(lo + chunk_size, nx * ny)
                out[lo:hi] = _pair_chunk(px, py, ny, lo, hi, measure, metric, max_iter)
                bar.advance(task, hi - lo)
    else:
        for lo in starts:
            hi = min(lo + chunk_size, nx * ny)
            out[lo:hi] = _pair_chunk(px, py, ny, lo, hi, measure, metric, max_iter)
    return out.reshape(nx, ny)


def _pair_chunk(px, py, ny, lo, hi, measure, metric, max_iter):
    flat = np.arange(lo, hi, dtype=np.int64)
    return _run(px, py, flat // ny, flat % ny, measure, metric, max_iter)
