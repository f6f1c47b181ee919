"""WRD and WMD for many pairs at once, and pairwise matrices, on the batched exact solver.

For aligned lists ``xs[k] (m_k, d)`` and ``ys[k] (n_k, d)`` the sequences are described once by
flat arrays (data addresses, lengths, weight offsets) — the vectors themselves are not copied — and one
``numba.prange`` loop over pairs builds each pair's masses and costs and solves it exactly with
:mod:`kexue.ot.network_simplex`, all in compiled code (float32 or float64 embeddings in, float64
transport). NaN/inf inputs are detected in the same pass that reads the vectors.

* WRD: ``p_i = w_i‖x_i‖ / Σ_k w_k‖x_k‖`` (``w = 1`` unless weights are given; zero-norm vectors carry
  zero mass) and ``C_ij = ½‖x_i/‖x_i‖ − y_j/‖y_j‖‖² = 1 − cos(x_i, y_j)``, so identical vectors cost 0.
* WMD: ``p_i = w_i / Σ_k w_k`` (uniform by default) and ``C_ij = ‖x_i − y_j‖`` (÷ √d for ``"rms"``).

Values equal :func:`kexue.textsim.wrd` / :func:`kexue.textsim.wmd` (same optimum to 1e-9).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
from numba import carray, njit, prange, types
from numba.extending import intrinsic

from kexue._validation import check_choice, check_positive_int
from kexue.ot.batch import n_chunks, pack, run_dynamic, segment_sums, warn_status
from kexue.ot.network_simplex import MAX_ITER, _solve, _workspace
from kexue.textsim.problems import OT_MEASURES, WMD_METRICS

#: kernel codes: 0/1 are solver statuses; these flag a side with no mass (WRD: all vectors zero) or NaN/inf
_EMPTY_X, _EMPTY_Y, _NONFINITE_X, _NONFINITE_Y = 2, 3, 4, 5
#: kernel measure codes
_WRD, _WMD, _WMD_RMS = 0, 1, 2


@intrinsic
def _as_pointer(typingctx, address, witness):
    """Typed pointer to ``witness.dtype`` at an integer ``address`` (for zero-copy views of input arrays)."""
    ptr_type = types.CPointer(witness.dtype)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(ptr_type))

    return ptr_type(address, witness), codegen


@njit(cache=True, fastmath={"reassoc", "contract"})
def _sum_squares(row):
    """``(Σ t², Σ 0·t)`` of one vector in float64; the second is NaN iff some value is NaN or inf."""
    s = 0.0
    z = 0.0
    for k in range(row.size):
        t = np.float64(row[k])
        s += t * t
        z += t * 0.0
    return s, z


@njit(cache=True, fastmath={"reassoc", "contract"})
def _load_scaled(row, out, scale):
    """``out = scale · row`` in float64."""
    for k in range(row.size):
        out[k] = np.float64(row[k]) * scale


@njit(cache=True)
def _side(V, m, W, w0, d, measure, buf, mass):
    """Masses of one side (unnormalised) and its kept vectors in float64 (unit vectors for WRD).

    ``V`` holds the ``m × d`` vectors row-major and ``W[w0:w0+m]`` their weights. Vectors with zero
    mass are skipped. Returns ``(kept, total mass, all values finite)``. (The per-row loops are
    helpers on row slices: inlined here, with ``kept`` varying, LLVM did not vectorise them.)
    """
    kept = 0
    total = 0.0
    finite = True
    for i in range(m):
        row = V[i * d:i * d + d]
        s, z = _sum_squares(row)
        if measure == _WRD:
            finite = finite and np.isfinite(s)
            norm = np.sqrt(s)
            w = norm * W[w0 + i]
            scale = 1.0 / norm if w > 0.0 else 0.0
        else:
            finite = finite and z == 0.0
            w = W[w0 + i]
            scale = 1.0
        if w > 0.0:
            _load_scaled(row, buf[kept * d:kept * d + d], scale)
            mass[kept] = w
            total += w
            kept += 1
    return kept, total, finite


@njit(cache=True, fastmath={"reassoc", "contract"})
def _sq_dists(U, mm, V, nn, d, out):
    """``out[r·w + c] = ‖U_r − V_c‖²`` with row stride ``w = ⌈nn/4⌉·4`` (identical rows give exactly 0).

    Register-tiled over 2 rows × 4 columns so each loaded element serves several differences. ``U``
    must hold ``⌈mm/2⌉·2`` rows and ``V`` ``w`` rows (padding rows are computed and ignored).
    """
    w = (nn + 3) // 4 * 4
    c = 0
    while c < nn:  # (while loops: numba's stepped ranges kept LLVM from vectorising the k loop)
        v0 = c * d  # columns outside: the 4 column vectors stay in L1 while U's row pairs stream past
        v1 = v0 + d
        v2 = v1 + d
        v3 = v2 + d
        r = 0
        while r < mm:
            u0 = r * d
            u1 = u0 + d
            s00 = 0.0
            s01 = 0.0
            s02 = 0.0
            s03 = 0.0
            s10 = 0.0
            s11 = 0.0
            s12 = 0.0
            s13 = 0.0
            for k in range(d):
                a0 = U[u0 + k]
                a1 = U[u1 + k]
                b0 = V[v0 + k]
                b1 = V[v1 + k]
                b2 = V[v2 + k]
                b3 = V[v3 + k]
                t = a0 - b0
                s00 += t * t
                t = a0 - b1
                s01 += t * t
                t = a0 - b2
                s02 += t * t
                t = a0 - b3
                s03 += t * t
                t = a1 - b0
                s10 += t * t
                t = a1 - b1
                s11 += t * t
                t = a1 - b2
                s12 += t * t
                t = a1 - b3
                s13 += t * t
            o = r * w + c
            out[o] = s00
            out[o + 1] = s01
            out[o + 2] = s02
            out[o + 3] = s03
            out[o + w] = s10
            out[o + w + 1] = s11
            out[o + w + 2] = s12
            out[o + w + 3] = s13
            r += 2
        c += 4


@njit(parallel=True, cache=True)
def _pairs_kernel(xaddr, xlen, xw0, WX, yaddr, ylen, yw0, WY, ix, iy, d, measure, max_iter, chunks, witness):
    n_pairs = ix.shape[0]
    values = np.empty(n_pairs)
    status = np.zeros(n_pairs, np.int8)
    for c in prange(chunks):
        max_m = 1
        max_n = 1
        for p in range(c, n_pairs, chunks):
            max_m = max(max_m, xlen[ix[p]])
            max_n = max(max_n, ylen[iy[p]])
        ws = _workspace(max_m, max_n)
        ux = np.zeros((max_m + 1) * d)  # padded for the 2 × 4 tiles of _sq_dists
        uy = np.zeros((max_n + 3) * d)
        pa = np.empty(max_m)
        qb = np.empty(max_n)
        sq = np.empty((max_m + 1) * (max_n + 3))
        C = np.empty(max_m * max_n)
        for p in range(c, n_pairs, chunks):
            m = xlen[ix[p]]
            n = ylen[iy[p]]
            X = carray(_as_pointer(xaddr[ix[p]], witness), (m * d,))
            Y = carray(_as_pointer(yaddr[iy[p]], witness), (n * d,))
            mm, sa, okx = _side(X, m, WX, xw0[ix[p]], d, measure, ux, pa)
            nn, sb, oky = _side(Y, n, WY, yw0[iy[p]], d, measure, uy, qb)
            values[p] = np.nan
            if not okx or not oky:
                status[p] = _NONFINITE_X if not okx else _NONFINITE_Y
                continue
            if mm == 0 or nn == 0:
                status[p] = _EMPTY_X if mm == 0 else _EMPTY_Y
                continue
            for r in range(mm):
                pa[r] /= sa
            for s in range(nn):
                qb[s] /= sb
            _sq_dists(ux, mm, uy, nn, d, sq)
            w = (nn + 3) // 4 * 4
            scale = np.sqrt(d) if measure == _WMD_RMS else 1.0
            for r in range(mm):
                for s in range(nn):
                    if measure == _WRD:
                        C[r * nn + s] = 0.5 * sq[r * w + s]
                    else:
                        C[r * nn + s] = np.sqrt(sq[r * w + s]) / scale
            cost, st, _ = _solve(pa, qb, C, mm, nn, ws, max_iter)
            values[p] = cost
            status[p] = st
    return values, status


def _address(x: np.ndarray) -> int:
    """Data address of a C-contiguous array: via ``ctypes.from_buffer`` (3× faster than ``x.ctypes.data``,
    which dominated the Python side of a batch call) unless the buffer is read-only or empty."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(x))
    except (TypeError, ValueError):
        return x.ctypes.data


class _Seqs:
    """A list of ``(tokens, d)`` arrays described for the kernel without copying the vectors.

    Keeps the arrays alive and records their data addresses, lengths, the common dtype (float32 when
    every array is float32, else float64 — only then are arrays converted) and flat per-token weights.
    """

    def __init__(self, seqs, weights, name: str, wname: str, d: int | None = None):
        if isinstance(seqs, np.ndarray) or not isinstance(seqs, Sequence):
            raise TypeError(f"{name} must be a list of (tokens, d) arrays, got {type(seqs).__name__}")
        if len(seqs) == 0:
            raise ValueError(f"{name} is empty; pass at least one vector sequence")
        arrs = [np.asarray(x) for x in seqs]
        shapes = [x.shape for x in arrs]  # few passes: per-array Python work adds up at 10⁴ arrays
        bad = next((k for k, s in enumerate(shapes) if len(s) != 2 or s[0] == 0), None)
        if bad is not None:
            raise ValueError(f"{name}[{bad}] must be a non-empty (tokens, d) array, got shape {shapes[bad]}")
        dims = {s[1] for s in shapes}
        if len(dims) > 1 or (d is not None and dims != {d}):
            raise ValueError(f"vector dimensions differ ({sorted(dims | ({d} if d else set()))}) across the inputs; "
                             "embed every text with the same model")
        self.d = dims.pop()
        dtypes = {x.dtype for x in arrs}
        if any(t.kind not in "fiub" for t in dtypes):
            k = next(k for k, x in enumerate(arrs) if x.dtype.kind not in "fiub")
            raise TypeError(f"{name}[{k}] must hold numbers, got dtype {arrs[k].dtype}")
        self._use(arrs, np.float32 if dtypes == {np.dtype(np.float32)} else np.float64)
        self.w0 = np.zeros(len(arrs), np.int64)
        np.cumsum(self.len[:-1], out=self.w0[1:])
        self.name = name
        if weights is None:
            self.w = np.ones(int(self.len.sum()))
            return
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or len(weights) != len(arrs):
            raise ValueError(f"{wname} must be None or a list of {len(arrs)} weight vectors, one per sequence")
        w, woff, _ = pack(weights, wname, ndim=1)
        if np.any(np.diff(woff) != self.len):
            k = int(np.flatnonzero(np.diff(woff) != self.len)[0])
            raise ValueError(f"{wname}[{k}] has {woff[k + 1] - woff[k]} weights but {name}[{k}] has "
                             f"{self.len[k]} vectors; give one weight per vector")
        if np.any(w < 0):
            k = int(np.searchsorted(woff, np.flatnonzero(w < 0)[0], side="right")) - 1
            raise ValueError(f"{wname}[{k}] has negative entries; weights must be >= 0")
        tot = segment_sums(w, woff)
        if np.any(tot <= 0):
            k = int(np.flatnonzero(tot <= 0)[0])
            raise ValueError(f"{wname}[{k}] sums to {tot[k]:.3g}; at least one weight must be positive")
        self.w = w

    @classmethod
    def packed(cls, flat: np.ndarray, offsets: np.ndarray, weights: np.ndarray | None, name: str) -> "_Seqs":
        """Sequences ``flat[offsets[k]:offsets[k + 1]]`` of one C-contiguous float array, described without any
        per-sequence Python work (for an index that solves against its corpus again and again)."""
        self = cls.__new__(cls)
        self.d = flat.shape[1]
        self.dtype = flat.dtype.type
        self.arrays = [flat]
        self.len = np.diff(offsets).astype(np.int64)
        self.w0 = np.ascontiguousarray(offsets[:-1], dtype=np.int64)
        self.addr = (np.uint64(flat.ctypes.data)
                     + self.w0.astype(np.uint64) * np.uint64(flat.shape[1] * flat.itemsize))
        self.w = np.ones(len(flat)) if weights is None else np.asarray(weights, np.float64)
        self.name = name
        return self

    def _use(self, arrs, dtype) -> None:
        self.dtype = dtype
        self.arrays = [x if x.dtype == dtype and x.flags.c_contiguous else np.ascontiguousarray(x, dtype=dtype)
                       for x in arrs]
        self.addr = np.fromiter(map(_address, self.arrays), np.uint64, len(arrs))
        self.len = np.fromiter((x.shape[0] for x in self.arrays), np.int64, len(arrs))

    def common_dtype(self, other: "_Seqs") -> None:
        """One kernel reads both sides: if one side is float64, read the other as float64 too."""
        for s in (self, other):
            if s.dtype != np.float64 and (self.dtype, other.dtype) != (np.float32, np.float32):
                s._use(s.arrays, np.float64)


def _run(sx: _Seqs, sy: _Seqs, ix, iy, measure: str, metric: str, max_iter: int) -> np.ndarray:
    """Solve pairs ``(sx[ix[p]], sy[iy[p]])``; raise ``ValueError`` for bad inputs found by the kernel."""
    code = _WRD if measure == "wrd" else (_WMD_RMS if metric == "rms" else _WMD)
    sx.common_dtype(sy)
    values, status = run_dynamic(_pairs_kernel, sx.addr, sx.len, sx.w0, sx.w, sy.addr, sy.len, sy.w0, sy.w, ix, iy, sx.d, code,
                                   max_iter, n_chunks(len(ix)), np.empty(0, sx.dtype))
    if not status.any():  # every pair solved: skip the per-flag scans (an index calls this twice per query)
        return values
    for flag, name, idx, what in ((_NONFINITE_X, sx.name, ix, "contains NaN or infinite values; clean them first"),
                                  (_NONFINITE_Y, sy.name, iy, "contains NaN or infinite values; clean them first"),
                                  (_EMPTY_X, sx.name, ix, _EMPTY_MSG), (_EMPTY_Y, sy.name, iy, _EMPTY_MSG)):
        bad = np.flatnonzero(status == flag)
        if bad.size:
            raise ValueError(f"{name}[{idx[bad[0]]}] {what}")
    warn_status(status)
    return values


_EMPTY_MSG = ("has only zero-norm vectors (or zero weights), so WRD is undefined; "
              "drop all-zero inputs before comparing")


def one_against_many(sx: _Seqs, docs: _Seqs, ids: np.ndarray, measure: str, metric: str = "euclidean",
                     max_iter: int = MAX_ITER) -> np.ndarray:
    """Distances from the one sequence of ``sx`` to ``docs`` number ``ids`` (see :meth:`_Seqs.packed`), one
    batch; ``sx`` is prepared once by the caller and reused across calls."""
    if sx.dtype != docs.dtype:
        raise TypeError(f"query dtype {np.dtype(sx.dtype)} differs from the documents' {np.dtype(docs.dtype)}")
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    return _run(sx, docs, np.zeros(len(ids), np.int64), ids, measure, metric, max_iter)


def _aligned(xs, ys, x_weights, y_weights, measure, metric, max_iter):
    max_iter = check_positive_int(max_iter, "max_iter")
    sx = _Seqs(xs, x_weights, "xs", "x_weights")
    sy = _Seqs(ys, y_weights, "ys", "y_weights", d=sx.d)
    if len(sx.len) != len(sy.len):
        raise ValueError(f"xs has {len(sx.len)} sequences but ys has {len(sy.len)}; pairs must align")
    idx = np.arange(len(sx.len), dtype=np.int64)
    return _run(sx, sy, idx, idx, measure, metric, max_iter)


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

    Both lists are described once (no copy); the ``len(xs) × len(ys)`` pairs are solved by the batch kernel in
    chunks of ``chunk_size`` pairs, with a progress bar when ``progress=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim.batch import pairwise
    >>> pairwise([np.array([[1.0, 0.0]])], [np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])])
    array([[0., 1.]])
    """
    check_choice(measure, "measure", OT_MEASURES)
    check_choice(metric, "metric", WMD_METRICS)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    max_iter = check_positive_int(max_iter, "max_iter")
    sx = _Seqs(xs, None, "xs", "x_weights")
    sy = _Seqs(ys, None, "ys", "y_weights", d=sx.d)
    nx, ny = len(sx.len), len(sy.len)
    out = np.empty(nx * ny)
    with _progress(progress, f"{measure.upper()} {nx}×{ny}", nx * ny) as advance:
        for lo in range(0, nx * ny, chunk_size):
            hi = min(lo + chunk_size, nx * ny)
            out[lo:hi] = _pair_chunk(sx, sy, ny, lo, hi, measure, metric, max_iter)
            advance(hi - lo)
    return out.reshape(nx, ny)


@contextmanager
def _progress(show: bool, label: str, total: int):
    """Yield an ``advance(n)`` callback: a rich progress bar when ``show``, else a no-op."""
    if not show:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _pair_chunk(sx, sy, ny, lo, hi, measure, metric, max_iter):
    flat = np.arange(lo, hi, dtype=np.int64)
    return _run(sx, sy, flat // ny, flat % ny, measure, metric, max_iter)
