#!/usr/bin/env bash
# Issue 10's GPU acceptance in one device run (about 4–5 minutes on an H200): versions, the fused Triton kernel
# against the PyTorch loop, then bench_gpu.py on 1M padded WRD pairs at 32×32 and 16×16 with every row.
# Everything goes to $OUT/gpu_log.txt.
#
# Needs python3 with torch (CUDA), triton, numba, scipy. POT comes from a carried wheel, installed first:
#   python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
#     && export PYTHONPATH=/tmp/site:$PWD/src && bash benchmarks/gpu_session.sh
# Without POT the POT row reports its ImportError and the other rows still run (the exact values come from
# kexue's own numba solver). Shorter run: POT_PAIRS=262144 (POT is the slow row, ≈ 75 s per 1M pairs at 32×32).
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
case ":${PYTHONPATH:-}:" in *":$PWD/src:"*) ;; *) export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD/src ;; esac
PAIRS=${PAIRS:-1048576}
POT_PAIRS=${POT_PAIRS:-$PAIRS}
CHUNK=${CHUNK:-65536}
CHECK_PAIRS=${CHECK_PAIRS:-4096}

{
  start=$SECONDS
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || true
  python3 - <<'PY'
import importlib, sys
print("python", sys.version.split()[0])
for mod in ("torch", "triton", "numba", "scipy", "numpy", "ot"):
    try:
        print(f"{mod} {importlib.import_module(mod).__version__}")
    except Exception as exc:
        print(f"{mod} MISSING ({type(exc).__name__}: {exc})")
import torch
print("cuda", torch.version.cuda, "device", torch.cuda.get_device_name() if torch.cuda.is_available() else "NONE")
PY

  echo "== fused kernel vs PyTorch loop (values; tile sides 16, 16, 32, 64, 128) =="
  timeout 150 python3 benchmarks/bench_gpu.py --check --pairs "$CHECK_PAIRS" --d 64 --sizes 7 16 32 50 100 \
    || echo "CHECK FAILED OR TIMED OUT (exit $?)"
  echo "elapsed $((SECONDS - start)) s"

  echo "== throughput: $PAIRS pairs per size, chunks of $CHUNK, POT on $POT_PAIRS =="
  timeout 420 python3 benchmarks/bench_gpu.py --pairs "$PAIRS" --chunk "$CHUNK" --sizes 32 16 --gap-pairs 2000 \
    --pot-pairs "$POT_PAIRS" --num-warps 1 2 4 8 --solvers triton torch compile pot \
    || echo "BENCH FAILED OR TIMED OUT (exit $?)"
  echo "elapsed $((SECONDS - start)) s"
} 2>&1 | tee "$OUT/gpu_log.txt"
