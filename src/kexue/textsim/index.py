"""Exact top-k search by WRD or WMD with prefetch-and-prune (Kusner et al. 2015).

A query is scored against every document with cheap lower bounds, and the exact distance is computed only
for documents whose bound is below the current k-th best distance; a document whose lower bound already
exceeds the k-th distance cannot be in the top-k, so the result is the brute-force top-k.

The steps of :meth:`Index.search`:

1. the centroid bound of every document (one matrix-vector product);
2. a seed: exact distances to the documents whose centroids are most cosine-similar to the query's (a
   heuristic that finds near neighbours), giving a first k-th distance ``τ`` close to the final one;
3. for every other document whose centroid bound is below ``τ``, a bound refined block by block over rotated
   int8 token codes (relaxed bound on the leading coordinates + centroid term on the rest) and stopped as soon
   as it reaches ``τ`` (:mod:`kexue.textsim.quantized_bounds`);
4. for the documents still below ``τ`` near it, the same relaxed bound from the float32 vectors, without the
   codes' slack (:mod:`kexue.textsim.exact_relaxed`);
5. exact solves, in increasing order of the bound, while the bound is below the (shrinking) k-th distance.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit, prange

from kexue._validation import as_float_array, check_choice, check_positive_int
from kexue.ot.batch import n_chunks, run_dynamic
from kexue.ot.masses import normalise_weights
from kexue.textsim.exact_relaxed import dot_slack, exact_relaxed_bounds
from kexue.textsim.problems import OT_MEASURES, unit_rows, wrd_masses
from kexue.textsim.quantized_bounds import BLOCK, CorpusCodes, quantize_rows, relaxed_lower_bounds

_EPS32 = float(np.finfo(np.float32).eps)
_EPS64 = float(np.finfo(np.float64).eps)
_FORMAT = 5
_ARRAYS = ("vectors", "norms", "masses", "centroid_codes", "centroid_scale", "centroid_resid", "centroid_sq",
           "lengths", "offsets")


@dataclass
class SearchStats:
    """What the last search did.

    ``pruned_by``: per bound, the share of documents it ruled out against the final k-th distance —
    ``centroid`` over all documents; ``relaxed`` over the documents whose relaxed bound was evaluated (an
    early-stopped bound counts as ruling out); ``combined``: the share not solved exactly.
    ``relaxed_work``: the share of the full relaxed bound's query-token × corpus-token products computed.
    """

    n_documents: int
    candidates: int
    exact_solves: int
    pruned_fraction: float
    pruned_by: dict
    seconds: float
    relaxed_work: float = 1.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Query:
    """A validated query and what the search steps need from it (see :meth:`Index._prepare`)."""

    centroid: np.ndarray  # c_q
    centroid_rot: np.ndarray  # R c_q, padded to the codes' width
    codes: tuple  # (int8 codes, row constants, masses, real rows) for the bound kernel: rows with p > 0,
    #               heaviest first, padded to a multiple of ROWS = 4 with zero mass
    rows32: np.ndarray  # the same rows in float32 (unit for WRD), for the exact relaxed bound
    row_norms: np.ndarray  # their float64 norms


class Index:
    """A corpus of vector sequences prepared for exact top-k search.

    Parameters
    ----------
    vectors_list : sequence of arrays (m_k, d)
        One array of token vectors per document.
    measure : {"wrd", "wmd"}
    weights_list : sequence of arrays, optional
        Per-token weights (nBOW counts for WMD; extra factors on the norms for WRD).
    batch_size : int
        Candidates solved exactly in the first round (later rounds grow with the number solved).

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim import Index
    >>> rng = np.random.default_rng(0)
    >>> docs = [rng.normal(size=(rng.integers(3, 9), 16)).astype(np.float32) for _ in range(50)]
    >>> idx, dist = Index(docs).search(docs[7], k=3)  # the index stores float32, so float32 queries match exactly
    >>> int(idx[0]), float(dist[0])
    (7, 0.0)
    """

    seed_size = 20  # documents solved exactly first, to set the first k-th distance

    def __init__(self, vectors_list, measure: str = "wrd", weights_list=None, *, batch_size: int = 64):
        check_choice(measure, "measure", OT_MEASURES)
        docs = list(vectors_list)
        if not docs:
            raise ValueError("the corpus is empty; give at least one document")
        if weights_list is not None and len(weights_list) != len(docs):
            raise ValueError(f"weights_list has {len(weights_list)} entries for {len(docs)} documents")
        arrays = []
        for i, v in enumerate(docs):
            arrays.append(as_float_array(v, f"document {i}", ndim=2, dtype=np.float32))
        dims = {a.shape[1] for a in arrays}
        if len(dims) != 1:
            raise ValueError(f"documents have different vector dimensions {sorted(dims)}; use one embedder")
        self.measure = measure
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.dim = dims.pop()
        self.lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.vectors = np.concatenate(arrays).astype(np.float32)  # originals, for exact solves
        self.norms = np.linalg.norm(self.vectors.astype(np.float64), axis=1)
        self.weights = None if weights_list is None else [np.asarray(w, np.float64) for w in weights_list]
        self.masses = np.empty(self.vectors.shape[0])
        for i, a in enumerate(arrays):
            s, e = self.offsets[i], self.offsets[i + 1]
            w = None if self.weights is None else self.weights[i]
            if measure == "wrd":
                self.masses[s:e] = wrd_masses(self.norms[s:e], w, f"document {i}")
            else:
                self.masses[s:e] = normalise_weights(w, e - s, f"weights of document {i}")
        seg = np.repeat(np.arange(len(arrays)), self.lengths)
        if measure == "wrd":
            safe = np.where(self.norms > 0, self.norms, 1.0)
            point = self.vectors.astype(np.float64) / safe[:, None] * self.masses[:, None]
        else:
            point = self.vectors.astype(np.float64) * self.masses[:, None]
        centroids = np.zeros((len(arrays), self.dim))
        np.add.at(centroids, seg, point)
        self.centroid_sq = np.einsum("ij,ij->i", centroids, centroids)
        # rotated int8 codes of the unit token vectors for the relaxed bound (float32 originals serve exact solves)
        self.bound_codes = CorpusCodes.build(self.vectors, self.norms, self.masses, self.offsets, measure == "wrd")
        # centroids in the same rotated coordinates (dot products unchanged) as int16 codes with a scale and the
        # residual norm per document: the bound allows for the residual, and the centroid pass, which reads every
        # document for every query, reads half the bytes of float32
        codes, self.centroid_scale, resid = quantize_rows(self.bound_codes.rotate(centroids), levels=32767)
        self.centroid_resid = resid + 1e-12  # margin for the rotation's own rounding
        n_blocks = self.bound_codes.n_blocks
        self.centroid_codes = np.ascontiguousarray(codes.reshape(len(arrays), n_blocks, -1).transpose(1, 0, 2))
        self.last_stats: SearchStats | None = None

    def __getstate__(self):
        # the packed view holds raw data addresses, valid only in this process (Dask ships indexes by pickle)
        state = self.__dict__.copy()
        state.pop("_packed", None)
        return state

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def nbytes(self) -> int:
        """Bytes of all the index's arrays (in memory or memory-mapped)."""
        return int(sum(getattr(self, name).nbytes for name in _ARRAYS)) + self.bound_codes.nbytes

    @property
    def nbytes_in_memory(self) -> int:
        """Bytes held in memory: memory-mapped arrays (see :meth:`load`) stay on disk."""
        return int(sum(getattr(self, name).nbytes for name in _ARRAYS
                       if not isinstance(getattr(self, name), np.memmap))) + self.bound_codes.nbytes

    def save(self, path) -> None:
        """Write the index to the folder ``path`` (one ``.npy`` file per array and ``index.json``).

        Examples
        --------
        >>> import numpy as np, tempfile
        >>> from kexue.textsim import Index
        >>> docs = [np.random.default_rng(i).normal(size=(4, 8)) for i in range(20)]
        >>> folder = tempfile.mkdtemp()
        >>> Index(docs).save(folder)
        >>> int(Index.load(folder).search(docs[3], k=1)[0][0])
        3
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(path / f"{name}.npy", getattr(self, name))
        for name in CorpusCodes.FIELDS:
            np.save(path / f"bound_{name}.npy", getattr(self.bound_codes, name))
        if self.weights is not None:
            np.save(path / "weights.npy", np.concatenate(self.weights))
        meta = {"format": _FORMAT, "measure": self.measure, "dim": self.dim, "batch_size": self.batch_size,
                "weights": self.weights is not None, "block": BLOCK,
                "texts": getattr(self, "texts", None)}
        (path / "index.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, path, *, mmap_vectors: bool = True) -> "Index":
        """Read an index written by :meth:`save`.

        With ``mmap_vectors`` (default) the float32 token vectors, most of the bytes but read only for the few
        exact solves of a query, are memory-mapped and stay on disk; the bounds use the in-memory int8 codes.
        """
        path = Path(path)
        try:
            meta = json.loads((path / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read an index from {path}: {exc}; write one with Index.save") from None
        if meta.get("format") != _FORMAT or meta.get("block") != BLOCK:
            raise ValueError(f"{path} holds index format {meta.get('format')!r} (block {meta.get('block')!r}); this "
                             f"version reads format {_FORMAT}, block {BLOCK}: build the index again and save it")
        index = cls.__new__(cls)
        try:
            for name in _ARRAYS:
                mode = "r" if (mmap_vectors and name == "vectors") else None
                setattr(index, name, np.load(path / f"{name}.npy", mmap_mode=mode, allow_pickle=False))
            codes = {name: np.load(path / f"bound_{name}.npy", allow_pickle=False) for name in CorpusCodes.FIELDS}
            flat = np.load(path / "weights.npy", allow_pickle=False) if meta["weights"] else None
        except (OSError, ValueError) as exc:
            raise ValueError(f"index folder {path} is incomplete or damaged: {exc}") from None
        n_tokens = int(index.offsets[-1])
        index.bound_codes = CorpusCodes(**codes)
        if (index.vectors.shape != (n_tokens, meta["dim"]) or index.centroid_codes.shape[1] != len(index.lengths)
                or index.bound_codes.n_vec != -(-n_tokens // 8)
                or index.bound_codes.codes.size != index.bound_codes.n_vec * 8 * index.bound_codes.d_pad):
            raise ValueError(f"index folder {path} has arrays of inconsistent shapes; write it again")
        index.measure, index.dim, index.batch_size = meta["measure"], meta["dim"], meta["batch_size"]
        index.weights = None if flat is None else np.split(flat, index.offsets[1:-1])
        if meta.get("texts") is not None:
            index.texts = meta["texts"]
        index.last_stats = None
        return index

    @classmethod
    def from_texts(cls, texts, embedder=None, measure: str = "wrd", **kw) -> "Index":
        """Embed ``texts`` and index them; texts with no known token raise a ``ValueError`` naming them."""
        from kexue.textsim.embedders import get_embedder

        if embedder is None or isinstance(embedder, str):
            embedder = get_embedder(embedder or "minilm")
        embedded = embedder.embed(list(texts))
        for i, e in enumerate(embedded):
            e.require_tokens(f"corpus text {i}")
        index = cls([e.vectors for e in embedded], measure=measure, **kw)
        index.texts = [e.text for e in embedded]
        index.embedder = embedder
        return index

    def document(self, i: int) -> np.ndarray:
        return self.vectors[self.offsets[i]:self.offsets[i + 1]]

    # -- bounds -----------------------------------------------------------------------------------------
    def _prepare(self, query, query_weights) -> "_Query":
        """Validate the query and compute, once, what every step of a search needs from it (one rotation for
        the rows and the centroid together)."""
        q = as_float_array(query, "query", ndim=2)
        if q.shape[1] != self.dim:
            raise ValueError(f"query vectors have dimension {q.shape[1]}, the index has {self.dim}; "
                             "embed the query with the corpus's embedder")
        is_wrd = self.measure == "wrd"
        norms, units = unit_rows(q)
        if is_wrd:
            p = wrd_masses(norms, query_weights, "query_weights")
        else:
            p = normalise_weights(query_weights, q.shape[0], "query_weights")
        centroid = p @ (units if is_wrd else q)  # the point the centroid bound compares
        keep = np.nonzero(p > 0)[0]
        keep = keep[np.argsort(-p[keep], kind="stable")]  # heaviest rows first (see CorpusCodes.query)
        n_query = len(keep)
        rotated = self.bound_codes.rotate(np.vstack([units[keep], centroid[None, :]]))
        codes = self.bound_codes.query(rotated[:n_query], norms[keep], p[keep], is_wrd)
        # the same rows in float32 for the exact relaxed bound, padded like the codes (its kernel takes rows four
        # at a time; the padding rows have zero mass)
        rows32 = np.zeros((len(codes[2]), self.dim), np.float32)
        rows32[:n_query] = units[keep] if is_wrd else q[keep]
        row_norms = np.zeros(len(codes[2]))
        row_norms[:n_query] = norms[keep]
        return _Query(centroid=centroid, centroid_rot=rotated[n_query], codes=codes, rows32=rows32,
                      row_norms=row_norms)

    def _centroids(self, query: "_Query"):
        """Centroid lower bounds, centroid cosines and, per document and block, lower bounds on the tail part
        ``‖t_b(c_k − c_q)‖²`` (all coordinates after block ``b``): one pass over the int16 centroid codes, with
        the rounding and the codes' residuals allowed for (see :func:`_centroid_terms`).
        """
        if getattr(self, "_centroid_head_sq", None) is None:
            blocks = (self.centroid_codes.astype(np.float64) ** 2).sum(axis=2) * self.centroid_scale ** 2
            self._centroid_head_sq = np.ascontiguousarray(np.cumsum(blocks, axis=0).T)  # of ĉ = s·code
        cq = query.centroid
        x = query.centroid_rot.astype(np.float32)
        x_head_sq = np.cumsum((x.astype(np.float64) ** 2).reshape(self.bound_codes.n_blocks, -1).sum(axis=1))
        return _centroid_terms(self.centroid_codes, self.centroid_scale, self.centroid_resid, x, self.centroid_sq,
                               self._centroid_head_sq, x_head_sq, float(cq @ cq), self.measure == "wrd")

    def _relaxed(self, query: "_Query", ids, threshold=np.inf, tail_sq=None):
        """Relaxed bounds of documents ``ids`` (early-stopped at ``threshold``) and the share of products computed
        per document (1: the full bound). ``tail_sq``: the tail terms from :meth:`_centroids`, if already known."""
        bc = self.bound_codes
        if tail_sq is None:
            tail_sq = self._centroids(query)[2]
        qc, row_consts, pk, n_query = query.codes
        ids = np.asarray(ids, dtype=np.int64)
        order = None
        if ids.size > 1 and np.any(ids[1:] < ids[:-1]):  # the kernel takes documents in corpus order
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
        bounds, work = run_dynamic(relaxed_lower_bounds, bc.codes, bc.tok_consts, bc.block_consts, self.masses,
                                   self.offsets, np.ascontiguousarray(ids), qc, row_consts, pk, n_query,
                                   self.measure == "wrd", tail_sq, float(threshold), n_chunks(len(ids)))
        if order is not None:
            inverse = np.empty_like(order)
            inverse[order] = np.arange(len(order))
            bounds, work = bounds[inverse], work[inverse]
        return bounds, work

    def _relaxed_exact(self, query: "_Query", ids):
        """The relaxed bound of documents ``ids`` from the float32 vectors (see
        :mod:`kexue.textsim.exact_relaxed`): tighter than :meth:`_relaxed`, and slower per document."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros(0)
        masses = query.codes[2]
        return run_dynamic(exact_relaxed_bounds, query.rows32, query.row_norms, masses, self.vectors, self.norms,
                           self.masses, self.offsets, ids, self.measure == "wrd", dot_slack(self.dim),
                           n_chunks(len(ids)))

    def bounds(self, query, query_weights=None) -> tuple[np.ndarray, np.ndarray]:
        """Centroid and relaxed lower bounds of the query against every document (both ≤ exact)."""
        prepared = self._prepare(query, query_weights)
        centroid, _, tail_sq = self._centroids(prepared)
        relaxed, _ = self._relaxed(prepared, np.arange(len(self)), tail_sq=tail_sq)
        return centroid, relaxed

    # -- exact ------------------------------------------------------------------------------------------
    def exact(self, query, ids, query_weights=None) -> np.ndarray:
        """Exact distances from the query to documents ``ids`` (the values of ``wrd``/``wmd``), solved as one
        parallel batch."""
        return self._solver(query, query_weights)(ids)

    def _solver(self, query, query_weights=None):
        """``ids ↦`` exact distances from this query, with the query prepared once (a search solves twice)."""
        from kexue.textsim.batch import _Seqs, one_against_many, wmd_batch, wrd_batch

        q = np.asarray(query)
        if q.dtype == np.float32 and self.vectors.flags.c_contiguous:
            # float32 queries read the corpus in place: no per-document Python work
            if getattr(self, "_packed", None) is None:
                flat_w = None if self.weights is None else np.concatenate(self.weights)
                self._packed = _Seqs.packed(self.vectors, self.offsets, flat_w, "documents")
            sx = _Seqs([q], None if query_weights is None else [query_weights], "query", "query_weights",
                       d=self._packed.d)

            def solve(ids):
                ids = np.asarray(ids, dtype=np.int64)
                return one_against_many(sx, self._packed, ids, self.measure) if ids.size else np.zeros(0)
            return solve

        def solve_any(ids):  # other dtypes: the batch reads both sides in float64, as wrd/wmd do
            ids = np.asarray(ids, dtype=np.int64)
            if ids.size == 0:
                return np.zeros(0)
            xw = None if query_weights is None else [np.asarray(query_weights, np.float64)] * len(ids)
            yw = None if self.weights is None else [self.weights[i] for i in ids]
            solve = wrd_batch if self.measure == "wrd" else wmd_batch
            return solve([q] * len(ids), [self.document(i) for i in ids], xw, yw)
        return solve_any

    def search(self, query_vectors, k: int = 10, *, query_weights=None) -> tuple[np.ndarray, np.ndarray]:
        """The exact top-``k`` documents nearest to the query.

        Returns
        -------
        indices : ndarray of int, shape (k,)
        distances : ndarray of float, shape (k,)
            Ascending; exactly the brute-force result (ties may be ordered differently).
        """
        t0 = time.perf_counter()
        k = min(check_positive_int(k, "k"), len(self))
        prepared = self._prepare(query_vectors, query_weights)
        n = len(self)
        centroid, cos, tail_sq = self._centroids(prepared)
        # seed: exact distances of the documents whose centroid is most cosine-similar to the query's (a
        # heuristic used for ordering only: it finds near neighbours, so the first k-th distance is close to
        # the final one)
        m_seed = min(n, max(self.seed_size, k))
        seed = np.argpartition(-cos, m_seed - 1)[:m_seed] if m_seed < n else np.arange(n)
        exact = self._solver(query_vectors, query_weights)
        best_d = exact(seed)
        top = np.lexsort((seed, best_d))[:k]
        best_ids, best_d = seed[top], best_d[top]
        kth = best_d[-1] if len(best_d) == k else np.inf
        # the rest: relaxed bounds only where the centroid cannot rule out, stopped once they reach kth
        open_ = centroid < kth
        open_[seed] = False
        rest_ids = np.flatnonzero(open_)
        rel, work = self._relaxed(prepared, rest_ids, kth, tail_sq=tail_sq)
        rest_centroid = centroid[rest_ids]
        below = np.flatnonzero(np.maximum(rest_centroid, rel) < kth)  # kth only decreases: no one enters
        if len(below):
            # the same relaxed bound from the float32 vectors: without the codes' slack it rules out two in three
            # WRD candidates on STS-B, for a third of an exact solve each. Only a candidate within the codes' slack
            # of the threshold can be ruled out: the slack is measured on the candidates nearest the threshold,
            # and the rest are refined only if that close (WMD's thousands of candidates mostly are not)
            below = below[np.argsort(np.maximum(rest_centroid[below], rel[below]), kind="stable")]
            probe = below[-self.batch_size:]
            exact_rel = self._relaxed_exact(prepared, rest_ids[probe])
            slack = float(np.max(exact_rel - rel[probe]))
            rel[probe] = np.maximum(rel[probe], exact_rel)
            more = below[:-self.batch_size]
            more = more[np.maximum(rest_centroid[more], rel[more]) >= kth - slack]
            if len(more):
                rel[more] = np.maximum(rel[more], self._relaxed_exact(prepared, rest_ids[more]))
        cand_bound = np.maximum(rest_centroid[below], rel[below])
        keep = cand_bound < kth
        order = np.argsort(cand_bound[keep], kind="stable")
        cand, cand_bound = rest_ids[below[keep][order]], cand_bound[keep][order]
        pos, n_solved = 0, len(seed)
        while pos < len(cand) and cand_bound[pos] < kth:
            # rounds grow with the work done: small batches leave the cores idle between parallel calls
            step = max(self.batch_size, n_solved // 2)
            chunk = cand[pos:pos + step][cand_bound[pos:pos + step] < kth]
            pos += step
            d = exact(chunk)
            n_solved += len(chunk)
            best_ids = np.concatenate([best_ids, chunk])
            best_d = np.concatenate([best_d, d])
            top = np.lexsort((best_ids, best_d))[:k]
            best_ids, best_d = best_ids[top], best_d[top]
            if len(best_d) == k:
                kth = best_d[-1]
        ruled_out = int(np.count_nonzero(rel >= kth))
        self.last_stats = SearchStats(
            n_documents=n,
            candidates=(int(np.count_nonzero(centroid[seed] < kth))
                        + int(np.count_nonzero((rest_centroid < kth) & (rel < kth))) if np.isfinite(kth) else n),
            exact_solves=n_solved, pruned_fraction=1.0 - n_solved / n,
            pruned_by={"centroid": float(np.count_nonzero(centroid >= kth)) / n,
                       "relaxed": ruled_out / len(rest_ids) if len(rest_ids) else 0.0,
                       "combined": 1.0 - n_solved / n},
            seconds=time.perf_counter() - t0,
            relaxed_work=float(work.sum()) / n)
        return best_ids, best_d

    def brute_force(self, query_vectors, k: int = 10, *, query_weights=None):
        """Exact distances to every document, then the top-``k`` (the reference for :meth:`search`)."""
        k = min(check_positive_int(k, "k"), len(self))
        d = self.exact(query_vectors, np.arange(len(self)), query_weights)
        top = np.lexsort((np.arange(len(d)), d))[:k]
        return top, d[top]


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _centroid_terms(A, scale, resid, x, centroid_sq, centroid_head_sq, x_head_sq, qq, is_wrd):
    """Per document, in one pass: the centroid bound, the centroid cosine, and lower bounds on the squared
    centroid distance of the coordinates after each block (``tail[:, b]``; the last column, after all
    coordinates, is 0).

    The rotated centroids are ``c_k = ĉ_k + r_k`` with ``ĉ_k = scale[k]·A[:, k, :]`` (int16 codes, block-major)
    and ``‖r_k‖ ≤ resid[k]``; ``x`` is the rotated query centroid in float32. The float32 partial sums of
    ``ĉ_k·x`` are within ``(d + 2)·eps32·‖ĉ_k‖‖x‖`` of the exact ones, and ``‖x − c_q‖ ≤ eps32·‖c_q‖``;
    ``centroid_head_sq[k, b]`` and ``x_head_sq[b]`` are the squared norms of ``ĉ_k`` and ``x`` up to block b.
    numba, not BLAS: a BLAS call leaves its threads spinning for a while, and on a small machine they then steal
    the cores from the numba kernels that follow (measured: 16 ms stalls of 0.1 ms batch solves).
    """
    n_blocks, n, width = A.shape
    d = n_blocks * width
    slack = (d + 2) * _EPS32 + 1e-12
    x_norm = np.sqrt(x_head_sq[-1])
    q_norm = np.sqrt(qq)
    bound = np.empty(n)
    cos = np.empty(n)
    tail = np.empty((n, n_blocks))
    # the block sums ĉ_k·x, four documents at a time (four independent FMA chains)
    partial = np.empty((n, n_blocks), np.float32)
    for t in prange((n + 3) // 4):
        i0 = 4 * t
        if i0 + 4 <= n:
            for b in range(n_blocks):
                a0 = np.float32(0.0)
                a1 = np.float32(0.0)
                a2 = np.float32(0.0)
                a3 = np.float32(0.0)
                for h in range(width):
                    xh = x[b * width + h]
                    a0 += np.float32(A[b, i0, h]) * xh
                    a1 += np.float32(A[b, i0 + 1, h]) * xh
                    a2 += np.float32(A[b, i0 + 2, h]) * xh
                    a3 += np.float32(A[b, i0 + 3, h]) * xh
                partial[i0, b] = a0
                partial[i0 + 1, b] = a1
                partial[i0 + 2, b] = a2
                partial[i0 + 3, b] = a3
        else:
            for i in range(i0, n):
                for b in range(n_blocks):
                    acc = np.float32(0.0)
                    for h in range(width):
                        acc += np.float32(A[b, i, h]) * x[b * width + h]
                    partial[i, b] = acc
    for i in prange(n):
        c_hat = np.sqrt(centroid_head_sq[i, n_blocks - 1])
        # on ‖h(ĉ − x)‖² = ‖h(x)‖² + ‖h(ĉ)‖² − 2 h(ĉ)·h(x): the float32 partial sums, and float64 rounding
        err = 2.0 * slack * c_hat * x_norm + 4 * d * _EPS64 * (x_head_sq[-1] + c_hat * c_hat)
        move = resid[i] + _EPS32 * (np.sqrt(centroid_sq[i]) + q_norm) + 1e-9  # ‖(c_k − c_q) − (ĉ_k − x)‖
        dot = 0.0
        for b in range(n_blocks):
            dot += float(partial[i, b]) * scale[i]
            tail[i, b] = x_head_sq[b] + centroid_head_sq[i, b] - 2.0 * dot  # the head's squared distance, for now
        norm = np.sqrt(centroid_sq[i] * qq)
        total = centroid_sq[i] + qq
        # |dot − c_k·c_q| ≤ slack‖ĉ‖‖x‖ + ‖r_k‖‖x‖ + ‖c_k‖‖x − c_q‖
        dot_err = slack * c_hat * x_norm + resid[i] * x_norm + _EPS32 * norm
        v = max(total - 2.0 * (dot + dot_err) - 4 * d * _EPS64 * total, 0.0)
        for b in range(n_blocks - 1):
            hu = np.sqrt(max(tail[i, b] + err, 0.0)) + move  # ≥ ‖h_b(c_k − c_q)‖
            tail[i, b] = max(v - hu * hu, 0.0)
        tail[i, n_blocks - 1] = 0.0
        bound[i] = 0.5 * v if is_wrd else np.sqrt(v)
        cos[i] = dot / max(norm, 1e-300)
    return bound, cos, tail
