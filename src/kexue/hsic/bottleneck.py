r"""HSIC-bottleneck training (Ma, Lewis & Kleijn, AAAI 2020) of a small MLP, against back-propagation.

Each hidden layer :math:`Z_i = f_i(Z_{i-1})` has its own optimiser and minimises
:math:`\mathrm{nHSIC}(Z_i, X) - \beta\,\mathrm{nHSIC}(Z_i, Y)` with :math:`Z_{i-1}` detached, so no gradient
crosses a layer boundary (no end-to-end back-propagation). nHSIC is the normalised HSIC (CKA) with Gaussian
median-bandwidth kernels; Y is the one-hot label. The paper's code uses NOCCO instead of CKA and SGD; here Adam.
As in the paper, a final linear read-out ("format" step) is then fitted with cross-entropy on the frozen
last hidden layer. The baseline is the same MLP trained end to end with cross-entropy and Adam.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class BottleneckResult:
    hsic_test_accuracy: float
    backprop_test_accuracy: float
    hsic_seconds: float
    backprop_seconds: float
    n_train: int
    n_test: int
    hidden: tuple
    epochs: int
    beta: float

    def to_dict(self) -> dict:
        return asdict(self)


def _split(X, y, n_test, seed):
    """Stratified train/test split (same fraction of every class in the test set)."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.extend(idx[: round(n_test * len(idx) / len(y))])
    mask = np.zeros(len(y), bool)
    mask[test] = True
    return X[~mask], y[~mask], X[mask], y[mask]


def _mlp(torch, sizes):
    layers = [torch.nn.Sequential(torch.nn.Linear(a, b), torch.nn.ReLU()) for a, b in zip(sizes[:-1], sizes[1:])]
    return torch.nn.ModuleList(layers)


def _accuracy(torch, hidden, head, X, y):
    with torch.no_grad():
        z = X
        for layer in hidden:
            z = layer(z)
        return float((head(z).argmax(1) == y).float().mean())


def _batches(torch, n, batch_size, gen):
    perm = torch.randperm(n, generator=gen)
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


def run_bottleneck(*, hidden=(256, 128, 64), epochs: int = 8, beta: float = 20.0, batch_size: int = 256,
                   lr: float = 1e-3, n_test: int = 1000, seed: int = 0, data=None) -> BottleneckResult:
    """Train the MLP ``784 → hidden → 10`` both ways on MNIST-5k and return test accuracies and times.

    ``data=(X, y)`` replaces MNIST-5k (for tests). Uses one CPU thread for reproducible timing.
    """
    import torch

    from kexue.hsic.torch_backend import cka_torch

    if data is None:
        from kexue.datasets import load_mnist5k

        data = load_mnist5k()
    X, y = data
    Xtr, ytr, Xte, yte = _split(np.asarray(X, np.float64) / 255.0, np.asarray(y), n_test, seed)
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-3
    Xtr, Xte = [torch.tensor((a - mu) / sd, dtype=torch.float32) for a in (Xtr, Xte)]
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    n_classes = int(max(ytr.max(), yte.max())) + 1
    sizes = (Xtr.shape[1], *hidden)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # HSIC bottleneck: layer-wise, each layer its own optimiser, inputs detached
        torch.manual_seed(seed)
        net = _mlp(torch, sizes)
        head = torch.nn.Linear(hidden[-1], n_classes)
        opts = [torch.optim.Adam(layer.parameters(), lr=lr) for layer in net]
        gen = torch.Generator().manual_seed(seed)
        t0 = time.perf_counter()
        for _ in range(epochs):
            for idx in _batches(torch, len(ytr), batch_size, gen):
                xb = Xtr[idx]
                yb = torch.nn.functional.one_hot(ytr[idx], n_classes).float()
                z = xb
                for layer, opt in zip(net, opts):
                    z = layer(z.detach())
                    loss = cka_torch(z, xb) - beta * cka_torch(z, yb)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
        # format step: linear read-out on the frozen representation
        with torch.no_grad():
            feats = Xtr
            for layer in net:
                feats = layer(feats)
        opt = torch.optim.Adam(head.parameters(), lr=1e-2)
        for _ in range(epochs):
            for idx in _batches(torch, len(ytr), batch_size, gen):
                loss = torch.nn.functional.cross_entropy(head(feats[idx]), ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        hsic_s = time.perf_counter() - t0
        hsic_acc = _accuracy(torch, net, head, Xte, yte)

        # back-propagation baseline: same architecture and initialisation seed, end-to-end cross-entropy
        torch.manual_seed(seed)
        net_bp = _mlp(torch, sizes)
        head_bp = torch.nn.Linear(hidden[-1], n_classes)
        params = list(net_bp.parameters()) + list(head_bp.parameters())
        opt = torch.optim.Adam(params, lr=lr)
        gen = torch.Generator().manual_seed(seed)
        t0 = time.perf_counter()
        for _ in range(epochs):
            for idx in _batches(torch, len(ytr), batch_size, gen):
                z = Xtr[idx]
                for layer in net_bp:
                    z = layer(z)
                loss = torch.nn.functional.cross_entropy(head_bp(z), ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        bp_s = time.perf_counter() - t0
        bp_acc = _accuracy(torch, net_bp, head_bp, Xte, yte)
    finally:
        torch.set_num_threads(threads)
    return BottleneckResult(hsic_test_accuracy=hsic_acc, backprop_test_accuracy=bp_acc, hsic_seconds=hsic_s,
                            backprop_seconds=bp_s, n_train=len(ytr), n_test=len(yte), hidden=tuple(hidden),
                            epochs=epochs, beta=beta)
