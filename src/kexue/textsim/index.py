"""Exact top-k search by WRD or WMD with prefetch-and-prune (Kusner et al. 2015).

A query is scored against every document with cheap lower bounds (centroid and relaxed), documents are
visited in increasing order of the tighter bound, and the exact distance is computed only while the
bound is below the current k-th best distance. The result is the brute-force top-k: a document whose
lower bound already exceeds the k-th distance cannot be in the top-k.

Bounds over the whole corpus are vectorised: one (m × T) product of the query tokens with all T corpus
tokens, then a per-document min/max (the "linear-complexity relaxed WMD" layout of Atasu et al.).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from kexue._validation import as_float_array, check_choice, check_positive_int
from kexue.ot.masses import normalise_weights
from kexue.textsim.problems import OT_MEASURES, wrd_masses

_EPS32 = float(np.finfo(np.float32).eps)
_EPS64 = float(np.finfo(np.float64).eps)


@dataclass
class SearchStats:
    """What the last search did. ``pruned_by`` gives, per bound, the share of documents whose bound alone
    is at or above the final k-th distance (what that bound could prune on its own)."""

    n_documents: int
    candidates: int
    exact_solves: int
    pruned_fraction: float
    pruned_by: dict
    seconds: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


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
        Candidates solved exactly per round.

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim import Index
    >>> rng = np.random.default_rng(0)
    >>> docs = [rng.normal(size=(rng.integers(3, 9), 16)) for _ in range(50)]
    >>> idx, dist = Index(docs).search(docs[7], k=3)
    >>> int(idx[0]), float(dist[0])
    (7, 0.0)
    """

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
        self.centroids = np.zeros((len(arrays), self.dim))
        np.add.at(self.centroids, seg, point)
        self.centroid_sq = np.einsum("ij,ij->i", self.centroids, self.centroids)
        self.last_stats: SearchStats | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        arrays = [self.vectors, self.norms, self.masses, self.centroids, self.centroid_sq, self.lengths, self.offsets]
        return int(sum(a.nbytes for a in arrays))

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
    def _query_parts(self, query, query_weights):
        q = as_float_array(query, "query", ndim=2)
        if q.shape[1] != self.dim:
            raise ValueError(f"query vectors have dimension {q.shape[1]}, the index has {self.dim}; "
                             "embed the query with the corpus's embedder")
        nq = np.linalg.norm(q, axis=1)
        if self.measure == "wrd":
            p = wrd_masses(nq, query_weights, "query_weights")
            uq = q / np.where(nq > 0, nq, 1.0)[:, None]
            return q, p, uq, p @ uq
        p = normalise_weights(query_weights, q.shape[0], "query_weights")
        return q, p, None, p @ q

    def bounds(self, query, query_weights=None) -> tuple[np.ndarray, np.ndarray]:
        """Centroid and relaxed lower bounds of the query against every document (both ≤ exact)."""
        q, p, uq, cq = self._query_parts(query, query_weights)
        # ‖c_k − c_q‖² by expansion (one matrix-vector product), less a bound on its rounding error
        scale = self.centroid_sq + cq @ cq
        sq = np.maximum(scale - 2.0 * (self.centroids @ cq) - 4 * self.dim * _EPS64 * scale, 0.0)
        is_wrd = self.measure == "wrd"
        if is_wrd:
            centroid = 0.5 * sq
            dots = self.vectors @ uq.astype(np.float32).T  # (T, m): cosines times document-token norms
        else:
            centroid = np.sqrt(sq)
            dots = self.vectors @ q.astype(np.float32).T
        # a float32 dot product is off by at most ~d·eps relative: the kernel subtracts that from each cost
        side_q, side_d = _relaxed_sides(dots, self.norms, self.masses, self.offsets, p, (q ** 2).sum(1),
                                        is_wrd, 2.0 * self.dim * _EPS32)
        return centroid, np.maximum(side_q, side_d)

    # -- exact ------------------------------------------------------------------------------------------
    def exact(self, query, ids, query_weights=None) -> np.ndarray:
        """Exact distances from the query to documents ``ids`` (the values of ``wrd``/``wmd``), solved as one
        parallel batch."""
        from kexue.textsim.batch import wmd_batch, wrd_batch

        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros(0)
        q = np.asarray(query)
        xw = None if query_weights is None else [np.asarray(query_weights, np.float64)] * len(ids)
        yw = None if self.weights is None else [self.weights[i] for i in ids]
        solve = wrd_batch if self.measure == "wrd" else wmd_batch
        return solve([q] * len(ids), [self.document(i) for i in ids], xw, yw)

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
        centroid, relaxed = self.bounds(query_vectors, query_weights)
        bound = np.maximum(centroid, relaxed)
        order = np.argsort(bound, kind="stable")
        best_ids = np.zeros(0, dtype=np.int64)
        best_d = np.zeros(0)
        kth, pos, solved = np.inf, 0, 0
        while pos < len(order) and bound[order[pos]] < kth:
            chunk = order[pos:pos + (self.batch_size if len(best_d) else k)]
            pos += len(chunk)
            chunk = chunk[bound[chunk] < kth]
            d = self.exact(query_vectors, chunk, query_weights)
            solved += len(chunk)
            best_ids = np.concatenate([best_ids, chunk])
            best_d = np.concatenate([best_d, d])
            top = np.lexsort((best_ids, best_d))[:k]
            best_ids, best_d = best_ids[top], best_d[top]
            if len(best_d) == k:
                kth = best_d[-1]
        n = len(self)
        self.last_stats = SearchStats(
            n_documents=n, candidates=int(np.sum(bound < kth)) if np.isfinite(kth) else n,
            exact_solves=solved, pruned_fraction=1.0 - solved / n,
            pruned_by={"centroid": float(np.mean(centroid >= kth)), "relaxed": float(np.mean(relaxed >= kth)),
                       "combined": float(np.mean(bound >= kth))},
            seconds=time.perf_counter() - t0)
        return best_ids, best_d

    def brute_force(self, query_vectors, k: int = 10, *, query_weights=None):
        """Exact distances to every document, then the top-``k`` (the reference for :meth:`search`)."""
        k = min(check_positive_int(k, "k"), len(self))
        d = self.exact(query_vectors, np.arange(len(self)), query_weights)
        top = np.lexsort((np.arange(len(d)), d))[:k]
        return top, d[top]


@njit(cache=True, parallel=True)
def _relaxed_sides(dots, norms, masses, offsets, p, qq, is_wrd, slack):
    """Both one-constraint relaxations for every document, from the (T × m) products in one pass.

    WRD: cost ``1 − cos − slack``; WMD: ``sqrt(‖q‖² + ‖x‖² − 2 q·x − slack·(‖q‖² + ‖x‖²))``, clipped at 0.
    Zero-mass tokens take part in no feasible plan, so they are left out of the minima (tighter, still valid).
    """
    m = dots.shape[1]
    n_docs = offsets.shape[0] - 1
    side_q = np.zeros(n_docs)
    side_d = np.zeros(n_docs)
    for k in prange(n_docs):
        s, e = offsets[k], offsets[k + 1]
        total_q = 0.0
        for i in range(m):
            if p[i] > 0.0:
                best = np.inf
                for j in range(s, e):
                    if masses[j] > 0.0:
                        c = _cost(dots[j, i], norms[j], qq[i], is_wrd, slack)
                        if c < best:
                            best = c
                total_q += p[i] * best
        total_d = 0.0
        for j in range(s, e):
            if masses[j] > 0.0:
                best = np.inf
                for i in range(m):
                    if p[i] > 0.0:
                        c = _cost(dots[j, i], norms[j], qq[i], is_wrd, slack)
                        if c < best:
                            best = c
                total_d += masses[j] * best
        side_q[k] = total_q
        side_d[k] = total_d
    return side_q, side_d


@njit(cache=True, inline="always")
def _cost(dot, norm, qq, is_wrd, slack):
    if is_wrd:
        cos = dot / norm if norm > 0.0 else 0.0
        return max(1.0 - cos - slack, 0.0)
    nn = norm * norm
    return np.sqrt(max(qq + nn - 2.0 * dot - slack * (qq + nn), 0.0))
