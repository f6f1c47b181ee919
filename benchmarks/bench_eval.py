"""Per-pair cost of the STS measures on STS-B test (spaCy vectors), and MoverScore: our WMD reduction vs the
MoverScore-v2 union formulation (an (m+n)² cost matrix solved with POT, as the peer code sets it up).

    PYTHONPATH=src python benchmarks/bench_eval.py
"""

import time

import numpy as np
import ot
from scipy.spatial.distance import cdist

from kexue.datasets import load_stsb
from kexue.textsim import bertscore, cosine, get_embedder, moverscore, wmd, wrd, wrd_relaxed


def union_moverscore(x, y):
    z = np.vstack([x, y])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    c1 = np.concatenate([np.full(len(x), 1 / len(x)), np.zeros(len(y))])
    c2 = np.concatenate([np.zeros(len(x)), np.full(len(y), 1 / len(y))])
    return 1 / (1 + ot.emd2(c1, c2, cdist(z, z)))


def timed(f, pairs):
    t = time.perf_counter()
    vals = [f(a, b) for a, b in pairs]
    return (time.perf_counter() - t) / len(pairs) * 1e6, np.array(vals, dtype=float)


def main():
    data = load_stsb("test")
    emb = get_embedder("spacy-md")
    pairs = [(a.vectors.astype(np.float64), b.vectors.astype(np.float64))
             for a, b in zip(emb.embed(data.sentences1), emb.embed(data.sentences2))]
    print(f"{len(pairs)} STS-B test pairs, spaCy 300-d vectors; microseconds per pair")
    rows = {
        "cosine": cosine, "wrd (exact)": wrd, "wrd-relaxed": wrd_relaxed, "wmd (exact)": wmd,
        "bertscore": lambda x, y: bertscore(x, y).f1, "moverscore (ours)": moverscore,
        "moverscore (union, POT)": union_moverscore,
    }
    res = {name: timed(f, pairs) for name, f in rows.items()}
    for name, (us, _) in res.items():
        print(f"  {name:26s} {us:9.1f}")
    ours, peer = res["moverscore (ours)"], res["moverscore (union, POT)"]
    print(f"moverscore union/ours time ratio: {peer[0] / ours[0]:.2f}x; max |difference| "
          f"{np.max(np.abs(ours[1] - peer[1])):.2e}")
    print(f"exact WRD / relaxed bound time ratio: {res['wrd (exact)'][0] / res['wrd-relaxed'][0]:.2f}x")
    gaps = []
    for split in ("train", "dev", "test"):
        d = load_stsb(split)
        for a, b in zip(emb.embed(d.sentences1), emb.embed(d.sentences2)):
            if a.tokens and b.tokens:
                x, y = a.vectors.astype(np.float64), b.vectors.astype(np.float64)
                gaps.append(wrd(x, y) - wrd_relaxed(x, y))
    gaps = np.array(gaps)
    print(f"relaxed bound <= WRD on all {len(gaps)} STS-B pairs (train+dev+test): violations beyond 1e-12: "
          f"{int(np.sum(gaps < -1e-12))}, min gap {gaps.min():.2e}, mean gap {gaps.mean():.4f}")


if __name__ == "__main__":
    main()
