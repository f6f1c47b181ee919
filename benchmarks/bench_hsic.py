"""HSIC timings: kexue.hsic vs hyppo.independence.Hsic, and the linear-time approximations at n = 10^6.

Run:  PYTHONPATH=src nice -n 10 python benchmarks/bench_hsic.py [--sizes 2000,10000] [--big 1000000]
(``--sizes ""`` skips part 1, ``--big 0`` part 2.)

Part 1: time to statistic + p-value on the same data (x ~ N(0,1), y = x^2 + 2ε), first call (cold: imports,
numba JIT for hyppo, with an empty numba cache) and the best of the repeated calls, for kexue's gamma test and hyppo's default test
(chi-square approximation). Part 2: Nyström, random Fourier features and block HSIC at n = 10^6 against the
exact O(n^2) estimate on a random subsample and the closed-form population value.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
# an empty numba cache, so hyppo's first call is the cold start a fresh install sees (its JIT caches to disk)
os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="bench_hsic_numba_"))

import numpy as np  # noqa: E402


def _timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def part1(sizes, repeats):
    print("== statistic + p-value: kexue.hsic.hsic_test(method='gamma') vs hyppo Hsic().test (auto chi2) ==")
    print(f"{'n':>7} {'who':>6} {'first s':>9} {'repeat s':>9} {'stat':>10} {'p-value':>10}")
    for n in sizes:
        rng = np.random.default_rng(n)
        x = rng.standard_normal(n)
        y = x ** 2 + 2.0 * rng.standard_normal(n)

        def ours():
            from kexue.hsic import hsic_test

            r = hsic_test(x, y, method="gamma")
            return r.statistic, r.pvalue

        def theirs():
            from hyppo.independence import Hsic

            r = Hsic().test(x, y)
            return r[0], r[1]

        rows = {}
        for who, f in (("kexue", ours), ("hyppo", theirs)):
            first, (stat, p) = _timed(f)
            rep = min(_timed(f)[0] for _ in range(repeats))
            rows[who] = (first, rep)
            print(f"{n:>7} {who:>6} {first:9.2f} {rep:9.2f} {stat:10.4g} {p:10.3g}")
        print(f"{n:>7} ratio hyppo/kexue: first {rows['hyppo'][0] / rows['kexue'][0]:.1f}x, "
              f"repeat {rows['hyppo'][1] / rows['kexue'][1]:.1f}x")


def part2(big, subsample):
    from kexue.hsic import GaussianKernel, hsic, hsic_block, hsic_nystrom, hsic_rff
    from kexue.hsic.experiments import gaussian_population_hsic

    print(f"\n== linear-time HSIC, n = {big:,}: kernel exp(-(a-b)^2/2) on both variables, y = 0.6x + 0.8ε, "
          "unbiased estimator ==")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(big)
    y = 0.6 * x + 0.8 * rng.standard_normal(big)
    k = GaussianKernel(1.0)
    truth = gaussian_population_hsic([[1.0, 0.6], [0.6, 1.0]], 0.5, 0.5)
    idx = rng.choice(big, subsample, replace=False)
    xs, ys = x[idx], y[idx]
    t_ex, exact = _timed(lambda: hsic(xs, ys, kernel_x=k, kernel_y=k, estimator="unbiased"))
    print(f"population HSIC (closed form): {truth:.6f};  exact O(n^2) HSIC on a random {subsample:,}-point "
          f"subsample: {exact:.6f} ({t_ex:.1f} s)")
    print("approximation error = |approx - exact| / exact on that same subsample; at full n the value is compared "
          "with the population HSIC (the full-sample exact value is out of reach)")
    print(f"{'method':>14} {'rel.err subsample':>18} {'value at full n':>16} {'rel.err vs pop.':>16} "
          f"{'time full n (s)':>16}")
    runs = [
        ("nystrom m=200", lambda a, b: hsic_nystrom(a, b, kernel_x=k, kernel_y=k, n_landmarks=200,
                                                     estimator="unbiased", random_state=0)),
        ("rff D=200", lambda a, b: hsic_rff(a, b, kernel_x=k, kernel_y=k, n_features=200, estimator="unbiased",
                                            random_state=0)),
        ("block B=500", lambda a, b: hsic_block(a, b, kernel_x=k, kernel_y=k, block_size=500, random_state=0,
                                                return_std_error=True)),
    ]
    for name, f in runs:
        v_sub = f(xs, ys)
        t, v = _timed(lambda: f(x, y))
        extra = ""
        if isinstance(v, tuple):
            (v, se), v_sub = v, v_sub[0]
            extra = f"  (its standard error at full n: {se:.2g})"
        print(f"{name:>14} {abs(v_sub - exact) / exact:18.2e} {v:16.6f} {abs(v - truth) / truth:16.2e} "
              f"{t:16.1f}{extra}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--subsample", type=int, default=5000)
    a = ap.parse_args()
    part1([int(s) for s in a.sizes.split(",") if s.strip()], a.repeats)
    if a.big:
        part2(a.big, a.subsample)


if __name__ == "__main__":
    main()
