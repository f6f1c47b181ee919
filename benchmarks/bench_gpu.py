"""Batched Sinkhorn WRD throughput on a GPU: kexue's ``sinkhorn_batch`` against POT's ``ot.batch.solve_batch``.

Same random padded pairs for every solver (cosine costs, WRD masses ∝ norms, lengths uniform in
[max/2, max] so masks are exercised), same ε and tolerance, in one run. Prints pairs/s per solver and size,
the ratio to POT, and the mean/max gap to the exact CPU values (``kexue.textsim.wrd``) on a subsample.
kexue runs twice: the plain PyTorch loop, and the same loop with its step fused by ``torch.compile``
(compiled once before timing).

Usage (GPU, the real run; ≥ 1M pairs in chunks):
    python benchmarks/bench_gpu.py --pairs 1048576 --chunk 65536 --sizes 16 32
CPU smoke run (what this script was checked with; no GPU was available when it was written):
    python benchmarks/bench_gpu.py --small
Gap only, CPU, 1,000 pairs (m, n ≤ 32, d = 64), the numbers in docs/scale.md:
    python benchmarks/bench_gpu.py --gap-only --gap-pairs 1000 --d 64 --sizes 32 --device cpu
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def make_chunk(n_pairs, size, d, gen, device):
    """Random padded pairs: X (B, size, d), Y (B, size, d) and the lengths of each side."""
    import torch

    X = torch.randn(n_pairs, size, d, generator=gen, device=device)
    Y = torch.randn(n_pairs, size, d, generator=gen, device=device)
    lo = max(1, size // 2)
    lx = torch.randint(lo, size + 1, (n_pairs,), generator=gen, device=device)
    ly = torch.randint(lo, size + 1, (n_pairs,), generator=gen, device=device)
    ar = torch.arange(size, device=device)
    X = X * (ar[None, :] < lx[:, None])[..., None]
    Y = Y * (ar[None, :] < ly[:, None])[..., None]
    return X, lx, Y, ly


def run_kexue(a, b, C, eps, tol, max_iter, compile=False):
    from kexue.ot.sinkhorn import sinkhorn_batch

    return sinkhorn_batch(a, b, C, eps=eps, tol=tol, max_iter=max_iter, compile=compile).cost


def run_kexue_compiled(a, b, C, eps, tol, max_iter):
    return run_kexue(a, b, C, eps, tol, max_iter, compile=True)


def run_pot(a, b, C, eps, tol, max_iter):
    import ot.batch

    res = ot.batch.solve_batch(C, eps, a, b, max_iter=max_iter, tol=tol, method="log_sinkhorn", grad="detach")
    return res.value_linear  # ⟨P, C⟩, the same quantity as kexue's cost


SOLVERS = {"kexue sinkhorn_batch": run_kexue, "kexue compile=True (fused)": run_kexue_compiled,
           "POT ot.batch log_sinkhorn": run_pot}


def sync(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def exact_wrd(X, lx, Y, ly, ids):
    from kexue.textsim import wrd

    n = len(ids)  # copy only the subsample to the host
    Xc, Yc = X[:n].double().cpu().numpy(), Y[:n].double().cpu().numpy()
    lx, ly = lx[:n].cpu().numpy(), ly[:n].cpu().numpy()
    return np.array([wrd(Xc[i, :lx[i]], Yc[i, :ly[i]]) for i in ids])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1 << 20, help="pairs per size (in chunks)")
    ap.add_argument("--chunk", type=int, default=1 << 16, help="pairs per padded batch")
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 32], help="padded lengths M = N")
    ap.add_argument("--d", type=int, default=384, help="vector dimension")
    ap.add_argument("--eps", type=float, default=0.01)
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--gap-pairs", type=int, default=2000, help="pairs compared with exact CPU WRD")
    ap.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--small", action="store_true", help="CPU smoke run: 256 pairs, chunks of 64, 40 gap pairs")
    ap.add_argument("--gap-only", action="store_true", help="only the gap to exact, kexue solver only")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if args.small:
        args.pairs, args.chunk, args.gap_pairs, args.d = 256, 64, 40, 64
    if args.gap_only:
        args.pairs = args.chunk = args.gap_pairs
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "CPU"
    print(f"device {device} ({name}), torch {torch.__version__}, eps={args.eps}, tol={args.tol}, "
          f"max_iter={args.max_iter}, d={args.d}, {args.pairs} pairs per size in chunks of {args.chunk}")

    from kexue.textsim.entropic import _problem

    solvers = {"kexue sinkhorn_batch": run_kexue} if args.gap_only else SOLVERS
    rows = []
    for size in args.sizes:
        gen = torch.Generator(device=device).manual_seed(args.seed + size)
        seconds = dict.fromkeys(solvers, 0.0)
        gap_vals = {s: [] for s in solvers}
        exact = None
        done = 0
        while done < args.pairs:
            n = min(args.chunk, args.pairs - done)
            X, lx, Y, ly = make_chunk(n, size, args.d, gen, device)
            a, b, C = _problem(X, lx, Y, ly, "wrd")
            if exact is None:  # the gap subsample is the first chunk's first pairs
                ids = np.arange(min(args.gap_pairs, n))
                t0 = time.perf_counter()
                exact = exact_wrd(X, lx, Y, ly, ids)
                print(f"  {size}x{size}: exact CPU WRD for {len(ids)} pairs in {time.perf_counter() - t0:.1f} s")
            if done == 0 and run_kexue_compiled in solvers.values():
                # compile outside the timing (dynamic shapes: one compile serves every batch size)
                t0 = time.perf_counter()
                run_kexue_compiled(a[:8], b[:8], C[:8], args.eps, args.tol, args.max_iter)
                sync(device)
                print(f"  {size}x{size}: torch.compile warm-up {time.perf_counter() - t0:.1f} s (not timed)")
            for sname, fn in solvers.items():
                sync(device)
                t0 = time.perf_counter()
                cost = fn(a, b, C, args.eps, args.tol, args.max_iter)
                sync(device)
                seconds[sname] += time.perf_counter() - t0
                if done == 0:
                    gap_vals[sname] = cost[:len(exact)].double().cpu().numpy() - exact
            done += n
        for sname in solvers:
            g = gap_vals[sname]
            rows.append((size, sname, args.pairs / seconds[sname], float(np.mean(g)), float(np.max(np.abs(g))),
                         int(np.sum(~np.isfinite(g)))))
    pot = {r[0]: r[2] for r in rows if r[1].startswith("POT")}
    print(f"\n{'size':>6} {'solver':<28} {'pairs/s':>12} {'x POT':>7} {'gap mean':>10} {'gap max|.|':>11} "
          f"{'non-finite':>10}")
    for size, sname, rate, gmean, gmax, bad in rows:
        ratio = f"{rate / pot[size]:.2f}" if size in pot else "-"
        print(f"{size:>4}x{size:<2} {sname:<28} {rate:>12.1f} {ratio:>7} {gmean:>10.2e} {gmax:>11.2e} {bad:>10}")


if __name__ == "__main__":
    main()
