"""Per-pair time of kexue's exact WRD against a loop over POT's ``ot.emd2`` and the dense-LP formulation.

Same random sentence-sized problems for all three (m, n uniform in 5–40, d = 300), in one process.
Usage: python benchmarks/bench_exact.py [--pairs 300] [--lp-pairs 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import ot

from kexue.ot.linprog_reference import emd_dense_lp
from kexue.textsim import wrd


def wrd_with_pot(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    C = 1.0 - (x / nx[:, None]) @ (y / ny[:, None]).T
    return ot.emd2(nx / nx.sum(), ny / ny.sum(), C)


def wrd_dense_lp(x, y):
    """The blog's formulation: a dense (m+n) x mn equality matrix, one redundant row dropped, HiGHS."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    C = 1.0 - (x / nx[:, None]) @ (y / ny[:, None]).T
    return emd_dense_lp(nx / nx.sum(), ny / ny.sum(), C)


def timed(f, pairs):
    t0 = time.perf_counter()
    vals = [f(x, y) for x, y in pairs]
    return (time.perf_counter() - t0) / len(pairs), np.array(vals)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--lp-pairs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    pairs = [(rng.normal(size=(rng.integers(5, 41), 300)).astype(np.float32),
              rng.normal(size=(rng.integers(5, 41), 300)).astype(np.float32)) for _ in range(args.pairs)]
    wrd(*pairs[0])  # warm imports
    t_k, v_k = timed(wrd, pairs)
    t_p, v_p = timed(wrd_with_pot, pairs)
    t_l, v_l = timed(wrd_dense_lp, pairs[:args.lp_pairs])
    print(f"{args.pairs} pairs, m, n in 5-40, d = 300")
    print(f"{'solver':<28}{'us/pair':>12}{'ratio to kexue':>16}")
    for name, t in [("kexue.textsim.wrd", t_k), ("loop over ot.emd2", t_p), ("dense LP (HiGHS)", t_l)]:
        print(f"{name:<28}{t * 1e6:>12.1f}{t / t_k:>16.2f}")
    print(f"max |kexue - POT| = {np.abs(v_k - v_p).max():.2e}; "
          f"max |kexue - LP| = {np.abs(v_k[:args.lp_pairs] - v_l).max():.2e}")


if __name__ == "__main__":
    main()
