"""Exact WRD top-10 search over all unique STS-B sentences: prefetch-and-prune against brute force.

Embeds every unique STS-B sentence (train, dev and test) with the default MiniLM model (cached in
``--cache``), holds out ``--queries`` sentences as queries, and for each query runs ``Index.search`` and an
exact brute-force scan with the same exact solver, checking that the top-10 lists are identical.
Usage: python benchmarks/bench_search.py [--queries 100] [--brute 100] [--measure wrd|wmd]
       [--cache /tmp/kexue_stsb_minilm.npz]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def embedded_stsb(cache: Path):
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        lengths = data["lengths"]
        flat = data["vectors"]
        offs = np.concatenate([[0], np.cumsum(lengths)])
        return [flat[offs[i]:offs[i + 1]] for i in range(len(lengths))], list(data["texts"])
    from kexue.datasets import load_stsb
    from kexue.textsim.embedders import get_embedder

    texts = []
    for split in ("train", "dev", "test"):
        p = load_stsb(split)
        texts += p.sentences1 + p.sentences2
    texts = sorted(set(t.strip() for t in texts if t.strip()))
    emb = get_embedder("minilm")
    t0 = time.perf_counter()
    vecs = [e.vectors for e in emb.embed(texts)]
    print(f"embedded {len(texts)} sentences in {time.perf_counter() - t0:.1f} s")
    keep = [i for i, v in enumerate(vecs) if len(v)]
    texts, vecs = [texts[i] for i in keep], [vecs[i] for i in keep]
    np.savez(cache, vectors=np.concatenate(vecs), lengths=np.array([len(v) for v in vecs]), texts=np.array(texts))
    return vecs, texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--brute", type=int, default=100, help="queries also answered by brute force")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/kexue_stsb_minilm.npz"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--measure", choices=("wrd", "wmd"), default="wrd")
    args = ap.parse_args()

    from kexue.textsim import Index

    vecs, texts = embedded_stsb(args.cache)
    rng = np.random.default_rng(args.seed)
    qids = set(rng.choice(len(vecs), size=args.queries, replace=False).tolist())
    corpus = [v for i, v in enumerate(vecs) if i not in qids]
    queries = [vecs[i] for i in sorted(qids)]
    t0 = time.perf_counter()
    index = Index(corpus, measure=args.measure)
    build = time.perf_counter() - t0
    n_tok = index.vectors.shape[0]
    print(f"corpus: {len(corpus)} sentences, {n_tok} tokens, d = {index.dim}; index built in {build:.2f} s")
    print(f"index memory: {index.nbytes / 1e6:.1f} MB = {index.nbytes / len(corpus):.0f} bytes/sentence "
          f"-> {index.nbytes / len(corpus) * 1e7 / 1e9:.0f} GB projected for 10M sentences")
    with tempfile.TemporaryDirectory() as tmp:
        index.save(tmp)
        loaded = Index.load(tmp)  # token vectors memory-mapped: only the int8 codes and per-token scalars in RAM
        same_mm = sum(bool(np.array_equal(index.search(q, k=args.k)[0], loaded.search(q, k=args.k)[0]))
                      for q in queries[:10])
        print(f"saved and loaded with memory-mapped vectors: {loaded.nbytes_in_memory / 1e6:.1f} MB in memory = "
              f"{loaded.nbytes_in_memory / len(corpus):.0f} bytes/sentence -> "
              f"{loaded.nbytes_in_memory / len(corpus) * 1e7 / 1e9:.0f} GB in memory for 10M sentences "
              f"(+ {(loaded.nbytes - loaded.nbytes_in_memory) / len(corpus) * 1e7 / 1e9:.0f} GB on disk); "
              f"same top-{args.k} as in memory: {same_mm}/10")
        del loaded
    index.search(queries[0], k=args.k)  # warm-up (JIT, caches)

    t_search, solves, work, pruned = 0.0, [], [], {"centroid": [], "relaxed": [], "combined": []}
    results = []
    for q in queries:
        t0 = time.perf_counter()
        results.append(index.search(q, k=args.k))
        t_search += time.perf_counter() - t0
        solves.append(index.last_stats.exact_solves)
        work.append(index.last_stats.relaxed_work)
        for key, v in index.last_stats.pruned_by.items():
            pruned[key].append(v)
    t_brute, same = 0.0, 0
    for q, (ids, dist) in zip(queries[:args.brute], results):
        t0 = time.perf_counter()
        bids, bd = index.brute_force(q, k=args.k)
        t_brute += time.perf_counter() - t0
        same += bool(np.array_equal(np.sort(bids), np.sort(ids)) and np.allclose(bd, dist, atol=1e-12))
    per_q = t_search / len(queries)
    per_b = t_brute / max(1, min(args.brute, len(queries)))
    print(f"prefetch-and-prune: {per_q * 1e3:.1f} ms/query, mean exact solves {np.mean(solves):.0f} "
          f"of {len(corpus)} (pruned {100 * (1 - np.mean(solves) / len(corpus)):.2f}%)")
    print("share of documents each bound rules out (bound >= final 10th distance; relaxed: of those it was "
          "evaluated on): " + ", ".join(f"{k} {100 * np.mean(v):.2f}%" for k, v in pruned.items()))
    print(f"relaxed bound work done (early stopping): {100 * np.mean(work):.1f}% of the full query x corpus products")
    print(f"brute force: {per_b * 1e3:.1f} ms/query over {min(args.brute, len(queries))} queries")
    print(f"speed-up: {per_b / per_q:.1f}x; identical top-{args.k}: {same}/{min(args.brute, len(queries))}")


if __name__ == "__main__":
    main()
