"""Similarity beyond one machine with ``dask.distributed``: the same answers as the local functions.

- :func:`score_pairs_dask` scores aligned pairs in chunks on the workers with the local
  :func:`kexue.textsim.pairs.score_pairs` (identical values).
- :func:`score_pair_file_dask` scores a TAB-separated pair file on the workers and writes the same JSON lines
  (error rows included) as ``kexue similarity --pairs``, in file order.
- :class:`ShardedIndex` builds one exact :class:`~kexue.textsim.Index` per shard on the workers (kept there)
  and merges the shards' top-k into the global top-k: a document in the global top-k is in its own shard's
  top-k, because a shard holds a subset of the corpus, so the merge is exact (ties broken by document id,
  as locally).
"""

from __future__ import annotations

import contextlib

import numpy as np

from kexue._validation import check_choice, check_positive_int
from kexue.textsim.index import SearchStats
from kexue.textsim.pairs import (PAIR_MEASURES, open_output, read_pair_lines, score_lines, score_pairs,
                                 write_rows)
from kexue.textsim.problems import OT_MEASURES
from kexue.textsim.similarity import MEASURES


def _client(client):
    if client is not None:
        return client
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        raise ValueError("no Dask client: pass client=Client(...) or start one (dask.distributed.Client)") from None


@contextlib.contextmanager
def connect(scheduler: str):
    """A client for ``scheduler``: a scheduler address, or ``"local"`` for a local cluster of processes.

    A local cluster is closed on exit; a remote cluster is left running (only the client closes).
    """
    from distributed import Client, LocalCluster

    if not isinstance(scheduler, str) or not scheduler:
        raise ValueError("scheduler must be an address such as tcp://host:8786, or 'local'")
    if scheduler == "local":
        with LocalCluster(processes=True, threads_per_worker=1) as cluster, Client(cluster) as client:
            yield client
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise ValueError(f"cannot reach Dask scheduler {scheduler}: {exc}") from None
        with client:
            yield client


def _chunks(n: int, size: int):
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def score_pairs_dask(xs, ys, measure: str = "wrd", client=None, chunk_size: int = 256) -> np.ndarray:
    """Exact WRD/WMD of aligned pairs, computed on a Dask cluster; equal to ``score_pairs(xs, ys, measure)``.

    Parameters
    ----------
    xs, ys : sequences of arrays (m_k, d), (n_k, d)
    measure : {"wrd", "wmd"}
    client : distributed.Client, optional
        Defaults to the current client.
    chunk_size : int
        Pairs per task.

    Returns
    -------
    ndarray, shape (len(xs),)
    """
    check_choice(measure, "measure", PAIR_MEASURES)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must be aligned lists of the same length ({len(xs)} vs {len(ys)})")
    if len(xs) == 0:
        return np.zeros(0)
    client = _client(client)
    futures = [client.submit(score_pairs, list(xs[s:e]), list(ys[s:e]), measure, pure=False)
               for s, e in _chunks(len(xs), chunk_size)]
    return np.concatenate(client.gather(futures))


def _embed_and_score(lines, first_lineno, embedder, measures):
    from kexue.textsim.embedders import Embedder, get_embedder

    emb = embedder if isinstance(embedder, Embedder) else get_embedder(**embedder)  # cached per worker
    return score_lines(lines, first_lineno, emb, measures)


def score_pair_file_dask(pairs_tsv, out_jsonl, embedder="minilm", *, measures=MEASURES, client=None,
                         chunk_lines: int = 500, **embedder_options) -> tuple[int, int]:
    """Score every ``text_a<TAB>text_b`` line of a file on a Dask cluster and write JSON lines in file order.

    The rows are exactly those of ``kexue similarity --pairs FILE --out OUT`` (same fields, one error row
    per line that cannot be scored, blank lines skipped).

    Parameters
    ----------
    pairs_tsv, out_jsonl : path
    embedder : str or Embedder
        A name (``"minilm"``, ``"spacy-md"``) built once per worker with ``get_embedder(embedder,
        **embedder_options)`` (e.g. ``model=``, ``vectors=``, ``stop_words=``, ``layer=``), or an embedder
        object, shipped to the workers.
    measures : tuple of {"wrd", "wmd", "cosine"}
    client : distributed.Client, optional
    chunk_lines : int
        Lines per task.

    Returns
    -------
    (scored, failed) : tuple of int
    """
    from kexue.textsim.embedders import Embedder

    for m in measures:
        check_choice(m, "measure", MEASURES)
    chunk_lines = check_positive_int(chunk_lines, "chunk_lines")
    if isinstance(embedder, str):
        spec = dict(name=embedder, **embedder_options)
    elif isinstance(embedder, Embedder):
        spec = embedder
    else:
        raise TypeError(f"embedder must be a name or an Embedder, got {type(embedder).__name__}")
    lines = read_pair_lines(pairs_tsv)
    client = _client(client)
    if isinstance(spec, Embedder):
        [spec] = client.scatter([spec], broadcast=True)
    futures = [client.submit(_embed_and_score, lines[s:e], s + 1, spec, tuple(measures), pure=False)
               for s, e in _chunks(len(lines), chunk_lines)]
    n_ok = n_bad = 0
    with open_output(out_jsonl) as sink:
        for fut in futures:  # in file order; later chunks keep running meanwhile
            ok, bad = write_rows(sink, fut.result())
            n_ok, n_bad = n_ok + ok, n_bad + bad
            fut.release()
    return n_ok, n_bad


def _build_index(docs, measure, offset):
    from kexue.textsim.index import Index

    index = Index(docs, measure=measure)
    index.offset = offset
    return index


def _search_shard(index, query, k, query_weights):
    ids, dist = index.search(query, k=k, query_weights=query_weights)
    return ids + index.offset, dist, index.last_stats


class ShardedIndex:
    """An exact top-k index split into shards that live on Dask workers.

    Parameters
    ----------
    vectors_list : sequence of arrays (m_k, d)
        The corpus, as for :class:`kexue.textsim.Index`; document ids are positions in this list.
    measure : {"wrd", "wmd"}
    client : distributed.Client, optional
    n_shards : int, optional
        Contiguous shards, one ``Index`` each, built on the workers (default: one per worker).

    Examples
    --------
    >>> from distributed import Client                                   # doctest: +SKIP
    >>> index = ShardedIndex(docs, "wrd", Client("tcp://host:8786"))    # doctest: +SKIP
    >>> ids, distances = index.search(query_vectors, k=10)              # doctest: +SKIP
    """

    def __init__(self, vectors_list, measure: str = "wrd", client=None, n_shards: int | None = None):
        check_choice(measure, "measure", OT_MEASURES)
        docs = list(vectors_list)
        if not docs:
            raise ValueError("the corpus is empty; give at least one document")
        self.client = _client(client)
        if n_shards is None:
            n_shards = max(1, len(self.client.scheduler_info()["workers"]))
        n_shards = min(check_positive_int(n_shards, "n_shards"), len(docs))
        self.measure = measure
        self.n_documents = len(docs)
        bounds = np.linspace(0, len(docs), n_shards + 1).astype(int)
        self.shards = []
        for s, e in zip(bounds[:-1], bounds[1:]):
            [part] = self.client.scatter([docs[s:e]])
            self.shards.append(self.client.submit(_build_index, part, measure, int(s), pure=False))
        # surface validation errors (bad document, mixed dimensions) now rather than at the first search
        self.client.gather(self.shards)
        self.last_stats: SearchStats | None = None

    def __len__(self) -> int:
        return self.n_documents

    def search(self, query_vectors, k: int = 10, *, query_weights=None) -> tuple[np.ndarray, np.ndarray]:
        """The exact global top-``k``: each shard's top-``k`` on its worker, merged here.

        Returns the same ``(indices, distances)`` as ``Index(vectors_list).search`` (ties by document id).
        ``last_stats`` sums the shards' candidates and exact solves.
        """
        k = min(check_positive_int(k, "k"), self.n_documents)
        q = np.asarray(query_vectors)
        parts = self.client.gather([self.client.submit(_search_shard, shard, q, k, query_weights, pure=False)
                                    for shard in self.shards])
        ids = np.concatenate([p[0] for p in parts])
        dist = np.concatenate([p[1] for p in parts])
        top = np.lexsort((ids, dist))[:k]
        stats = [p[2] for p in parts]
        solved = sum(s.exact_solves for s in stats)
        self.last_stats = SearchStats(
            n_documents=self.n_documents, candidates=sum(s.candidates for s in stats), exact_solves=solved,
            pruned_fraction=1.0 - solved / self.n_documents,
            pruned_by={"per_shard": [s.pruned_by for s in stats]}, seconds=max(s.seconds for s in stats))
        return ids[top], dist[top]

    def close(self) -> None:
        """Release the shard indexes held on the workers."""
        for f in self.shards:
            f.release()
        self.shards = []
