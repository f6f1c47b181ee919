"""``kexue hsic``: HSIC independence tests on a CSV table, the article's experiment, calibration, power curves
and the HSIC-bottleneck demo. Heavy imports happen inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

hsic_app = typer.Typer(help="HSIC: kernel dependence measure and independence tests (kexue.fm/archives/6910).",
                       no_args_is_help=True)

_KERNEL_CHOICES = ("auto", "gaussian", "laplace", "linear", "polynomial", "delta")


def _write_json(path: Optional[Path], data: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(data, indent=2, default=float) + "\n")
        typer.echo(f"wrote {path}")


def _floats(text: str, name: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers, got {text!r}") from None
    if not vals:
        raise ValueError(f"{name} is empty; give comma-separated numbers such as 0.5,1,2")
    return vals


def _columns(df, spec: str, option: str) -> list[str]:
    """Column names from 'a,b' (names) or '0,2' (0-based indices)."""
    names = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        if item in df.columns:
            names.append(item)
        elif item.lstrip("-").isdigit() and -len(df.columns) <= int(item) < len(df.columns):
            names.append(df.columns[int(item)])
        else:
            raise ValueError(f"{option}: no column {item!r}; the file has columns {', '.join(map(str, df.columns))}")
    if not names:
        raise ValueError(f"{option} names no column; give names or 0-based indices separated by commas")
    return names


def _kernel_for(df, cols: list[str], choice: str):
    """One variable's kernel: 'auto' = Gaussian on numeric columns × delta on each non-numeric column."""
    from pandas.api.types import is_numeric_dtype

    from kexue.hsic import DeltaKernel, GaussianKernel, ProductKernel

    if choice != "auto":
        return choice, df[cols].to_numpy()
    numeric = [c for c in cols if is_numeric_dtype(df[c])]
    categorical = [c for c in cols if c not in numeric]
    if not categorical:
        return "gaussian", df[cols].to_numpy(dtype=float)
    parts = {c: DeltaKernel() for c in categorical}
    if numeric:
        parts[tuple(numeric)] = GaussianKernel()
    return ProductKernel(parts), df[cols]


@hsic_app.command("test")
def test_cmd(
    file: Path = typer.Argument(..., help="CSV file with a header row."),
    x: str = typer.Option(..., "--x", help="Columns of x: names or 0-based indices, comma-separated."),
    y: str = typer.Option(..., "--y", help="Columns of y: names or 0-based indices, comma-separated."),
    method: str = typer.Option("gamma", help="gamma (fast approximation) or permutation (exact level)."),
    kernel_x: str = typer.Option("auto", help="auto (Gaussian on numbers, delta on text), gaussian, laplace, "
                                              "linear, polynomial, delta."),
    kernel_y: str = typer.Option("auto", help="As --kernel-x, for y."),
    permutations: int = typer.Option(1000, help="Number of permutations (permutation method)."),
    seed: int = typer.Option(0, help="Random seed for the permutations."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON here."),
) -> None:
    """Test whether the x columns and the y columns of a table are independent (rows with gaps are dropped)."""
    import pandas as pd

    from kexue._validation import check_choice
    from kexue.hsic import cka, hsic, hsic_test

    check_choice(method, "method", ("gamma", "permutation"))
    check_choice(kernel_x, "kernel", _KERNEL_CHOICES)
    check_choice(kernel_y, "kernel", _KERNEL_CHOICES)
    try:
        df = pd.read_csv(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {file} as CSV: {exc}") from None
    cx, cy = _columns(df, x, "--x"), _columns(df, y, "--y")
    before = len(df)
    df = df[list(dict.fromkeys(cx + cy))].dropna()
    if len(df) < 6:
        raise ValueError(f"{file}: only {len(df)} complete rows; the test needs at least 6")
    kx, xv = _kernel_for(df, cx, kernel_x)
    ky, yv = _kernel_for(df, cy, kernel_y)
    res = hsic_test(xv, yv, method=method, kernel_x=kx, kernel_y=ky, n_permutations=permutations,
                    random_state=seed)
    out = {"file": str(file), "x": cx, "y": cy, "n": res.n, "dropped_rows": before - len(df), "method": method,
           "hsic_biased": res.statistic, "hsic_unbiased": hsic(xv, yv, kernel_x=kx, kernel_y=ky,
                                                               estimator="unbiased"),
           "cka": cka(xv, yv, kernel_x=kx, kernel_y=ky), "pvalue": res.pvalue}
    typer.echo(f"x = {', '.join(cx)}   y = {', '.join(cy)}   n = {res.n}"
               + (f" ({out['dropped_rows']} rows with gaps dropped)" if out["dropped_rows"] else ""))
    typer.echo(f"HSIC (biased, tr(KHLH)/(n-1)^2) = {out['hsic_biased']:.6g}")
    typer.echo(f"HSIC (unbiased, Song 2012)      = {out['hsic_unbiased']:.6g}")
    typer.echo(f"CKA (normalised HSIC)           = {out['cka']:.6g}")
    typer.echo(f"p-value ({method})  = {out['pvalue']:.4g}")
    _write_json(json_out, out)


@hsic_app.command("article")
def article_cmd(
    n: int = typer.Option(1000, help="Sample size (the article uses 1000)."),
    seeds: int = typer.Option(20, help="Number of independent draws."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON here."),
) -> None:
    """Reproduce the article's experiment: kernel exp(-(x_i-x_j)^2), independent vs y = x + 0.1·ε."""
    from kexue.hsic.experiments import article_experiment

    r = article_experiment(n=n, seeds=seeds)
    typer.echo(f"n = {n}, {seeds} draws, kernel exp(-(x_i - x_j)^2); mean ± sd")
    for case, label in (("indep", "independent normals"), ("dep", "y = x + 0.1 eps   ")):
        b, u = r[f"{case}_biased"], r[f"{case}_unbiased"]
        typer.echo(f"{label}: biased {b['mean']:.4g} ± {b['sd']:.2g}   unbiased {u['mean']:.3g} ± {u['sd']:.2g}")
    typer.echo(f"theory: biased H0 mean (1-1/sqrt 5)^2/n = {r['indep_biased_theory']:.4g}; "
               f"population HSIC of the dependent pair = {r['dep_population']:.7f}")
    d = r["bias_demo"]
    typer.echo(f"bias under independence, n = {d['n']}, {d['draws']} draws: biased mean {d['biased']['mean']:.3g} "
               f"± {d['biased']['se']:.1g} (s.e.), unbiased mean {d['unbiased']['mean']:.2g} ± {d['unbiased']['se']:.1g}")
    _write_json(json_out, r)


@hsic_app.command("calibrate")
def calibrate_cmd(
    n: int = typer.Option(100, help="Sample size per replication."),
    reps: int = typer.Option(500, help="Replications (independent data sets)."),
    alpha: float = typer.Option(0.05, help="Test level."),
    permutations: int = typer.Option(199, help="Permutations per permutation test."),
    hyppo: bool = typer.Option(True, "--hyppo/--no-hyppo", help="Also run hyppo's Hsic test."),
    seed: int = typer.Option(0),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON here."),
) -> None:
    """Rejection rate under independence (should be alpha ± 2 standard errors)."""
    from kexue.hsic.experiments import rejection_rates

    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    methods = ("gamma", "permutation", "hyppo") if hyppo else ("gamma", "permutation")
    r = rejection_rates(n=n, reps=reps, noise=None, alpha=alpha, methods=methods, n_permutations=permutations,
                        random_state=seed)
    lo, hi = alpha - 2 * r["se"], alpha + 2 * r["se"]
    typer.echo(f"n = {n}, {reps} replications under independence, alpha = {alpha}: "
               f"accept band [{lo:.4f}, {hi:.4f}]")
    for m in methods:
        typer.echo(f"{m:12s} rejection rate {r[m]:.4f}  {'ok' if lo <= r[m] <= hi else 'OUTSIDE'}")
    _write_json(json_out, {"n": n, "reps": reps, "alpha": alpha, "band": [lo, hi], **r})


@hsic_app.command("power")
def power_cmd(
    n: int = typer.Option(100, help="Sample size per replication."),
    reps: int = typer.Option(100, help="Replications per noise level."),
    noise: str = typer.Option("0.5,1,1.5,2,3,4", help="Noise levels, comma-separated."),
    relation: str = typer.Option("quadratic", help="y = f(x) + noise·eps with f: linear, quadratic or sine."),
    alpha: float = typer.Option(0.05, help="Test level."),
    permutations: int = typer.Option(199, help="Permutations per permutation test."),
    hyppo: bool = typer.Option(True, "--hyppo/--no-hyppo", help="Also run hyppo's Hsic test on the same data."),
    seed: int = typer.Option(0),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the power curves to this PNG."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON here."),
) -> None:
    """Power (rejection rate) against noise level for the gamma and permutation tests (and hyppo)."""
    from kexue.hsic.experiments import power_curve

    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    levels = _floats(noise, "--noise")
    methods = ("gamma", "permutation", "hyppo") if hyppo else ("gamma", "permutation")
    r = power_curve(levels, n=n, reps=reps, relation=relation, alpha=alpha, methods=methods,
                    n_permutations=permutations, random_state=seed)
    typer.echo(f"power at alpha = {alpha}, n = {n}, {reps} reps, y = {relation}(x) + noise·eps")
    typer.echo("noise  " + "  ".join(f"{m:>11s}" for m in methods))
    for i, s in enumerate(r["noise"]):
        typer.echo(f"{s:5.2f}  " + "  ".join(f"{r[m][i]:11.3f}" for m in methods))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        for m, style in zip(methods, ("o-", "s--", "^:")):
            ax.plot(r["noise"], r[m], style, label=("hyppo Hsic" if m == "hyppo" else f"kexue {m}"))
        ax.axhline(alpha, color="grey", lw=0.8)
        ax.set(xlabel="noise level", ylabel="power", ylim=(-0.02, 1.02),
               title=f"HSIC power, y = {relation}(x) + noise·ε, n = {n}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(plot, dpi=100)
        plt.close(fig)
        typer.echo(f"wrote {plot}")
    _write_json(json_out, r)


@hsic_app.command("bottleneck")
def bottleneck_cmd(
    epochs: int = typer.Option(8, help="Training epochs (both methods)."),
    beta: float = typer.Option(20.0, help="Weight of nHSIC(Z, Y) in the layer loss nHSIC(Z, X) - beta·nHSIC(Z, Y)."),
    hidden: str = typer.Option("256,128,64", help="Hidden layer widths."),
    seed: int = typer.Option(0),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON here."),
) -> None:
    """Train an MLP on MNIST-5k layer-wise with the HSIC bottleneck, vs the same MLP with back-propagation."""
    from kexue._validation import check_positive_int
    from kexue.hsic.bottleneck import run_bottleneck

    check_positive_int(epochs, "epochs")
    widths = [int(v) for v in _floats(hidden, "--hidden")]
    if any(w < 1 for w in widths):
        raise ValueError(f"--hidden widths must be positive, got {hidden}")
    r = run_bottleneck(hidden=tuple(widths), epochs=epochs, beta=beta, seed=seed)
    typer.echo(f"MNIST-5k: {r.n_train} train / {r.n_test} test, MLP 784-{'-'.join(map(str, widths))}-10, "
               f"{epochs} epochs, 1 CPU thread")
    typer.echo(f"HSIC bottleneck (layer-wise, + linear read-out): test accuracy {r.hsic_test_accuracy:.4f}  "
               f"({r.hsic_seconds:.1f} s)")
    typer.echo(f"back-propagation (end-to-end cross-entropy):     test accuracy {r.backprop_test_accuracy:.4f}  "
               f"({r.backprop_seconds:.1f} s)")
    _write_json(json_out, r.to_dict())


def register(app: typer.Typer) -> None:
    """Add ``kexue hsic ...`` to the main app."""
    app.add_typer(hsic_app, name="hsic")
