"""``sinkhorn_batch(kernel="triton")`` (the fused kernel) against ``kernel="torch"`` on the CPU.

Where CUDA is available the kernel runs compiled on the GPU; elsewhere under Triton's interpreter
(``TRITON_INTERPRET=1``). That variable must be set before triton is imported and changes Triton for the whole
process, so the kernel runs in one child process for the module; this process never imports triton (so the skip
below uses ``find_spec``, not ``importorskip``, which would import it).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import kexue
from kexue.ot.sinkhorn import sinkhorn_batch
from kexue.textsim.entropic import sinkhorn_distance_batch

needs_triton = pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="triton is not installed")

# name: (M, N, batch, dtype, settings); padded sizes 1×1 … 33×20 (tile 64×32), float64 input cast to float32,
# a max_iter cut (non-converged pairs), check_every = 1 and an odd check_every
CASES = {
    "1x1": (1, 1, 3, torch.float32, {"eps": 0.05}),
    "3x7": (3, 7, 4, torch.float32, {"eps": 0.05}),
    "16x16": (16, 16, 4, torch.float32, {"eps": 0.05}),
    "33x20": (33, 20, 4, torch.float32, {"eps": 0.05}),
    "float64": (5, 4, 3, torch.float64, {"eps": 0.05}),
    "max_iter": (16, 16, 3, torch.float32, {"eps": 0.01, "max_iter": 30, "check_every": 7}),
    "check_every=1": (6, 9, 3, torch.float32, {"eps": 0.1, "check_every": 1}),
}

WORKER = """
import sys, torch
from kexue.ot.sinkhorn import sinkhorn_batch
from kexue.textsim.entropic import sinkhorn_distance_batch
cases, texts = torch.load(sys.argv[1], weights_only=False)
dev = sys.argv[3]
out = {}
for name, (a, b, C, kw) in cases.items():
    r = sinkhorn_batch(a.to(dev), b.to(dev), C.to(dev), kernel="triton", tol=1e-5, **kw)
    out[name] = tuple(None if t is None else t.cpu() for t in (r.cost, r.marginal_error, r.iterations, r.converged,
                                                                r.plan))
out["texts"] = sinkhorn_distance_batch(*texts, eps=0.05, kernel="triton", batch_size=2, device=dev)
torch.save(out, sys.argv[2])
"""
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def padded_case(seed, M, N, batch, dtype):
    """Random masses and costs in [0, 2] with random lengths (the first problem full size), NaN at padding."""
    gen = torch.Generator().manual_seed(seed)
    lm, ln = torch.randint(1, M + 1, (batch,), generator=gen), torch.randint(1, N + 1, (batch,), generator=gen)
    lm[0], ln[0] = M, N
    a = (torch.rand(batch, M, generator=gen) + 0.05) * (torch.arange(M) < lm[:, None])
    b = (torch.rand(batch, N, generator=gen) + 0.05) * (torch.arange(N) < ln[:, None])
    a, b = a / a.sum(1, keepdim=True), b / b.sum(1, keepdim=True)
    C = 2 * torch.rand(batch, M, N, generator=gen)
    C[~((a > 0)[:, :, None] & (b > 0)[:, None, :])] = float("nan")  # must be ignored
    return a.to(dtype), b.to(dtype), C.to(dtype)


def texts():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(int(rng.integers(1, 12)), 8)) for _ in range(5)]
    ys = [rng.normal(size=(int(rng.integers(1, 12)), 8)) for _ in range(5)]
    return xs, ys


@pytest.fixture(scope="module")
def triton_results(tmp_path_factory):
    cases = {name: (*padded_case(k, M, N, batch, dtype), kw)
             for k, (name, (M, N, batch, dtype, kw)) in enumerate(CASES.items())}
    tmp = tmp_path_factory.mktemp("triton")
    torch.save((cases, texts()), tmp / "in.pt")
    src = str(Path(kexue.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
    if DEVICE == "cpu":
        env["TRITON_INTERPRET"] = "1"
    proc = subprocess.run([sys.executable, "-c", WORKER, str(tmp / "in.pt"), str(tmp / "out.pt"), DEVICE], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cases, torch.load(tmp / "out.pt", weights_only=False)


@needs_triton
@pytest.mark.parametrize("name", list(CASES))
def test_fused_kernel_matches_torch_loop(triton_results, name):
    cases, out = triton_results
    a, b, C, kw = cases[name]
    ref = sinkhorn_batch(a, b, C, kernel="torch", tol=1e-5, **kw)
    cost, err, iters, converged, plan = out[name]
    assert plan is None
    assert cost.dtype == C.dtype and cost.shape == ref.cost.shape
    assert iters.dtype == ref.iterations.dtype and converged.dtype == torch.bool
    assert torch.isfinite(cost).all() and torch.isfinite(err).all()
    np.testing.assert_allclose(cost.double().numpy(), ref.cost.double().numpy(), rtol=2e-5, atol=1e-7)
    # float32 rounding can move the stop by one check where the error is within rounding of tol
    check_every = kw.get("check_every", 10)
    assert (iters - ref.iterations).abs().max() <= check_every
    assert torch.equal(converged, ref.converged)
    assert torch.equal(converged, err < 1e-5)
    if name == "max_iter":
        assert not bool(converged.all()) and int(iters.max()) == kw["max_iter"]


@needs_triton
def test_entropic_wrd_passes_kernel_through(triton_results):
    _, out = triton_results
    ref = sinkhorn_distance_batch(*texts(), eps=0.05, batch_size=2, device="cpu")
    np.testing.assert_allclose(out["texts"], ref, rtol=2e-5, atol=1e-7)


def small_problem(**kw):
    a = torch.full((2, 3), 1 / 3, **kw)
    return a, a.detach().clone(), torch.rand(2, 3, 3, **kw)


@pytest.mark.parametrize("options, match", [
    ({"return_plan": True}, "return_plan"),
    ({"eps_scaling": 0.5}, "eps_scaling"),
    ({"compile": True}, "compile"),
])
def test_unsupported_options_are_refused(options, match):
    with pytest.raises(ValueError, match=match):
        sinkhorn_batch(*small_problem(), kernel="triton", **options)


def test_refusals_need_no_triton(monkeypatch):
    a, b, C = small_problem(requires_grad=True)
    with pytest.raises(ValueError, match="no backward"):
        sinkhorn_batch(a, b, C, kernel="triton")
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(ValueError, match="needs CUDA tensors"):
        sinkhorn_batch(*small_problem(), kernel="triton")
    big = torch.full((1, 129), 1 / 129)
    with pytest.raises(ValueError, match="up to 128"):
        sinkhorn_batch(big, big, torch.rand(1, 129, 129), kernel="triton")
    with pytest.raises(ValueError, match="kernel"):
        sinkhorn_batch(*small_problem(), kernel="cuda")
    with pytest.raises(ValueError, match="eps_scaling"):
        sinkhorn_distance_batch(*texts(), kernel="triton", eps_scaling=0.5, device="cpu")
