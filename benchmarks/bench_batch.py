"""Throughput of the batched exact WRD solver against POT and the dense LP, all in one process.

Data: ``--pairs`` sentence-sized pairs (m, n uniform in 5–40, d = 384, float32 Gaussian vectors, fixed
seed). Timed on the same pairs, interleaved within each repeat so that every repeat sees similar load:

* ``kexue wrd_batch``      one call over all pairs (numba, all threads; JIT compile excluded by a warm-up)
* ``kexue wrd_batch 1thr`` the same on one thread
* ``kexue wrd loop``       Python loop over the single-pair ``kexue.textsim.wrd`` (POT's solver inside)
* ``ot.emd2 loop``         Python loop: masses and cost ``1 − cos`` in NumPy per pair, then ``ot.emd2``
* ``emd_c loop``           the same loop calling POT's C++ solver ``ot.lp.emd_wrap.emd_c`` directly
* ``emd_c loop (solver)``  ``emd_c`` alone on precomputed masses and costs (cost building not timed)
* ``linprog HiGHS``        dense LP (Su's formulation, equality matrix (m+n) × mn) on ``--lp-pairs`` pairs

The NumPy loops run with one BLAS thread (their best case for such small matrices).
Ratios are computed within each repeat (same load) and summarised as min / median / max.
All methods' values are compared with ``wrd_batch``.

Run: ``PYTHONPATH=src python benchmarks/bench_batch.py [--pairs 5000] [--repeat 3] [--cold]``
(``--cold`` compiles into an empty numba cache so the compile time is the real one.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lp-pairs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    ap.add_argument("--cold", action="store_true", help="compile into an empty numba cache")
    args = ap.parse_args(argv)
    if args.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="kexue-numba-")

    import numba
    import numpy as np
    import ot
    from ot.lp.emd_wrap import emd_c
    from kexue.ot.linprog_reference import emd_dense_lp
    from threadpoolctl import threadpool_limits

    from kexue.textsim import wrd
    from kexue.textsim.batch import wrd_batch

    if args.threads:
        numba.set_num_threads(args.threads)
    threads = numba.get_num_threads()
    rng = np.random.default_rng(args.seed)
    ms = rng.integers(5, 41, args.pairs)
    ns = rng.integers(5, 41, args.pairs)
    xs = [rng.standard_normal((m, args.dim)).astype(np.float32) for m in ms]
    ys = [rng.standard_normal((n, args.dim)).astype(np.float32) for n in ns]
    print(f"{args.pairs} pairs, m, n in 5–40 (mean {ms.mean():.1f}, {ns.mean():.1f}), d = {args.dim}, float32; "
          f"numba threads = {threads}, CPUs = {os.cpu_count()}, load avg = {os.getloadavg()[0]:.1f}")

    t0 = time.perf_counter()
    wrd_batch(xs[:4], ys[:4])
    first = time.perf_counter() - t0
    print(f"first call (JIT {'compile' if args.cold else 'compile or cache load'}): {first:.2f} s")

    def problem(x, y):
        x = x.astype(np.float64)
        y = y.astype(np.float64)
        nx = np.linalg.norm(x, axis=1)
        ny = np.linalg.norm(y, axis=1)
        C = 1.0 - (x / nx[:, None]) @ (y / ny[:, None]).T
        return nx / nx.sum(), ny / ny.sum(), C

    def emd2_loop():
        return np.array([ot.emd2(*problem(x, y)) for x, y in zip(xs, ys)])

    def emd_c_loop():
        out = np.empty(len(xs))
        for k, (x, y) in enumerate(zip(xs, ys)):
            a, b, C = problem(x, y)
            out[k] = emd_c(a, b, C, 100000, 1, None, None)[1]
        return out

    problems = [problem(x, y) for x, y in zip(xs, ys)]

    def emd_c_solver():
        return np.array([emd_c(a, b, C, 100000, 1, None, None)[1] for a, b, C in problems])

    def wrd_batch_1thr():
        numba.set_num_threads(1)
        try:
            return wrd_batch(xs, ys)
        finally:
            numba.set_num_threads(threads)

    def single_blas(fn):  # tiny matrices: BLAS threads only add overhead, so give POT its best case
        def run():
            with threadpool_limits(1):
                return fn()
        return run

    methods = {
        "kexue wrd_batch": lambda: wrd_batch(xs, ys),
        "kexue wrd_batch 1thr": wrd_batch_1thr,
        "kexue wrd loop": single_blas(lambda: np.array([wrd(x, y) for x, y in zip(xs, ys)])),
        "ot.emd2 loop": single_blas(emd2_loop),
        "emd_c loop": single_blas(emd_c_loop),
        "emd_c loop (solver)": emd_c_solver,
    }
    times = {name: [] for name in methods}
    values = {}
    for _ in range(args.repeat):
        for name, fn in methods.items():
            t0 = time.perf_counter()
            values[name] = fn()
            times[name].append(time.perf_counter() - t0)

    k_lp = min(args.lp_pairs, args.pairs)
    t0 = time.perf_counter()
    lp_vals = np.array([emd_dense_lp(*problems[k]) for k in range(k_lp)])
    lp_time = time.perf_counter() - t0

    ref = values["kexue wrd_batch"]
    ours = [t / args.pairs * 1e6 for t in times["kexue wrd_batch"]]
    print(f"\n{'method':24s} {'µs/pair min':>12s} {'median':>9s} {'max':>9s}   {'wrd_batch speed-up min/median/max':>34s}"
          f"   {'max |Δ| vs wrd_batch':>20s}")
    for name in methods:
        us = [t / args.pairs * 1e6 for t in times[name]]
        ratios = [u / o for u, o in zip(us, ours)]
        diff = float(np.max(np.abs(values[name] - ref)))
        print(f"{name:24s} {min(us):12.1f} {statistics.median(us):9.1f} {max(us):9.1f}   "
              f"{min(ratios):10.2f}× {statistics.median(ratios):10.2f}× {max(ratios):10.2f}×   {diff:20.2e}")
    lp_us = lp_time / k_lp * 1e6
    print(f"{'linprog HiGHS (' + str(k_lp) + ')':24s} {lp_us:12.1f} {'':9s} {'':9s}   "
          f"{lp_us / statistics.median(ours):10.2f}× (vs median){'':13s}   {np.max(np.abs(lp_vals - ref[:k_lp])):20.2e}")
    print(f"\nload avg after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
