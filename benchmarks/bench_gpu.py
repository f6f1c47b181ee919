"""Batched Sinkhorn WRD throughput on a GPU: kexue's solvers against POT's ``ot.batch.solve_batch``.

Same random padded pairs for every solver (cosine costs, WRD masses ∝ norms, lengths uniform in
[max/2, max] so masks are exercised), same ε and tolerance, in one run. Prints pairs/s per solver and size,
the ratio to POT, and the mean/max gap to the exact values (``kexue.textsim.wrd_batch``, CPU) on a subsample.
Rows (``--solvers``): ``torch`` (``sinkhorn_batch``, the PyTorch loop), ``compile`` (the same loop with its step
fused by ``torch.compile``, compiled once before timing), ``triton`` (``sinkhorn_batch(kernel="triton")``, the
fused kernel that keeps each pair's tile on chip; ``--num-warps`` settings are each timed once on the first
chunk and the fastest is kept), ``pot``.

Usage (GPU, the real run; ≥ 1M pairs in chunks; benchmarks/gpu_session.sh runs this):
    python benchmarks/bench_gpu.py --pairs 1048576 --chunk 65536 --sizes 32 16
Fused kernel against the PyTorch loop, values only (no timing table):
    python benchmarks/bench_gpu.py --check --pairs 4096 --sizes 7 16 32 50 100
CPU smoke run (the triton row needs TRITON_INTERPRET=1 there, and is slow under it):
    python benchmarks/bench_gpu.py --small
Gap only, CPU, 1,000 pairs (m, n ≤ 32, d = 64), the numbers in docs/scale.md:
    python benchmarks/bench_gpu.py --gap-only --gap-pairs 1000 --d 64 --sizes 32 --device cpu
"""

from __future__ import annotations

import argparse
import os
import time
import traceback

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


def run_triton(a, b, C, eps, tol, max_iter, num_warps=None):
    from kexue.ot.sinkhorn_triton import sinkhorn_fused  # what sinkhorn_batch(kernel="triton") runs

    return sinkhorn_fused(a, b, C, eps=eps, tol=tol, max_iter=max_iter, num_warps=num_warps).cost


def run_pot(a, b, C, eps, tol, max_iter):
    import ot.batch

    res = ot.batch.solve_batch(C, eps, a, b, max_iter=max_iter, tol=tol, method="log_sinkhorn", grad="detach")
    return res.value_linear  # ⟨P, C⟩, the same quantity as kexue's cost


SOLVERS = {"torch": ("kexue sinkhorn_batch", run_kexue), "compile": ("kexue compile=True", run_kexue_compiled),
           "triton": ("kexue triton (fused)", run_triton), "pot": ("POT ot.batch log_sinkhorn", run_pot)}


def sync(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def exact_wrd(X, lx, Y, ly, n):
    """Exact WRD of the first ``n`` pairs (numba, all CPU cores; needs no POT)."""
    from kexue.textsim import wrd_batch

    Xc, Yc = X[:n].double().cpu().numpy(), Y[:n].double().cpu().numpy()
    lx, ly = lx[:n].cpu().numpy(), ly[:n].cpu().numpy()
    return wrd_batch([Xc[i, :lx[i]] for i in range(n)], [Yc[i, :ly[i]] for i in range(n)])


def timed(fn, device, *args, **kw):
    sync(device)
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    sync(device)
    return out, time.perf_counter() - t0


def tune_triton(a, b, C, args, device, size):
    """Time each ``--num-warps`` setting once on the first chunk (after compiling it); return the fastest."""
    from kexue.ot.sinkhorn_triton import block_size, default_num_warps

    default = default_num_warps(block_size(size), block_size(size))
    options = args.num_warps or [default]
    if len(options) == 1:
        return options[0]
    times = {}
    for w in options:
        try:
            _, t_compile = timed(run_triton, device, a[:64], b[:64], C[:64], args.eps, args.tol, args.max_iter, w)
            _, times[w] = timed(run_triton, device, a, b, C, args.eps, args.tol, args.max_iter, w)
            print(f"  {size}x{size}: triton num_warps={w}: {len(C) / times[w]:,.0f} pairs/s "
                  f"(first call incl. compile {t_compile:.1f} s)", flush=True)
        except Exception as exc:  # a setting that fails to compile or run is reported and skipped
            print(f"  {size}x{size}: triton num_warps={w} failed: {type(exc).__name__}: {exc}", flush=True)
    if not times:
        raise RuntimeError("no num_warps setting ran")
    best = min(times, key=times.get)
    print(f"  {size}x{size}: triton keeps num_warps={best} (default for this size: {default})", flush=True)
    return best


def check(args, device):
    """The fused kernel against the PyTorch loop on the same pairs: values, iterations, converged flags."""
    import torch

    from kexue.ot.sinkhorn import sinkhorn_batch
    from kexue.textsim.entropic import _problem

    print(f"{'size':>7} {'pairs':>7} {'max |Δcost|':>12} {'max rel':>9} {'max |Δit|':>9} {'conv ≠':>6} "
          f"{'conv':>6} {'torch s':>8} {'triton s':>8}")
    worst = 0.0
    for size in args.sizes:
        gen = torch.Generator(device=device).manual_seed(args.seed + size)
        X, lx, Y, ly = make_chunk(args.pairs, size, args.d, gen, device)
        a, b, C = _problem(X, lx, Y, ly, "wrd")
        kw = dict(eps=args.eps, tol=args.tol, max_iter=args.max_iter)
        try:
            ref, t_ref = timed(sinkhorn_batch, device, a, b, C, **kw)
            sinkhorn_batch(a[:8], b[:8], C[:8], kernel="triton", **kw)  # compile outside the timing
            fused, t_fused = timed(sinkhorn_batch, device, a, b, C, kernel="triton", **kw)
        except Exception as exc:  # report the size and go on with the others
            print(f"{size:>4}x{size:<2} FAILED: {type(exc).__name__}: {exc}", flush=True)
            traceback.print_exc(limit=3)
            worst = float("inf")
            continue
        diff = (fused.cost - ref.cost).abs()
        rel = float((diff / ref.cost.abs().clamp_min(1e-12)).max())
        worst = max(worst, rel)
        print(f"{size:>4}x{size:<2} {args.pairs:>7} {float(diff.max()):>12.2e} {rel:>9.2e} "
              f"{int((fused.iterations - ref.iterations).abs().max()):>9} "
              f"{int((fused.converged != ref.converged).sum()):>6} {float(fused.converged.float().mean()):>6.3f} "
              f"{t_ref:>8.3f} {t_fused:>8.3f}", flush=True)
    print(f"worst relative cost difference {worst:.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1 << 20, help="pairs per size (in chunks)")
    ap.add_argument("--chunk", type=int, default=1 << 16, help="pairs per padded batch")
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 16], help="padded lengths M = N")
    ap.add_argument("--d", type=int, default=384, help="vector dimension")
    ap.add_argument("--eps", type=float, default=0.01)
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--gap-pairs", type=int, default=2000, help="pairs compared with exact CPU WRD")
    ap.add_argument("--solvers", nargs="+", choices=list(SOLVERS), default=list(SOLVERS), help="rows to run")
    ap.add_argument("--num-warps", type=int, nargs="*", default=[1, 2, 4, 8],
                    help="triton launch settings timed once each on the first chunk, fastest kept "
                         "(none given: the kernel's default)")
    ap.add_argument("--pot-pairs", type=int, default=None,
                    help="time POT on only the first chunks covering this many pairs (it is the slow row)")
    ap.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--small", action="store_true", help="CPU smoke run: 256 pairs, chunks of 64, 40 gap pairs")
    ap.add_argument("--gap-only", action="store_true", help="only the gap to exact, kexue solver only")
    ap.add_argument("--check", action="store_true", help="only compare the triton kernel with the torch loop")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if args.small:
        args.pairs, args.chunk, args.gap_pairs, args.d = 256, 64, 40, 64
    if args.gap_only:
        args.pairs = args.chunk = args.gap_pairs
        args.solvers = ["torch"]
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "CPU"
    print(f"device {device} ({name}), torch {torch.__version__}, eps={args.eps}, tol={args.tol}, "
          f"max_iter={args.max_iter}, d={args.d}, {args.pairs} pairs per size in chunks of {args.chunk}", flush=True)
    if args.check:
        check(args, device)
        return
    if "triton" in args.solvers and not device.startswith("cuda") and os.environ.get("TRITON_INTERPRET") != "1":
        print("  (no triton row: it needs CUDA, or TRITON_INTERPRET=1 on the CPU)")
        args.solvers = [s for s in args.solvers if s != "triton"]

    from kexue.textsim.entropic import _problem

    pot_pairs = args.pairs if args.pot_pairs is None else min(args.pot_pairs, args.pairs)
    header = (f"\n{'size':>6} {'solver':<28} {'pairs':>8} {'pairs/s':>12} {'x POT':>7} {'gap mean':>10} "
              f"{'gap max|.|':>11} {'non-finite':>10}")
    rows = []
    for size in args.sizes:
        gen = torch.Generator(device=device).manual_seed(args.seed + size)
        active = {key: SOLVERS[key] for key in args.solvers}
        seconds, pairs = dict.fromkeys(active, 0.0), dict.fromkeys(active, 0)
        gap_vals, settings = {}, {}
        exact = None
        done = 0
        while done < args.pairs and active:
            n = min(args.chunk, args.pairs - done)
            X, lx, Y, ly = make_chunk(n, size, args.d, gen, device)
            a, b, C = _problem(X, lx, Y, ly, "wrd")
            if exact is None:  # the gap subsample is the first chunk's first pairs
                t0 = time.perf_counter()
                exact = exact_wrd(X, lx, Y, ly, min(args.gap_pairs, n))
                print(f"  {size}x{size}: exact WRD for {len(exact)} pairs in {time.perf_counter() - t0:.1f} s",
                      flush=True)
            del X, Y
            for key in list(active):
                label, fn = active[key]
                if key == "pot" and done >= pot_pairs:
                    continue
                try:
                    if done == 0 and key == "compile":
                        # compile outside the timing (dynamic shapes: one compile serves every batch size)
                        _, t = timed(fn, device, a[:8], b[:8], C[:8], args.eps, args.tol, args.max_iter)
                        print(f"  {size}x{size}: torch.compile warm-up {t:.1f} s (not timed)", flush=True)
                    if done == 0 and key == "triton":
                        settings[key] = tune_triton(a, b, C, args, device, size)
                    extra = {"num_warps": settings[key]} if key == "triton" else {}
                    cost, t = timed(fn, device, a, b, C, args.eps, args.tol, args.max_iter, **extra)
                except Exception as exc:  # report the row and go on with the others
                    print(f"  {size}x{size}: {label} FAILED: {type(exc).__name__}: {exc}", flush=True)
                    traceback.print_exc(limit=3)
                    del active[key]
                    continue
                seconds[key] += t
                pairs[key] += n
                if done == 0:
                    gap_vals[key] = cost[:len(exact)].double().cpu().numpy() - exact
            done += n
        for key in active:
            g = gap_vals[key]
            label = SOLVERS[key][0] + (f" w={settings[key]}" if key in settings else "")
            rows.append((size, label, pairs[key], pairs[key] / seconds[key], float(np.mean(g)),
                         float(np.max(np.abs(g))), int(np.sum(~np.isfinite(g)))))
        print(header)  # each size's table as soon as it is done, so a cut-off run still reports
        for row in rows:
            if row[0] == size:
                print_row(rows, row)
    print(header)
    for row in rows:
        print_row(rows, row)


def print_row(rows, row):
    size, label, n, rate, gmean, gmax, bad = row
    pot = {r[0]: r[3] for r in rows if r[1].startswith("POT")}
    ratio = f"{rate / pot[size]:.2f}" if size in pot else "-"
    print(f"{size:>4}x{size:<2} {label:<28} {n:>8} {rate:>12.1f} {ratio:>7} {gmean:>10.2e} {gmax:>11.2e} {bad:>10}",
          flush=True)


if __name__ == "__main__":
    main()
