"""ZLPR versus sigmoid + BCE on the Yeast multi-label data (the experiment behind ``kexue multilabel train``).

Protocol (fixed, so runs are comparable):

- Data: MULAN Yeast from :func:`kexue.datasets.load_yeast`, 2,417 samples × 103 features, 14 labels.
- Split: one permutation from ``numpy.random.default_rng(0)``: the first 1,450 rows train, the next
  483 validate, the last 484 test. Features are standardised with the training mean and std.
- Model: MLP 103 → hidden (ReLU, dropout 0.2) → 14 logits, Adam, mini-batches; a seed sets the
  initialisation, dropout and batch order. Nothing else changes between losses.
- Losses: ``zlpr`` (multi-label softmax CE, predict logit > 0); ``bce`` (sigmoid + BCE, predict
  σ(logit) > 0.5); ``bce-tuned`` (the *same* BCE network, one global probability threshold chosen on
  the validation set to maximise micro-F1 over 0.05, 0.10, …, 0.95).
- Metrics on the test rows: micro-F1, macro-F1 (labels never predicted nor present count 0), exact
  match (subset accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kexue._validation import check_choice, check_positive_int

__all__ = ["LOSSES", "YeastSplit", "yeast_split", "train_mlp", "multilabel_scores", "tune_threshold", "run_yeast"]

LOSSES = ("zlpr", "bce", "bce-tuned")
SPLIT_SEED = 0
N_TRAIN, N_VAL = 1450, 483
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


@dataclass(frozen=True)
class YeastSplit:
    """Standardised float32 features and 0/1 labels of the fixed train/validation/test split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def yeast_split() -> YeastSplit:
    """The fixed split described in the module docstring."""
    from kexue.datasets import load_yeast

    x, y = load_yeast()
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    tr, va, te = perm[:N_TRAIN], perm[N_TRAIN:N_TRAIN + N_VAL], perm[N_TRAIN + N_VAL:]
    mu, sd = x[tr].mean(0), x[tr].std(0)
    xs = ((x - mu) / np.where(sd > 0, sd, 1.0)).astype(np.float32)
    return YeastSplit(xs[tr], y[tr], xs[va], y[va], xs[te], y[te])


def train_mlp(x: np.ndarray, y: np.ndarray, loss: str, *, seed: int, hidden: int = 128, epochs: int = 30,
              lr: float = 1e-3, batch_size: int = 64):
    """Train the MLP with ``loss`` in {"zlpr", "bce"} and return it in eval mode."""
    import torch
    from torch import nn

    from kexue.multilabel.losses import multilabel_categorical_crossentropy

    check_choice(loss, "loss", ("zlpr", "bce"))
    criterion = multilabel_categorical_crossentropy if loss == "zlpr" else nn.functional.binary_cross_entropy_with_logits
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, y.shape[1]))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y, dtype=torch.float32)
    order = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(xt), generator=order).split(batch_size):
            opt.zero_grad()
            criterion(net(xt[batch]), yt[batch]).backward()
            opt.step()
    return net.eval()


def multilabel_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Micro-F1, macro-F1 and exact match of 0/1 predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "exact_match": float(accuracy_score(y_true, y_pred)),
    }


def tune_threshold(prob: np.ndarray, y_true: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> float:
    """The grid threshold with the best micro-F1 (the smallest one on ties)."""
    scores = [multilabel_scores(y_true, prob > t)["micro_f1"] for t in grid]
    return float(grid[int(np.argmax(scores))])


def _logits(net, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return net(torch.as_tensor(x)).double().numpy()


def run_yeast(losses=LOSSES, *, seeds: int = 5, hidden: int = 128, epochs: int = 30, lr: float = 1e-3,
              batch_size: int = 64, split: YeastSplit | None = None) -> dict:
    """Train and score every loss for seeds 0..seeds-1.

    Returns ``{"runs": [{"loss", "seed", "threshold", micro_f1, macro_f1, exact_match}, ...],
    "summary": {loss: {metric: (mean, std)}}}`` with std the sample standard deviation (ddof=1;
    0 for one seed).
    """
    import torch

    losses = tuple(dict.fromkeys(losses))
    if not losses:
        raise ValueError(f"name at least one loss from {', '.join(LOSSES)}")
    for name in losses:
        check_choice(name, "loss", LOSSES)
    seeds = check_positive_int(seeds, "seeds")
    hidden = check_positive_int(hidden, "hidden")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    data = split if split is not None else yeast_split()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny MLP: one thread is as fast and leaves the other cores alone
    try:
        runs = [run for seed in range(seeds)
                for run in _run_seed(data, losses, seed, hidden=hidden, epochs=epochs, lr=lr, batch_size=batch_size)]
    finally:
        torch.set_num_threads(threads)

    summary = {}
    for name in losses:
        rows = [r for r in runs if r["loss"] == name]
        summary[name] = {m: (float(np.mean([r[m] for r in rows])),
                             float(np.std([r[m] for r in rows], ddof=1)) if len(rows) > 1 else 0.0)
                         for m in ("micro_f1", "macro_f1", "exact_match")}
    return {"runs": runs, "summary": summary,
            "config": {"seeds": seeds, "hidden": hidden, "epochs": epochs, "lr": lr, "batch_size": batch_size,
                       "split": {"seed": SPLIT_SEED, "train": len(data.x_train), "val": len(data.x_val),
                                 "test": len(data.x_test)}}}


def _run_seed(data: YeastSplit, losses, seed: int, **train_kw) -> list[dict]:
    """Score each loss for one seed; bce and bce-tuned share one trained network."""
    from scipy.special import expit

    runs = []
    nets = {}
    for name in losses:
        family = "zlpr" if name == "zlpr" else "bce"
        if family not in nets:
            nets[family] = train_mlp(data.x_train, data.y_train, family, seed=seed, **train_kw)
        test_logits = _logits(nets[family], data.x_test)
        if name == "zlpr":
            threshold, pred = 0.0, test_logits > 0
        elif name == "bce":
            threshold, pred = 0.5, expit(test_logits) > 0.5
        else:
            threshold = tune_threshold(expit(_logits(nets[family], data.x_val)), data.y_val)
            pred = expit(test_logits) > threshold
        runs.append({"loss": name, "seed": seed, "threshold": threshold,
                     **multilabel_scores(data.y_test, pred.astype(np.int64))})
    return runs
