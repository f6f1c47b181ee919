"""``kexue init``: diagnostics of weight initialisers (spectra, norm and gradient drift with depth)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

init_app = typer.Typer(help="Initialisation seen geometrically: how orthogonal each initialiser is, and how "
                            "norms drift through depth.", no_args_is_help=True)

_DEFAULT_INITS = "orthogonal,lecun_normal,fan_out_normal,xavier_normal,he_normal"


@init_app.command("report")
def report(
    width: int = typer.Option(256, "--width", min=2, help="layer width n (square weights n×n)"),
    depth: int = typer.Option(50, "--depth", min=1, help="number of layers"),
    batch: int = typer.Option(128, "--batch", min=1, help="input vectors pushed through the network"),
    trials: int = typer.Option(3, "--trials", min=1, help="independent networks per cell (medians are shown)"),
    inits: str = typer.Option(_DEFAULT_INITS, "--inits", help="comma-separated initialiser names"),
    activations: str = typer.Option("linear,relu,tanh", "--activations", help="comma-separated activations"),
    gain: str = typer.Option("one", "--gain", help="weight gain per activation in the depth runs: one | "
                             "conventional (calculate_gain) | second-moment (1/√E(f(z)²)); He keeps its own √2"),
    demo_n: int = typer.Option(100, "--demo-n", min=2, help="n of the article's MSE(WᵀW, I) demo"),
    demo_trials: int = typer.Option(200, "--demo-trials", min=1, help="Monte-Carlo draws for the demo"),
    seed: int = typer.Option(0, "--seed", help="random seed"),
    plot_spectra: Optional[Path] = typer.Option(None, "--plot-spectra", help="singular-value histograms (PNG)"),
    plot_norms: Optional[Path] = typer.Option(None, "--plot-norms", help="‖h_l‖/‖x‖ against depth (PNG)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write every number as JSON here"),
) -> None:
    """Three tables: the article's demo MSE(WᵀW, I) ≈ (n+1)/n²; spectra of a square and a tall (4n×n) weight
    per initialiser against the Marchenko–Pastur edges; and the drift of ‖h‖, E(h²) and gradient norms
    through a deep bias-free MLP for each initialiser × activation."""
    import torch
    from threadpoolctl import threadpool_limits

    # Small matrices: extra BLAS/torch threads buy little and thrash on busy machines.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            _report(width, depth, batch, trials, inits, activations, gain, demo_n, demo_trials, seed,
                    plot_spectra, plot_norms, json_out)
    finally:
        torch.set_num_threads(threads)


def _report(width, depth, batch, trials, inits, activations, gain, demo_n, demo_trials, seed, plot_spectra,
            plot_norms, json_out) -> None:
    import json
    import math

    import numpy as np
    import torch

    from kexue.cli.angles import markdown_table, parse_list
    from kexue._validation import check_choice
    from kexue.init import (
        calculate_gain,
        get_activation,
        get_initializer,
        orthogonality_report,
        propagate,
        second_moment_gain,
    )

    names = parse_list(inits, "--inits")
    acts = parse_list(activations, "--activations")
    for name in names:
        get_initializer(name)
    for act in acts:
        get_activation(act)
    check_choice(gain, "--gain", ("one", "conventional", "second-moment"))
    gain_of = {"one": lambda act: 1.0, "conventional": calculate_gain, "second-moment": second_moment_gain}[gain]
    gains = {act: gain_of(act) for act in acts}
    rng = np.random.default_rng(seed)
    out: dict = {"width": width, "depth": depth, "batch": batch, "trials": trials, "seed": seed}

    # 1. the article's demo
    mses = np.array([orthogonality_report(rng.standard_normal((demo_n, demo_n)) / math.sqrt(demo_n),
                                          n_probes=1, random_state=rng).mse for _ in range(demo_trials)])
    theory = (demo_n + 1) / demo_n**2
    out["demo"] = {"n": demo_n, "trials": demo_trials, "mse_mean": float(mses.mean()),
                   "mse_sem": float(mses.std(ddof=1) / math.sqrt(demo_trials)) if demo_trials > 1 else None,
                   "theory": theory, "relative_difference": float(mses.mean() / theory - 1)}
    typer.echo(f"## Article demo: W = randn({demo_n}, {demo_n})/√{demo_n}, MSE(WᵀW, I) over {demo_trials} draws\n")
    typer.echo(markdown_table(["n", "MC mean", "theory (n+1)/n²", "rel. diff"],
                              [[str(demo_n), f"{mses.mean():.6g}", f"{theory:.6g}",
                                f"{out['demo']['relative_difference']:+.2%}"]]))

    # 2. spectra: square n×n and tall 4n×n (PyTorch layout out × in)
    gen = torch.Generator().manual_seed(seed)
    spectra, rows = {}, []
    for shape in ((width, width), (4 * width, width)):
        for name in names:
            w = get_initializer(name)(torch.empty(shape, dtype=torch.float64), generator=gen)
            rep = orthogonality_report(w, n_probes=500, random_state=rng)
            spectra[f"{name} {shape[0]}×{shape[1]}"] = rep
            rows.append([name, f"{shape[0]}×{shape[1]}", f"{rep.mse:.3g}", f"{rep.diag_mean:.3f}",
                         f"{rep.singular_min:.3g}", f"{rep.singular_max:.3g}",
                         f"[{rep.mp_lower:.3g}, {rep.mp_upper:.3g}]", f"{rep.norm_ratio_mean:.3f}",
                         f"{rep.norm_ratio_std:.2g}"])
    out["spectra"] = {k: {key: v for key, v in r.as_dict().items() if key != "singular_values"}
                      for k, r in spectra.items()}
    typer.echo("\n## Spectra (W is out × in; WᵀW = I means ‖Wx‖ = ‖x‖)\n")
    typer.echo(markdown_table(["init", "shape", "MSE(WᵀW,I)", "diag WᵀW", "σ_min", "σ_max", "MP edges",
                               "‖Wx‖/‖x‖ mean", "‖Wx‖/‖x‖ std"], rows))

    # 3. depth
    results, rows = {}, []
    for act in acts:
        for name in names:
            # He's variance already carries the ReLU gain √2
            g = 1.0 if name.startswith("he_") else gains[act]
            runs = [propagate(depth, width, act, name, batch=batch, gain=g, random_state=seed + t)
                    for t in range(trials)]
            results[(act, name)] = runs
            med = {k: float(np.median([r.summary()[k] for r in runs]))
                   for k in ("final_norm_ratio", "max_norm_drift", "final_mean_square_ratio",
                             "mean_square_drift", "input_grad_ratio", "max_grad_drift")}
            out.setdefault("depth_runs", []).append({"activation": act, "init": name, "gain": g, **med})
            rows.append([act, name, f"{g:.4g}", f"{med['final_norm_ratio']:.4g}", f"{med['max_norm_drift']:.2g}",
                         f"{med['final_mean_square_ratio']:.3g}", f"{med['mean_square_drift']:.3g}",
                         f"{med['input_grad_ratio']:.3g}", f"{med['max_grad_drift']:.3g}"])
    typer.echo(f"\n## Depth: {depth} layers of width {width}, batch {batch}, median of {trials} network(s)\n")
    typer.echo(markdown_table(["activation", "init", "gain", "‖h_L‖/‖x‖", "max abs(‖h_l‖/‖x‖ − 1)", "E[h_L²]/E[x²]",
                               "max abs log(E[h_l²]/E[x²])", "‖∂x‖/‖∂h_L‖", "max abs log(grad ratio)"], rows))

    if json_out is not None:
        json_out.write_text(json.dumps(out, indent=2))
        typer.echo(f"wrote {json_out}")
    if plot_spectra is not None:
        _plot_spectra(spectra, plot_spectra)
        typer.echo(f"wrote {plot_spectra}")
    if plot_norms is not None:
        _plot_norms(results, acts, names, plot_norms)
        typer.echo(f"wrote {plot_norms}")


def _plot_spectra(spectra: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shapes = sorted({k.split(" ")[1] for k in spectra}, key=lambda s: int(s.split("×")[0]))
    values = np.concatenate([r.singular_values for r in spectra.values()])
    # shared log-spaced bins; an orthogonal matrix has all σ = 1, which per-series bins cannot resolve
    bins = np.geomspace(max(values.min(), 1e-4) / 1.2, values.max() * 1.2, 80)
    fig, axes = plt.subplots(1, len(shapes), figsize=(5.5 * len(shapes), 3.4), squeeze=False)
    for ax, shape in zip(axes[0], shapes):
        for i, (key, rep) in enumerate((k, r) for k, r in spectra.items() if k.endswith(shape)):
            name = key.split(" ")[0]
            ax.hist(np.clip(rep.singular_values, bins[0], bins[-1]), bins=bins, histtype="step", color=f"C{i}",
                    lw=1.4, label=name)
            for edge in (rep.mp_lower, rep.mp_upper):
                if edge > bins[0]:
                    ax.axvline(edge, color=f"C{i}", ls=":", lw=0.8)
        ax.set_title(f"singular values, W {shape} (dotted: Marchenko–Pastur edges)", fontsize=9)
        ax.set_xlabel("σ")
        ax.set_xscale("log")
        ax.set_yscale("log")
    axes[0][0].set_ylabel("count")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_norms(results: dict, acts: list[str], names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # top row: full range on a log axis; bottom row: zoom on [0.5, 1.5] where the small drifts show
    fig, axes = plt.subplots(2, len(acts), figsize=(4.5 * len(acts), 6.0), squeeze=False, sharex=True)
    for col, act in enumerate(acts):
        for row in (0, 1):
            ax = axes[row][col]
            for i, name in enumerate(names):
                for t, run in enumerate(results[(act, name)]):
                    ax.plot(run.norm_ratio, color=f"C{i}", lw=1.2, alpha=1.0 if t == 0 else 0.35,
                            label=name if t == 0 else None)
            if row == 0:
                ax.set_yscale("log")
                ax.set_title(f"{act}: ‖h_l‖/‖x‖", fontsize=10)
            else:
                ax.set_ylim(0.5, 1.5)
                ax.set_title(f"{act}: zoom", fontsize=10)
                ax.set_xlabel("layer l")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def register(app: typer.Typer) -> None:
    app.add_typer(init_app, name="init")
