"""Time every GELU form against torch.nn.functional.gelu on one large float32 tensor, in one run.

    PYTHONPATH=src python benchmarks/bench_gelu.py [--n 16777216] [--repeats 9] [--threads 1] [--device cpu]
                                                   [--compile [FORM ...]]

Prints the median time per call, the ratio to F.gelu(approximate='none') and to F.gelu(approximate='tanh'),
and each form's max |error| against float64 exact GELU on the same tensor (measured, float32 rounding included).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from kexue.gelu import APPROXIMATIONS, gelu


def _time_interleaved(candidates: dict, x, repeats: int) -> dict[str, float]:
    """Median seconds per call; the candidates take turns in every round so that load drift on a shared
    machine hits them all alike."""
    for fn in candidates.values():
        fn(x)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            if x.is_cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn(x)
            if x.is_cuda:
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1 << 24)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--compile", nargs="*", default=None, metavar="FORM",
                    help="also time these forms (all if none named) fused by torch.compile (compile time excluded)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(args.n, generator=gen) * 3).to(args.device)  # float32, spread over the region that matters
    exact64 = gelu(x.double(), "none")

    candidates = {
        "F.gelu none": lambda t: F.gelu(t),
        "F.gelu tanh": lambda t: F.gelu(t, approximate="tanh"),
        "x*sigmoid(1.702x) (eager)": lambda t: t * torch.sigmoid(1.702 * t),
    }
    for name in APPROXIMATIONS:
        candidates[f"kexue {name}"] = lambda t, n=name: gelu(t, n)
    if args.compile is not None:
        for name in args.compile or APPROXIMATIONS:
            fn = torch.compile(lambda t, n=name: gelu(t, n))
            t0 = time.perf_counter()
            fn(x)
            print(f"torch.compile {name}: {time.perf_counter() - t0:.1f} s to compile (not timed)")
            candidates[f"kexue {name} (compiled)"] = fn

    timings = _time_interleaved(candidates, x, args.repeats)
    base_none, base_tanh = timings["F.gelu none"], timings["F.gelu tanh"]
    print(f"torch {torch.__version__}, device {x.device}, n = {args.n:,} float32, threads = {args.threads}, "
          f"median of {args.repeats}")
    print(f"{'form':36s} {'ms/call':>9s} {'vs F.gelu none':>15s} {'vs F.gelu tanh':>15s} {'max |err| (f32)':>16s}")
    for name, fn in candidates.items():
        err = (fn(x).double() - exact64).abs().max().item()
        print(f"{name:36s} {1e3 * timings[name]:9.2f} {timings[name] / base_none:15.2f} "
              f"{timings[name] / base_tanh:15.2f} {err:16.3e}")


if __name__ == "__main__":
    main()
