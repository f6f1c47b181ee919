"""Lower bounds on WRD/WMD from rotated int8 token codes, refined block by block and stopped at a threshold.

The relaxed bound of a query (tokens ``q_i``, masses ``p_i``) against a document (tokens ``x_j``, masses
``b_j``) keeps one marginal constraint:

    side_q = Σ_i p_i min_j c(q_i, x_j),     side_d = Σ_j b_j min_i c(q_i, x_j),     relaxed = max(side_q, side_d),

with ``c = ½‖u − v‖² = 1 − cos`` of the unit vectors (WRD) or ``‖q − x‖`` (WMD). It needs every query-token ×
corpus-token product; this module gets most documents ruled out after a fraction of them
(:class:`CorpusCodes` holds the corpus side, :func:`relaxed_lower_bounds` is the kernel):

1. **Rotation.** Unit token vectors are rotated by an orthogonal ``R`` (eigenvectors of their second moment,
   largest first): distances do not change, and the leading coordinates carry most of the energy (on
   STS-B/MiniLM the first 64 of 384 hold about half).
2. **Head + tail.** Split the rotated coordinates into the first ``e`` (head ``h``) and the rest (tail ``t``).
   The squared cost splits over orthogonal coordinates and each part has its own cheapest plan, so

       WRD ≥ Σ_i p_i min_j ½‖h(u_i) − h(v_j)‖² + ½‖t(c_q) − t(c_k)‖²

   (relaxed bound on the head, Jensen on the tail; ``c`` = mass-weighted mean of the unit vectors), and for WMD
   by Minkowski's inequality ``WMD ≥ √((Σ_i p_i min_j ‖h(q_i) − h(x_j)‖)² + ‖t(c_q) − t(c_k)‖²)``. At ``e = 0``
   this is the centroid bound, at ``e = d`` the relaxed bound; the head grows one block of ``BLOCK``
   coordinates at a time, and a row not yet processed in a block keeps its previous block's term.
3. **int8 codes on both sides, certified.** Corpus: ``R u_j = s_j k_j + e_j`` with ``k_j ∈ {−127, …, 127}^d``
   and the head norms ``‖h(e_j)‖`` kept. Query: ``w = σ q̂ + f`` per block, ``q̂ ∈ {−64, …, 64}`` (the range
   that keeps ``vpmaddubsw`` exact), and the head norms ``φ = ‖h(f)‖`` kept. Then

       h(w)·h(u_j) ≤ s_j Σ_b σ_b (q̂_b·k_jb) + ‖h(w)‖ ‖h(e_j)‖ + ‖h(f)‖ s_j‖h(k_j)‖ + slack

   (Cauchy–Schwarz on each rounding), the integer sums are exact, per-token quantities are rounded the safe way
   and the float32 arithmetic is covered by explicit slack (``dot_slack``, ``_ROUNDING``), so every value is a
   bound, not an estimate.
4. **Early stopping.** The bound only grows with rows and blocks, so a document stops as soon as it reaches the
   threshold (the current k-th distance), after any group of query rows (heaviest first) in any block.

Layout: the tokens of all documents, in corpus order and without padding between documents, are grouped eight
to a vector, and the codes stored block-major — block ``b`` of the whole corpus is one contiguous stream — so a
run of consecutive documents still open is one stretch of the stream, and a document stopped early reads only its
first blocks. Documents are refined ``GROUP`` at a time: for each block and group of four query rows, one kernel
call per run of open documents computes the keys of every token, and each document then takes its own row
minima. The inner loops are explicit vector code (:mod:`kexue.textsim.simd_kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from kexue.textsim.simd_kernels import (BIG as _BIG, BLOCK_FIELDS, OFFSET, QMAX, ROW_FIELDS, ROWS, TOKEN_FIELDS,
                                        doc_rows, stream_rows)

_EPS32 = float(np.finfo(np.float32).eps)
_U32 = _EPS32 / 2  # unit roundoff of float32
_ROUNDING = 64 * _U32  # relative slack for the float32 evaluation of a cost from its parts (≈ 25 u needed)
BLOCK = 128  # rotated dimensions per block
LANES = 8  # corpus tokens per vector (documents share vectors: no padding between them)
GROUP = 64  # documents whose bounds are refined together (scratch arrays stay in cache)
BIG = np.float32(_BIG)


def dot_slack(dim: int) -> float:
    """Bound on the float32 rounding of ``s (w·k)`` for a unit ``w`` and ``‖s k‖ ≤ 1.1``, plus float64 terms."""
    return 2.2 * dim * _EPS32 + 1e-12


def _up32(x) -> np.ndarray:
    """float32 values ≥ ``x`` (float64)."""
    y = np.asarray(x, np.float64).astype(np.float32)
    return np.where(y.astype(np.float64) < x, np.nextafter(y, np.float32(np.inf)), y)


def _down32(x) -> np.ndarray:
    y = np.asarray(x, np.float64).astype(np.float32)
    return np.where(y.astype(np.float64) > x, np.nextafter(y, np.float32(-np.inf)), y)


def principal_rotation(units: np.ndarray, *, max_rows: int = 100_000, seed: int = 0) -> np.ndarray:
    """Orthogonal ``R`` (rows = eigenvectors of the uncentred second moment of ``units``, largest first).

    Any orthogonal matrix keeps the bounds valid; this one makes the leading dimensions carry the most energy.
    """
    rows = units
    if len(units) > max_rows:
        rows = units[np.random.default_rng(seed).choice(len(units), max_rows, replace=False)]
    _, vecs = np.linalg.eigh(rows.T @ rows)
    q, _ = np.linalg.qr(vecs[:, ::-1])  # re-orthonormalised
    return np.ascontiguousarray(q.T)


def quantize_rows(rows: np.ndarray, levels: int = 127):
    """Integer codes ``k`` (``|k| ≤ levels``; int8 up to 127, else int16), scales ``s`` and residual norms
    ``‖x − s k‖`` (rounded up) of the rows ``x`` of ``rows``, one scale per row (``s = max|x| / levels``).

    Zero rows get code 0, scale 0 and residual 0 (their dot product with anything is exactly 0).
    """
    scales = np.abs(rows).max(axis=1) / float(levels)
    dtype = np.int8 if levels <= 127 else np.int16
    codes = np.rint(rows / np.where(scales > 0, scales, 1.0)[:, None]).astype(dtype)
    residual = np.linalg.norm(rows - scales[:, None] * codes, axis=1)
    return codes, scales, residual * (1.0 + 1e-12) + 1e-15


@dataclass
class CorpusCodes:
    """The corpus side of the bound, in the layout the kernel reads.

    Tokens are numbered across the corpus (document ``k`` holds tokens ``offsets[k] … offsets[k+1] − 1``) and
    grouped eight to a vector, with no padding between documents (only after the last token). Block ``b`` of
    vector ``v`` is ``BLOCK·8`` bytes ``k + 128`` from ``codes[(b·n_vec + v)·BLOCK·8]``, in groups of four
    dimensions (four bytes per token, the eight tokens in turn): one block of the whole corpus is one stream, and
    a run of consecutive documents is one stretch of it. Per token (float32), with δ = 1 (WRD) or ‖x‖ (WMD) and
    κ = ½ (WRD) or 1 (WMD): ``a`` = δ s, ``c`` = δ·slack, and per block ``beta`` = κ δ² ‖head_b(R u)‖² rounded down
    (``BIG`` for padding and zero-mass tokens), ``tail`` = δ ‖head_b(e)‖ and ``kn`` = δ s ‖head_b(k)‖, so that the
    head cost after block b is at least ``α_i + β_j − γ_i (a_j P_ij + ρ_i tail_j + φ_i kn_j + c_j)`` (see
    :mod:`kexue.textsim.simd_kernels`).
    """

    rotation: np.ndarray  # (d, d) float64
    codes: np.ndarray  # uint8 (code + 128), flat, block-major (see the class docstring)
    tok_consts: np.ndarray  # (n_vec, 2, 8) float32: a, c of each vector of 8 tokens
    block_consts: np.ndarray  # (n_blocks, n_vec, 3, 8) float32: β, τ and kn after each block

    FIELDS = ("rotation", "codes", "tok_consts", "block_consts")

    @property
    def nbytes(self) -> int:
        return int(sum(getattr(self, f).nbytes for f in self.FIELDS))

    @property
    def d_pad(self) -> int:
        """The dimension rounded up to whole blocks (the codes' padded width)."""
        return -(-self.rotation.shape[0] // BLOCK) * BLOCK

    @property
    def n_blocks(self) -> int:
        return self.d_pad // BLOCK

    @classmethod
    def build(cls, vectors: np.ndarray, norms: np.ndarray, masses: np.ndarray, offsets: np.ndarray,
              is_wrd: bool, rotation: np.ndarray | None = None) -> "CorpusCodes":
        n_tok, d = vectors.shape
        d_pad = -(-d // BLOCK) * BLOCK
        n_blocks = d_pad // BLOCK
        units = vectors.astype(np.float64) / np.where(norms > 0, norms, 1.0)[:, None]  # norms given: not recomputed
        if rotation is None:
            rotation = principal_rotation(units)
        rotated = np.zeros((n_tok, d_pad))
        rotated[:, :d] = units @ rotation.T
        codes, scales, _ = quantize_rows(rotated)
        # ‖h_b(e)‖, the residual of the head after each block (the bound pairs it with ‖h_b(w)‖); R is orthogonal
        # and R u, R v are computed only to ~1e-13 in float64: 1e-10 covers both, generously
        err = (rotated - scales[:, None] * codes).reshape(n_tok, n_blocks, BLOCK)
        residual = np.sqrt(np.cumsum((err ** 2).sum(2), axis=1)) * (1.0 + 1e-12) + 1e-15 + 1e-10 * (norms > 0)[:, None]
        n_vec = -(-n_tok // LANES)
        n_pad = n_vec * LANES
        live = masses > 0  # zero-mass tokens are in no feasible plan: left out (the bound stays valid)
        slack = dot_slack(d_pad)
        # head part of the cost after block b, for x_j = δ_j u_j (δ = 1 for WRD, ‖x_j‖ for WMD):
        #   κ‖h_q − h_x‖² = κ(‖h_q‖² + δ²‖h_u‖²) − 2κδ‖q‖ h_w·h_u,  h_w·h_u ≤ s (w·k)_head + ‖h_w‖‖e‖ + slack
        # (κ = ½ for WRD, whose cost is ½‖u − v‖² of unit vectors; κ = 1 for WMD's squared distance)
        delta = np.ones(n_tok) if is_wrd else norms
        kappa = 0.5 if is_wrd else 1.0
        head_sq = np.cumsum((rotated ** 2).reshape(n_tok, n_blocks, BLOCK).sum(2), axis=1)
        a = np.zeros(n_pad, np.float32)
        beta = np.full((n_blocks, n_pad), BIG, np.float32)
        c = np.zeros(n_pad, np.float32)
        tail = np.zeros((n_blocks, n_pad), np.float32)
        a[:n_tok] = delta * scales
        beta[:, np.nonzero(live)[0]] = _down32(kappa * (delta[live] ** 2) * head_sq[live].T * (1.0 - _ROUNDING))
        c[:n_tok] = _up32(delta * slack + 1e-12)
        tail[:, :n_tok] = _up32(delta[:, None] * residual * (1.0 + 1e-12)).T
        kn = np.zeros((n_blocks, n_pad), np.float32)  # δ s ‖head_b(k)‖: multiplies the query's rounding φ
        code_sq = np.cumsum((codes.astype(np.float64) ** 2).reshape(n_tok, n_blocks, BLOCK).sum(2), axis=1)
        kn[:, :n_tok] = _up32(delta[:, None] * scales[:, None] * np.sqrt(code_sq) * (1.0 + 1e-12)).T
        fields = {"a": a, "c": c, "kn": kn, "beta": beta, "tail": tail}
        tok_consts = np.stack([fields[f].reshape(-1, LANES) for f in TOKEN_FIELDS], axis=1)
        block_consts = np.stack([fields[f].reshape(n_blocks, -1, LANES) for f in BLOCK_FIELDS], axis=2)
        # (token, dimension) → (block, vector, group of four dimensions, lane, dimension in the group)
        padded = np.zeros((n_pad, d_pad), np.int16)
        padded[:n_tok] = codes
        blocked = padded.reshape(n_vec, LANES, n_blocks, BLOCK // 4, 4).transpose(2, 0, 3, 1, 4)
        flat = np.ascontiguousarray((blocked + OFFSET).astype(np.uint8)).reshape(-1)
        return cls(rotation=rotation, codes=flat, tok_consts=tok_consts, block_consts=block_consts)

    @property
    def n_vec(self) -> int:
        """Vectors of eight tokens (the last one padded)."""
        return self.tok_consts.shape[0]

    def rotate(self, rows: np.ndarray) -> np.ndarray:
        """``rows @ R.T`` padded with zero columns to ``d_pad`` (float64)."""
        rows = np.atleast_2d(np.asarray(rows, np.float64))
        out = np.zeros((rows.shape[0], self.d_pad))
        out[:, :rows.shape[1]] = _rotate(np.ascontiguousarray(rows), self.rotation)
        return out

    def query(self, rotated: np.ndarray, norms: np.ndarray, p: np.ndarray, is_wrd: bool):
        """Query-side arrays from the query's rotated unit rows (``rotate`` of the unit rows with ``p > 0``,
        heaviest first: the partial sum then reaches the threshold soonest; the order never changes the bound),
        their norms and masses: the rows padded to ``ROWS`` rows as int8 codes with one float32 scale per row and
        block (``w = σ q̂ + f``, ``|q̂| ≤ QMAX``), the kernel's per-row constants (σ, φ, ρ, α, −γ and the offset
        correction, see :func:`_query_codes`) and the padded masses. Returns ``(codes, row_consts, masses, number
        of real rows)``."""
        n_query = rotated.shape[0]
        rows = -(-n_query // ROWS) * ROWS
        w = np.zeros((rows, self.d_pad))
        w[:n_query] = rotated
        pk = np.zeros(rows)
        pk[:n_query] = p
        qc, row_consts = _query_codes(w, n_query, norms, is_wrd)
        return qc, row_consts, pk, n_query


@njit(cache=True, inline="always")
def _up32s(x):
    """The smallest float32 ≥ ``x``."""
    y = np.float32(x)
    return np.nextafter(y, np.float32(np.inf)) if np.float64(y) < x else y


@njit(cache=True, inline="always")
def _down32s(x):
    y = np.float32(x)
    return np.nextafter(y, np.float32(-np.inf)) if np.float64(y) > x else y


assert ROW_FIELDS == ("sigma", "phi", "rho", "alpha", "neg_gamma", "qoff")  # the order _query_codes writes


@njit(cache=True)
def _query_codes(w, n_query, nq, is_wrd):
    """int8 codes and the kernel's per-row constants (see :meth:`CorpusCodes.query`) of the rotated unit rows
    ``w`` (padding rows after ``n_query`` are zero): per block ``σ = max|w|/QMAX`` (float32), ``q̂ = rint(w/σ)``,
    the rounding ``f = w − σ q̂`` measured in float64, and the cumulative head norms ρ = ‖h(w)‖, φ = ‖h(f)‖."""
    rows, d_pad = w.shape
    n_blocks = d_pad // BLOCK
    qc = np.zeros((rows, d_pad), np.int8)
    row_consts = np.zeros((n_blocks, rows, 8), np.float32)
    qoff = row_consts.view(np.int32)
    for i in range(rows):
        head_sq = 0.0
        f_sq = 0.0
        for b in range(n_blocks):
            big = 0.0
            for h in range(b * BLOCK, (b + 1) * BLOCK):
                big = max(big, abs(w[i, h]))
            sigma = np.float32(big / QMAX)
            s64 = np.float64(sigma)
            total = 0
            for h in range(b * BLOCK, (b + 1) * BLOCK):
                code = min(max(np.rint(w[i, h] / s64), -QMAX), QMAX) if s64 > 0 else 0.0
                qc[i, h] = np.int8(code)
                total += np.int32(code)
                f = w[i, h] - s64 * code
                f_sq += f * f
                head_sq += w[i, h] * w[i, h]
            row_consts[b, i, 0] = sigma
            row_consts[b, i, 1] = _up32s(np.sqrt(f_sq) * (1.0 + 1e-12) + 1e-15)
            row_consts[b, i, 2] = _up32s(np.sqrt(head_sq) * (1.0 + 1e-12))
            if i >= n_query:  # padding rows: keys never win a minimum
                row_consts[b, i, 3] = BIG
                row_consts[b, i, 4] = 0.0
            elif is_wrd:
                row_consts[b, i, 3] = _down32s(0.5 * head_sq * (1.0 - _ROUNDING) - _ROUNDING)
                row_consts[b, i, 4] = -1.0
            else:
                row_consts[b, i, 3] = _down32s(nq[i] ** 2 * head_sq * (1.0 - _ROUNDING))
                row_consts[b, i, 4] = -np.float32(2.0 * nq[i])
            qoff[b, i, 5] = OFFSET * total
    return qc, row_consts


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _rotate(rows, rotation):
    """``rows @ rotation.T`` in numba: a BLAS call would leave its threads spinning, and on a small machine they
    then steal the cores from the numba kernel that follows (measured: the bound kernel ran 1.8× slower). Four
    rows at a time: four independent FMA chains per rotation row."""
    n, d = rows.shape
    out = np.empty((n, rotation.shape[0]))
    n4 = n - n % 4
    for r in prange(rotation.shape[0]):
        for i in range(0, n4, 4):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for h in range(d):
                x = rotation[r, h]
                a0 += rows[i, h] * x
                a1 += rows[i + 1, h] * x
                a2 += rows[i + 2, h] * x
                a3 += rows[i + 3, h] * x
            out[i, r] = a0
            out[i + 1, r] = a1
            out[i + 2, r] = a2
            out[i + 3, r] = a3
        for i in range(n4, n):
            acc = 0.0
            for h in range(d):
                acc += rows[i, h] * rotation[r, h]
            out[i, r] = acc
    return out


@njit(cache=True, inline="always")
def _combine(rows_sum, tail_sq, is_wrd):
    """The bound from the head rows' sum and the tail centroid term: WRD ``rows + ½‖Δc_t‖²`` (the cost splits
    over orthogonal coordinates); WMD ``√(rows² + ‖Δc_t‖²)`` (Minkowski: Σ T ‖(a, b)‖ ≥ ‖(Σ T a, Σ T b)‖)."""
    if is_wrd:
        return rows_sum + 0.5 * tail_sq
    return np.sqrt(rows_sum * rows_sum + tail_sq)


@njit(cache=True, inline="always")
def _finish(key, is_wrd):
    return float(key) if is_wrd else np.sqrt(float(key))


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def relaxed_lower_bounds(codes, tok_consts, block_consts, masses, offsets, doc_ids, qc, row_consts, p, n_query, is_wrd,
                         tail_lb, threshold, n_chunks):
    """Lower bounds of the query against documents ``doc_ids`` (ascending), block by block, stopping at ``threshold``.

    After block b: ``H = Σ_i p_i min_j c_head(i, j)`` over the leading dimensions and the tail centroid term
    ``T = ‖(c_q − c_k)_tail‖²`` (``tail_lb[k, b]`` ≤ T after block b), combined by :func:`_combine`. A row not yet
    processed in a block keeps its previous block's term (also a bound).

    Documents are taken ``GROUP`` at a time (consecutive in ``doc_ids``); for each block and group of four query
    rows, the documents still open form runs of consecutive token vectors, each run is one kernel call
    (:func:`stream_rows`), and each document then takes its own row minima (:func:`doc_rows`) and stops once its
    bound reaches ``threshold``. Returns the bounds (a value ≥ ``threshold`` with ``work < 1`` means "ruled out",
    not the full bound) and the share of the full products computed per document (1: full bound).
    """
    n_ids = doc_ids.shape[0]
    mq, d_pad = qc.shape
    n_blocks = block_consts.shape[0]
    n_vec = tok_consts.shape[0]
    vbytes = BLOCK * LANES
    out = np.empty(n_ids)
    work = np.empty(n_ids)
    per = (n_ids + n_chunks - 1) // n_chunks
    full_cells = max(1, n_query) * d_pad
    alpha = np.empty((n_blocks, mq))  # the rows' α in float64, four rows to a vector load
    for b in range(n_blocks):
        for i in range(mq):
            alpha[b, i] = row_consts[b, i, 3]
    for ch in prange(n_chunks):
        c0 = ch * per
        c1 = min(n_ids, c0 + per)
        width = LANES  # the widest group's span of tokens, for the scratch arrays
        for g0 in range(c0, c1, GROUP):
            g1 = min(c1, g0 + GROUP)
            v_lo = offsets[doc_ids[g0]] // LANES
            v_hi = (offsets[doc_ids[g1 - 1] + 1] + LANES - 1) // LANES
            width = max(width, (v_hi - v_lo) * LANES)
        P = np.empty((mq, width), np.float32)
        keys = np.empty((ROWS, width + LANES), np.float32)  # slack: doc_rows reads whole vectors
        best_d = np.empty(width + LANES, np.float32)
        m_row = np.empty((GROUP, mq))
        rows_sum = np.empty(GROUP)
        cells = np.empty(GROUP, np.int64)
        open_ = np.empty(GROUP, np.bool_)
        for g0 in range(c0, c1, GROUP):
            g1 = min(c1, g0 + GROUP)
            v_lo = offsets[doc_ids[g0]] // LANES
            for t in range(g0, g1):
                open_[t - g0] = True
                rows_sum[t - g0] = 0.0
                cells[t - g0] = 0
            n_open = g1 - g0
            for b in range(n_blocks):
                last_block = b == n_blocks - 1
                if last_block:  # side_d from the full keys only
                    best_d[:] = BIG
                for i0 in range(0, n_query, ROWS):
                    nr = min(ROWS, n_query - i0)
                    # runs of open documents over consecutive vectors (a vector shared by two documents once);
                    # t = g1 closes the last run
                    run0 = -1
                    run1 = -1
                    vs = 0
                    ve = 0
                    for t in range(g0, g1 + 1):
                        if t < g1:
                            if not open_[t - g0]:
                                continue
                            vs = offsets[doc_ids[t]] // LANES
                            ve = (offsets[doc_ids[t] + 1] + LANES - 1) // LANES
                            if run0 >= 0 and vs <= run1:
                                run1 = max(run1, ve)
                                continue
                        if run0 >= 0:
                            stream_rows(nr, codes, (b * n_vec + run0) * vbytes, run1 - run0, b * BLOCK,
                                        (b + 1) * BLOCK, qc, i0, P, (run0 - v_lo) * LANES, tok_consts, block_consts,
                                        b, run0, row_consts, keys, best_d, last_block, b == 0)
                        run0 = vs
                        run1 = ve
                    # each open document: its row minima, the bound so far, and stop at the threshold
                    for t in range(g0, g1):
                        j = t - g0
                        if not open_[j]:
                            continue
                        k = doc_ids[t]
                        delta = doc_rows(keys, offsets[k] - v_lo * LANES, offsets[k + 1] - v_lo * LANES, nr,
                                         alpha, b, i0, p, m_row, j, b == 0, not is_wrd)
                        rows_sum[j] += delta
                        cells[j] += nr * BLOCK
                        if not (last_block and i0 + nr >= n_query):  # the last block ends with side_d below
                            side = _combine(rows_sum[j], tail_lb[k, b], is_wrd)
                            if side >= threshold:
                                open_[j] = False
                                n_open -= 1
                                out[t] = side
                                work[t] = cells[j] / full_cells
                    if n_open == 0:
                        break
                if n_open == 0:
                    break
                if last_block:
                    for t in range(g0, g1):
                        j = t - g0
                        if open_[j]:
                            k = doc_ids[t]
                            side_d = 0.0
                            for tok in range(offsets[k], offsets[k + 1]):
                                if masses[tok] > 0.0:
                                    side_d += masses[tok] * _finish(max(best_d[tok - v_lo * LANES], 0.0), is_wrd)
                            out[t] = max(rows_sum[j], side_d)
                            work[t] = 1.0
    return out, work
