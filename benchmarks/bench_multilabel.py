"""Dense versus sparse multi-label softmax cross-entropy at 100k labels: time and memory.

    PYTHONPATH=src python benchmarks/bench_multilabel.py [--labels 100000] [--batch 64] [--max-positives 5]

Every variant runs forward + backward on the same float32 logits (batch × labels, requires_grad)
and the same positives (1..max-positives per row, drawn at random):

- ``sparse``        kexue sparse_multilabel_categorical_crossentropy(logits, padded ids)
- ``dense``         kexue multilabel_categorical_crossentropy(logits, dense 0/1 target handed in)
- ``dense+build``   the same, plus building the dense target from the ids (zeros + scatter) inside the step
- ``bce``           torch binary_cross_entropy_with_logits on the dense target (the usual baseline)
- ``margin``        torch nn.MultiLabelMarginLoss (pairwise hinge; its target is a −1-padded (batch, labels)
                    int64 tensor, so it is dense too)

Time: the best (minimum) wall time of forward + backward over ``--repeats`` runs after two warm-ups,
one thread; on a shared machine the minimum is the run least disturbed by other processes.

Memory: peak of the bytes allocated *inside* the step, from the allocator's own events.
``torch.profiler.profile(profile_memory=True)`` records every CPU allocation and free (size, time);
their running sum in time order is the live-bytes curve of the step, and its maximum is the peak,
including temporaries freed before the step ends and the logits' gradient. Tensors that exist
before the step (logits, ids, a handed-in dense target) are not in it, so the target's own size is
listed in a separate column: ``dense`` needs it resident, ``dense+build`` allocates it inside.
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch
from torch._C._profiler import _EventType
from torch.profiler import ProfilerActivity, profile

from kexue.multilabel import multilabel_categorical_crossentropy, sparse_multilabel_categorical_crossentropy

MB = 1e6


def make_problem(batch: int, labels: int, max_positives: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, labels, generator=g)
    counts = torch.randint(1, max_positives + 1, (batch,), generator=g)
    ids = torch.full((batch, max_positives), -1, dtype=torch.int64)
    for row, k in enumerate(counts.tolist()):
        ids[row, :k] = torch.randperm(labels, generator=g)[:k]
    return logits, ids


def dense_target(ids: torch.Tensor, labels: int) -> torch.Tensor:
    target = torch.zeros(ids.shape[0], labels)
    keep = ids >= 0
    return target.scatter_(1, torch.where(keep, ids, 0), keep.float())


def margin_target(ids: torch.Tensor, labels: int) -> torch.Tensor:
    target = torch.full((ids.shape[0], labels), -1, dtype=torch.int64)
    target[:, : ids.shape[1]] = ids  # MultiLabelMarginLoss reads ids up to the first −1
    return target


def peak_allocated_bytes(step) -> int:
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = []

    def walk(event):
        if event.tag == _EventType.Allocation:
            events.append((event.start_time_ns, event.extra_fields.alloc_size))
        for child in event.children:
            walk(child)

    for root in prof.profiler.kineto_results.experimental_event_tree():
        walk(root)
    events.sort()
    return max(itertools.accumulate(size for _, size in events), default=0)


def best_seconds(step, repeats: int) -> float:
    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--max-positives", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(1)

    n = args.labels
    base, ids = make_problem(args.batch, n, args.max_positives)
    logits = base.clone().requires_grad_(True)
    target = dense_target(ids, n)
    margin = margin_target(ids, n)

    def backward(loss):
        logits.grad = None
        loss.backward()
        return loss.detach()

    variants = {
        "sparse": (lambda: backward(sparse_multilabel_categorical_crossentropy(logits, ids)), ids),
        "dense": (lambda: backward(multilabel_categorical_crossentropy(logits, target)), target),
        "dense+build": (lambda: backward(multilabel_categorical_crossentropy(logits, dense_target(ids, n))), None),
        "bce": (lambda: backward(torch.nn.functional.binary_cross_entropy_with_logits(logits, target)), target),
        "margin": (lambda: backward(torch.nn.functional.multilabel_margin_loss(logits, margin)), margin),
    }
    values = {name: step().item() for name, (step, _) in variants.items()}
    print(f"batch {args.batch}, {n:,} labels, 1-{args.max_positives} positives per row, float32, CPU, 1 thread")
    exact = multilabel_categorical_crossentropy(base.double(), target.double()).item()
    print(f"loss {exact:.9f} (float64 dense); float32 error: sparse {abs(values['sparse'] - exact):.1e}, "
          f"dense {abs(values['dense'] - exact):.1e}")
    print(f"logits {logits.numel() * 4 / MB:.1f} MB; its gradient is part of every peak below\n")
    header = f"{'variant':<12} {'time ms':>9} {'x sparse':>9} {'peak MB':>9} {'x sparse':>9} {'target MB':>10}"
    print(header)
    print("-" * len(header))
    rows = {}
    for name, (step, tgt) in variants.items():
        seconds = best_seconds(step, args.repeats)
        peak = peak_allocated_bytes(step)
        tgt_bytes = (tgt.numel() * tgt.element_size()) if tgt is not None else dense_target(ids, n).numel() * 4
        rows[name] = (seconds, peak, tgt_bytes)
    for name, (seconds, peak, tgt_bytes) in rows.items():
        sp_s, sp_peak, _ = rows["sparse"]
        built = " (built inside)" if name == "dense+build" else ""
        print(f"{name:<12} {seconds * 1e3:9.2f} {seconds / sp_s:9.2f} {peak / MB:9.1f} {peak / sp_peak:9.2f} "
              f"{tgt_bytes / MB:10.4f}{built}")


if __name__ == "__main__":
    main()
