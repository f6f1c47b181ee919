"""``kexue gan``: design and check GAN losses from a likelihood ratio, and train small demos on CPU."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

gan_app = typer.Typer(help="GAN losses designed from a likelihood ratio (kexue.fm/archives/7210): presets, "
                           "symbolic checks, quadrature values, CPU training demos.", no_args_is_help=True)


def _write_json(path: Optional[Path], obj) -> None:
    if path is not None:
        Path(path).write_text(json.dumps(obj, indent=2, default=float))
        typer.echo(f"wrote {path}")


@gan_app.command("list")
def list_cmd() -> None:
    """List the preset losses: the article's (a)-(f) and the f-GAN family."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from kexue.gans import list_losses

    table = Table("name", "aliases", "family", "what it is")
    for info in list_losses():
        table.add_row(info.name, ", ".join(info.aliases), info.family, escape(info.summary))
    Console().print(table)


def _design(name: Optional[str], omega: Optional[str], rho: Optional[str], alpha: Optional[str],
            beta: Optional[str], d_at_1: str):
    from kexue.gans import design_loss, get_loss

    if name is not None:
        if omega or rho or alpha or beta:
            raise ValueError("give either a preset NAME or --omega/--rho (with optional --alpha/--beta), not both")
        return get_loss(name)
    if not (omega and rho):
        raise ValueError("give a preset NAME (see `kexue gan list`) or both --omega EXPR(r) and --rho EXPR(t)")
    import sympy

    def parse(text, what):
        try:
            return sympy.sympify(text)
        except (sympy.SympifyError, SyntaxError) as exc:
            raise ValueError(f"cannot parse {what} {text!r}: {exc}") from None

    return design_loss(parse(omega, "--omega"), parse(rho, "--rho"),
                       alpha=None if alpha is None else parse(alpha, "--alpha"),
                       beta=None if beta is None else parse(beta, "--beta"),
                       d_at_1=parse(d_at_1, "--d-at-1"), name="custom")


@gan_app.command("check")
def check_cmd(
    name: Optional[str] = typer.Argument(None, help="preset name (see `kexue gan list`), or use --omega/--rho"),
    omega: Optional[str] = typer.Option(None, help="omega(r), e.g. 'log(r)'"),
    rho: Optional[str] = typer.Option(None, help="rho(t) = psi'(t), e.g. '1/(1+exp(t))'"),
    alpha: Optional[str] = typer.Option(None, help="Conclusion 2: alpha(t)"),
    beta: Optional[str] = typer.Option(None, help="Conclusion 2: beta(t) (the generator minimises E_q beta)"),
    d_at_1: str = typer.Option("0", "--d-at-1", help="phi(omega(1)), fixes phi's constant"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the report as JSON"),
) -> None:
    """Derive phi, psi, d for a design and check every condition (with counterexamples)."""
    des = _design(name, omega, rho, alpha, beta, d_at_1)
    report = des.check()
    typer.echo(des.describe())
    typer.echo(str(report))
    _write_json(json_out, {**report.to_dict(), "phi": str(des.phi), "psi": str(des.psi), "d": str(des.d)})


def _distribution(text: str):
    import re

    from scipy import stats

    m = re.fullmatch(r"\s*([a-z_]+)\s*\(([^)]*)\)\s*", text)
    if not m or not hasattr(stats, m.group(1)):
        raise ValueError(f"cannot read distribution {text!r}; write a scipy.stats name with numbers, e.g. 'norm(0,1)'")
    try:
        args = [float(a) for a in m.group(2).split(",") if a.strip()]
    except ValueError:
        raise ValueError(f"distribution parameters must be numbers in {text!r}") from None
    return getattr(stats, m.group(1))(*args)


@gan_app.command("value")
def value_cmd(
    name: str = typer.Argument(..., help="preset name"),
    p: str = typer.Option("norm(0,1)", help="data distribution (scipy.stats), e.g. 'norm(0,1)'"),
    q: str = typer.Option("norm(1,1)", help="generator distribution, e.g. 'norm(1,1)'"),
) -> None:
    """Quadrature of the designed objectives at the optimal discriminator t* = omega(q/p) (1-D)."""
    from kexue.gans import get_loss

    des = get_loss(name)
    pd, qd = _distribution(p), _distribution(q)
    typer.echo(f"{des.name}: p = {p}, q = {q}")
    typer.echo(f"  discriminator  int p phi(t*) + q psi(t*)   = {des.optimal_value(pd, qd):.10f}")
    typer.echo(f"  generator      int p alpha(t*) + q beta(t*) = "
               f"{des.optimal_value(pd, qd, player='generator'):.10f}")


@gan_app.command("train")
def train_cmd(
    loss: str = typer.Option("nonsaturating", help="preset name (see `kexue gan list`)"),
    data: str = typer.Option("ring8", help="ring8 | grid25 | mnist5k"),
    steps: Optional[int] = typer.Option(None, help="training steps (default: 3000 for 2-D, 2000 for mnist5k)"),
    seed: int = typer.Option(0, help="random seed"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate"),
    r1: Optional[float] = typer.Option(None, help="zero-centred gradient penalty on real data (default 0.1 "
                                                  "for 2-D, 0 for mnist5k)"),
    plot: Optional[Path] = typer.Option(None, help="save a sample plot (PNG)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write metrics and history as JSON"),
) -> None:
    """Train a small MLP GAN on CPU (one thread) and print metrics."""
    from kexue.gans import get_loss
    from kexue.gans.training import plot_samples, train_gan

    res = train_gan(get_loss(loss), data, steps=steps, seed=seed, lr=lr, r1=r1)
    for key, val in res.summary().items():
        typer.echo(f"{key:>15}: {val}")
    if plot is not None:
        plot_samples(res, plot)
        typer.echo(f"wrote {plot}")
    _write_json(json_out, {**res.summary(), "history": res.history})


@gan_app.command("compare")
def compare_cmd(
    data: str = typer.Option("ring8", help="ring8 | grid25"),
    losses: str = typer.Option("all", help="comma-separated preset names, or 'all'"),
    seeds: int = typer.Option(3, help="number of seeds (0..seeds-1)"),
    steps: Optional[int] = typer.Option(None, help="training steps per run"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate"),
    r1: Optional[float] = typer.Option(None, help="zero-centred gradient penalty on real data (default 0.1)"),
    md: Optional[Path] = typer.Option(None, help="write the table as Markdown"),
    plot: Optional[Path] = typer.Option(None, help="save a grid of sample plots (first seed)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write every run's metrics as JSON"),
    samples_out: Optional[Path] = typer.Option(None, "--samples", help="save every run's samples (.npz)"),
) -> None:
    """Train every preset with several seeds on a 2-D mixture and tabulate modes covered, quality, readout."""
    from kexue.gans import get_loss, list_losses
    from kexue.gans.training import compare_table, plot_grid, train_gan

    if data not in ("ring8", "grid25"):
        raise ValueError(f"compare runs on the 2-D mixtures; choose ring8 or grid25, got {data!r}")
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    names = ([i.name if i.name != "alpha" else "alpha:0.5" for i in list_losses()] if losses == "all"
             else [s.strip() for s in losses.split(",") if s.strip()])
    designs = [get_loss(n) for n in names]  # validate every name before training
    results, runs = [], []
    for des in designs:
        for seed in range(seeds):
            try:
                res = train_gan(des, data, steps=steps, seed=seed, lr=lr, r1=r1)
            except RuntimeError as exc:  # a diverged run is a result too: it covers no mode
                typer.echo(f"{des.name:>18} seed {seed}: {exc}")
                runs.append({"loss": des.name, "data": data, "seed": seed, "modes": 8 if data == "ring8" else 25,
                             "modes_covered": 0, "high_quality": 0.0, "log_ratio_real": float("nan"),
                             "log_ratio_fake": float("nan"), "seconds": float("nan"),
                             "cpu_seconds": float("nan"), "diverged": str(exc)})
                continue
            m = res.metrics
            typer.echo(f"{des.name:>18} seed {seed}: {m['modes_covered']}/{m['modes']} modes, "
                       f"HQ {m['high_quality']:.3f}, log r_hat real {m['log_ratio_real']:+.3f} "
                       f"fake {m['log_ratio_fake']:+.3f}, {res.cpu_seconds:.1f} s CPU ({res.seconds:.0f} s wall)")
            results.append(res)
            runs.append(res.summary())
    table = compare_table(runs)
    typer.echo(table)
    if md is not None:
        Path(md).write_text(table + "\n")
        typer.echo(f"wrote {md}")
    if plot is not None and results:
        plot_grid([r for r in results if r.seed == 0], plot)
        typer.echo(f"wrote {plot}")
    _write_json(json_out, runs)
    if samples_out is not None:
        import numpy as np

        np.savez_compressed(samples_out, **{f"{r.loss}|{r.seed}": r.samples for r in results})
        typer.echo(f"wrote {samples_out}")


@gan_app.command("table")
def table_cmd(
    json_in: list[Path] = typer.Option(..., "--json", help="JSON files written by `kexue gan compare --json`"),
    samples_in: Optional[list[Path]] = typer.Option(None, "--samples", help="matching .npz files (for --plot)"),
    md: Optional[Path] = typer.Option(None, help="write the merged table as Markdown"),
    plot: Optional[Path] = typer.Option(None, help="save a grid of sample plots (first seed of each loss)"),
) -> None:
    """Merge the results of several `kexue gan compare` runs (e.g. run in parallel) into one table."""
    import numpy as np

    from kexue.gans.training import TrainResult, compare_table, plot_grid

    runs = []
    for path in json_in:
        try:
            runs.extend(json.loads(Path(path).read_text()))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not a JSON file from `kexue gan compare --json`: {exc}") from None
    if not runs:
        raise ValueError("the JSON files hold no runs")
    table = compare_table(runs)
    typer.echo(table)
    if md is not None:
        Path(md).write_text(table + "\n")
        typer.echo(f"wrote {md}")
    if plot is not None:
        if not samples_in:
            raise ValueError("--plot needs the --samples .npz files written by `kexue gan compare --samples`")
        arrays = {}
        for path in samples_in:
            with np.load(path) as npz:
                arrays.update({k: npz[k] for k in npz.files})
        first = {}
        for run in runs:
            key = f"{run['loss']}|{run['seed']}"
            if key in arrays and run["loss"] not in first:
                metrics = {k: run[k] for k in ("modes", "modes_covered", "high_quality")}
                first[run["loss"]] = TrainResult(run["loss"], run["data"], run["seed"], run["steps"], run["seconds"],
                                                 run["cpu_seconds"], arrays[key], metrics)
        plot_grid(list(first.values()), plot)
        typer.echo(f"wrote {plot}")


def register(app: typer.Typer) -> None:
    """Add ``kexue gan ...`` to the main app."""
    app.add_typer(gan_app, name="gan")
