"""Small CPU training demos for the designed losses: 2-D Gaussian mixtures (ring8, grid25) and MNIST-5k.

Metrics for the mixtures (the usual ones from the unrolled-GAN / VEEGAN / PacGAN papers):

* a generated sample is *high quality* if it lies within ``3 sigma`` of some mode centre;
* a mode is *covered* if it receives at least ``1 / (10 K)`` of the samples as high-quality ones
  (K modes; 10 % of its fair share);
* the density-ratio readout ``r_hat = omega^{-1}(t(x))`` of the trained discriminator on held-out data
  (mean ``log r_hat`` on held-out real samples and on fresh generated samples; both are 0 at ``q = p``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from kexue._validation import check_choice, check_positive_int
from kexue.gans.design import LossDesign

DATASETS = ("ring8", "grid25", "mnist5k")


@dataclass(frozen=True)
class GaussianMixture2D:
    """Equal-weight isotropic 2-D Gaussian mixture with centres ``centers`` and common ``sigma``."""

    name: str
    centers: np.ndarray
    sigma: float

    def rvs(self, n: int, random_state=None) -> np.ndarray:
        rng = np.random.default_rng(random_state)
        idx = rng.integers(len(self.centers), size=n)
        return self.centers[idx] + self.sigma * rng.standard_normal((n, 2))

    def metrics(self, samples: np.ndarray, min_share: float = 0.1) -> dict[str, Any]:
        """High-quality share, per-mode counts and modes covered (see the module docstring)."""
        x = np.asarray(samples, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"samples must have shape (n, 2), got {x.shape}")
        dist = np.linalg.norm(x[:, None, :] - self.centers[None, :, :], axis=2)
        nearest = dist.argmin(axis=1)
        good = dist[np.arange(len(x)), nearest] <= 3 * self.sigma
        counts = np.bincount(nearest[good], minlength=len(self.centers))
        k = len(self.centers)
        covered = int((counts >= min_share * len(x) / k).sum())
        return {"modes": k, "modes_covered": covered, "high_quality": float(good.mean()),
                "mode_counts": counts.tolist()}


def ring8(radius: float = 2.0, sigma: float = 0.05) -> GaussianMixture2D:
    """8 Gaussians evenly spaced on a circle of radius 2, sigma 0.02 (Metz et al., unrolled GANs)."""
    ang = 2 * np.pi * np.arange(8) / 8
    return GaussianMixture2D("ring8", radius * np.stack([np.cos(ang), np.sin(ang)], axis=1), sigma)


def grid25(spacing: float = 2.0, sigma: float = 0.05) -> GaussianMixture2D:
    """25 Gaussians on the 5 x 5 grid {-4, -2, 0, 2, 4}^2, sigma 0.05 (VEEGAN / PacGAN)."""
    g = spacing * (np.arange(5) - 2.0)
    return GaussianMixture2D("grid25", np.array([[a, b] for a in g for b in g]), sigma)


@dataclass
class TrainResult:
    """Outcome of :func:`train_gan`: final samples, metrics, and a history of the losses and readout."""

    loss: str
    data: str
    seed: int
    steps: int
    seconds: float
    cpu_seconds: float
    samples: np.ndarray
    metrics: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"loss": self.loss, "data": self.data, "seed": self.seed, "steps": self.steps,
                "seconds": round(self.seconds, 2), "cpu_seconds": round(self.cpu_seconds, 2), **self.metrics}


def _mlp(sizes: list[int], act: Callable, out_act=None):
    import torch.nn as nn

    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    if out_act is not None:
        layers.append(out_act())
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class _Setup:
    latent: int
    g_sizes: list[int]
    d_sizes: list[int]
    batch: int
    lr: float
    steps: int
    r1: float


_SETUPS = {
    "ring8": _Setup(latent=16, g_sizes=[128, 128], d_sizes=[128, 128], batch=128, lr=1e-3, steps=1500, r1=0.1),
    "grid25": _Setup(latent=16, g_sizes=[128, 128], d_sizes=[128, 128], batch=128, lr=1e-3, steps=1500, r1=0.1),
    "mnist5k": _Setup(latent=64, g_sizes=[256], d_sizes=[256], batch=64, lr=5e-4, steps=1000, r1=0.0),
}


def _load_mnist(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from kexue.datasets import load_mnist5k

    x, _ = load_mnist5k()
    x = (x / 127.5 - 1.0).astype(np.float32)
    perm = np.random.default_rng(seed).permutation(len(x))
    return x[perm[500:]], x[perm[:500]]


def train_gan(loss: LossDesign, data: str = "ring8", *, steps: int | None = None, seed: int = 0,
              batch_size: int | None = None, lr: float | None = None, n_eval: int = 2500,
              r1: float | None = None, hidden: int | None = None, lr_decay: bool = True, log_every: int = 250,
              threads: int | None = 1) -> TrainResult:
    """Train a small MLP GAN with ``loss`` (a preset or a design) on CPU.

    The discriminator minimises ``loss.discriminator_loss`` and the generator ``loss.generator_loss``,
    one alternating Adam step each (betas 0.5, 0.999). Defaults per data set: ring8/grid25 1500 steps of
    batch 128 at lr 1e-3 with r1 = 0.1; MNIST-5k 1000 steps of batch 64 at lr 5e-4 without r1 (4500
    training images, 500 held out). The same settings serve every loss. ``r1 > 0`` adds the
    loss-independent zero-centred gradient penalty ``r1/2 * E_p |grad_x logit|^2`` (Mescheder et al. 2018)
    to the discriminator; ``hidden`` overrides the width of every hidden layer. With ``lr_decay`` both
    learning rates decay linearly to 0, which removes the step noise at the end of a short run.

    Returns
    -------
    TrainResult
        ``samples`` are ``n_eval`` fresh generator samples (2-D) or 64 images (28 x 28, in [0, 1]);
        ``metrics`` hold the mixture metrics (2-D) and the readout on held-out data.
    """
    import torch
    import torch.nn as nn

    if not isinstance(loss, LossDesign):
        raise TypeError(f"loss must be a LossDesign (e.g. get_loss('nonsaturating')), got {type(loss).__name__}")
    check_choice(data, "data", DATASETS)
    seed = check_positive_int(seed, "seed", minimum=0)
    setup = _SETUPS[data]
    steps = check_positive_int(setup.steps if steps is None else steps, "steps")
    batch = check_positive_int(setup.batch if batch_size is None else batch_size, "batch_size")
    lr = setup.lr if lr is None else float(lr)
    if not (0 < lr < 1):
        raise ValueError(f"lr must be in (0, 1), got {lr}")
    n_eval = check_positive_int(n_eval, "n_eval")
    if threads is not None:
        torch.set_num_threads(check_positive_int(threads, "threads"))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    if data == "mnist5k":
        train_x, held_x = _load_mnist(seed)
        dim, mixture = 784, None

        def real_batch(n):
            return torch.from_numpy(train_x[rng.integers(len(train_x), size=n)])

        held = torch.from_numpy(held_x)
        out_act = nn.Tanh
    else:
        mixture = ring8() if data == "ring8" else grid25()
        dim = 2

        centers = torch.from_numpy(mixture.centers.astype(np.float32))

        def real_batch(n):
            idx = torch.randint(len(centers), (n,))
            return centers[idx] + mixture.sigma * torch.randn(n, 2)

        held = torch.from_numpy(mixture.rvs(n_eval, np.random.default_rng(seed + 10_000)).astype(np.float32))
        out_act = None

    r1 = setup.r1 if r1 is None else float(r1)
    if r1 < 0:
        raise ValueError(f"r1 must be >= 0, got {r1}")
    g_sizes = setup.g_sizes if hidden is None else [check_positive_int(hidden, "hidden")] * len(setup.g_sizes)
    d_sizes = setup.d_sizes if hidden is None else [hidden] * len(setup.d_sizes)
    gen = _mlp([setup.latent, *g_sizes, dim], nn.ReLU, out_act)
    disc = _mlp([dim, *d_sizes, 1], lambda: nn.LeakyReLU(0.2))
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999), foreach=True)
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999), foreach=True)
    scheds = [torch.optim.lr_scheduler.LambdaLR(o, lambda i: 1 - i / steps if lr_decay else 1.0)
              for o in (opt_g, opt_d)]

    def noise(n):
        return torch.randn(n, setup.latent)

    history: list[dict[str, float]] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(1, steps + 1):
        real = real_batch(batch)
        with torch.no_grad():
            fake = gen(noise(batch))
        if r1 > 0:
            real.requires_grad_(True)
        real_logits = disc(real).squeeze(1)
        d_loss = loss.discriminator_loss(real_logits, disc(fake).squeeze(1))
        total = d_loss
        if r1 > 0:
            (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            total = d_loss + r1 / 2 * grad.pow(2).sum(1).mean()
        opt_d.zero_grad(set_to_none=True)
        total.backward()
        opt_d.step()

        g_loss = loss.generator_loss(disc(gen(noise(batch))).squeeze(1))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        for sch in scheds:
            sch.step()
        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            raise RuntimeError(f"training diverged at step {step} (d_loss={float(d_loss)}, g_loss={float(g_loss)})")
        if step % log_every == 0 or step == steps:
            history.append({"step": step, "d_loss": float(d_loss.detach()), "g_loss": float(g_loss.detach()),
                            **_readout(loss, disc, gen, held, noise)})
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

    with torch.no_grad():
        samples = gen(noise(n_eval if mixture is not None else 64)).numpy().astype(np.float64)
    metrics: dict[str, Any] = dict(_readout(loss, disc, gen, held, noise))
    if mixture is not None:
        metrics.update(mixture.metrics(samples))
    else:
        samples = (samples.reshape(-1, 28, 28) + 1) / 2
    return TrainResult(loss=loss.name, data=data, seed=seed, steps=steps, seconds=seconds,
                       cpu_seconds=cpu_seconds, samples=samples,
                       metrics=metrics, history=history)


def _readout(loss: LossDesign, disc, gen, held, noise) -> dict[str, float]:
    """Mean ``log r_hat`` on held-out real data and on fresh fakes (NaN if the loss has no readout)."""
    import torch

    if loss._torch_forms().log_ratio is None:
        return {"log_ratio_real": float("nan"), "log_ratio_fake": float("nan")}
    with torch.no_grad():
        lr_real = loss.log_ratio(disc(held).squeeze(1))
        lr_fake = loss.log_ratio(disc(gen(noise(len(held)))).squeeze(1))
    return {"log_ratio_real": float(lr_real.mean()), "log_ratio_fake": float(lr_fake.mean())}


def plot_samples(result: TrainResult, path, *, title: str | None = None) -> None:
    """Scatter plot of 2-D samples over the mixture's modes, or a grid of MNIST samples, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = _draw(result, plt, title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def _draw(result: TrainResult, plt, title):
    if result.data == "mnist5k":
        imgs = result.samples[:64]
        grid = imgs.reshape(8, 8, 28, 28).transpose(0, 2, 1, 3).reshape(8 * 28, 8 * 28)
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    else:
        fig, ax = plt.subplots(figsize=(4, 4))
        draw_samples_2d(ax, result)
    ax.set_title(title or f"{result.loss} on {result.data} (seed {result.seed})", fontsize=9)
    return fig


def draw_samples_2d(ax, result: TrainResult) -> None:
    mixture = ring8() if result.data == "ring8" else grid25()
    s = result.samples
    ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.4, color="tab:blue")
    ax.scatter(mixture.centers[:, 0], mixture.centers[:, 1], s=12, marker="x", color="tab:red")
    lim = 3.0 if result.data == "ring8" else 5.5
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    m = result.metrics
    ax.text(0.02, 0.02, f"{m['modes_covered']}/{m['modes']} modes, HQ {m['high_quality']:.0%}",
            transform=ax.transAxes, fontsize=7)


def compare_table(runs: list[dict[str, Any]]) -> str:
    """Markdown table over losses from :meth:`TrainResult.summary` dicts: modes covered per seed,
    mean high-quality share, mean readout, seconds per run."""
    by_loss: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_loss.setdefault(run["loss"], []).append(run)
    lines = ["| loss | modes covered (per seed) | all modes in every seed | high-quality share (mean) "
             "| mean log r̂ real / fake | CPU s per run |",
             "|---|---|---|---|---|---|"]
    for name, group in by_loss.items():
        k = group[0]["modes"]
        covered = [g["modes_covered"] for g in group]
        hq = np.mean([g["high_quality"] for g in group])
        lr_real = np.mean([g["log_ratio_real"] for g in group])
        lr_fake = np.mean([g["log_ratio_fake"] for g in group])
        readout = "n/a" if np.isnan(lr_real) else f"{lr_real:+.2f} / {lr_fake:+.2f}"
        lines.append(f"| {name} | {' / '.join(f'{c}/{k}' for c in covered)} | "
                     f"{'yes' if all(c == k for c in covered) else 'no'} | {hq:.3f} | {readout} | "
                     f"{np.mean([g.get('cpu_seconds', np.nan) for g in group]):.1f} |")
    return "\n".join(lines)


def plot_grid(results: list[TrainResult], path, ncols: int = 4) -> None:
    """One scatter panel per run (2-D mixtures), saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("no results to plot")
    ncols = min(ncols, len(results))
    nrows = -(-len(results) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.4 * ncols, 2.4 * nrows), squeeze=False)
    for ax in axes.ravel()[len(results):]:
        ax.axis("off")
    for ax, res in zip(axes.ravel(), results):
        draw_samples_2d(ax, res)
        ax.set_title(f"{res.loss} (seed {res.seed})", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
