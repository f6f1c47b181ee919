"""``kexue gelu``: error table and error plot of the GELU approximations, and the min-max fitter."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

gelu_app = typer.Typer(help="GELU and its elementary approximations: where 0.044715 and 1.702 come from, "
                            "and better constants.", no_args_is_help=True)


def _derived_constants() -> list[dict]:
    """The article's constants, recomputed: Taylor and min-max fits of Φ (and of GELU for comparison)."""
    import math

    from kexue.gelu import fit_minimax, fit_sigmoid, fit_tanh_cubic

    rows = []

    def add(label, fit, key, closed=None):
        rows.append({"constant": label, "value": fit.params[key], "closed_form": closed, "criterion": fit.criterion,
                     "target": fit.target, "max_error": fit.max_error, "argmax": fit.argmax,
                     "lower_bound": fit.lower_bound, "reference": [float(x) for x in fit.extrema]})

    add("c in tanh(√(2/π)(x + c x³)), Taylor", fit_tanh_cubic("taylor"), "c", (4 - math.pi) / (6 * math.pi))
    add("c in tanh(√(2/π)(x + c x³)), min-max Φ", fit_tanh_cubic("minimax"), "c")
    add("λ in σ(λx), Taylor", fit_sigmoid("taylor"), "lam", 4 / math.sqrt(2 * math.pi))
    add("λ in σ(λx), min-max Φ", fit_sigmoid("minimax"), "lam")
    add("μ in σ(λx + μx³), min-max Φ (Bowling)", fit_minimax("sigmoid3"), "mu")
    add("c in tanh(√(2/π)(x + c x³)), min-max GELU", fit_tanh_cubic("minimax", target="gelu"), "c")
    add("λ in σ(λx), min-max GELU", fit_sigmoid("minimax", target="gelu"), "lam")
    return rows


@gelu_app.command("table")
def table(json_path: Optional[Path] = typer.Option(None, "--json", help="also write the numbers to this JSON file")
          ) -> None:
    """Recompute the article's constants and print the max error of every form, in Φ and in GELU."""
    import json
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from kexue.gelu import error_table

    constants = _derived_constants()
    errors = error_table()
    console = Console(width=160)
    t1 = Table("constant", "value", "closed form", "criterion/target", "max error", "reached at ±x",
               title="Derived constants (max error is of the fitted target: Φ or GELU; min-max fits reach it "
                     "at every point of their alternating reference)")
    for r in constants:
        t1.add_row(r["constant"], f"{r['value']:.10f}", "" if r["closed_form"] is None else f"{r['closed_form']:.10f}",
                   f"{r['criterion']}/{r['target']}", f"{r['max_error']:.4e}",
                   ", ".join(f"{x:.4f}" for x in (r["reference"] or [r["argmax"]])))
    console.print(t1)
    t2 = Table("form", "max |Φ − Φ̂|", "at ±x", "max |GELU − GELÛ|", "at ±x", "formula", "origin",
               title="Error of every form (GELU error = |x| · Φ error)")
    for r in errors:
        t2.add_row(r.name, f"{r.phi_max_error:.4e}", f"{r.phi_argmax:.4f}", f"{r.gelu_max_error:.4e}",
                   f"{r.gelu_argmax:.4f}", r.formula)
    console.print(t2)
    if json_path is not None:
        json_path.write_text(json.dumps({"constants": constants, "errors": [asdict(r) for r in errors]}, indent=2))
        typer.echo(f"wrote {json_path}")


@gelu_app.command("plot")
def plot(
    out: Path = typer.Option(..., "--out", help="PNG file to write"),
    forms: str = typer.Option("tanh,tanh_gelu,tanh_joint,tanh5,sigmoid,sigmoid_cubic", "--forms",
                              help="comma-separated forms (see `kexue gelu table`)"),
    kind: str = typer.Option("gelu", "--kind", help="error to plot: gelu (GELU − GELÛ) or phi (Φ − Φ̂)"),
    x_max: float = typer.Option(6.0, "--x-max", help="plot x in [−x_max, x_max]"),
) -> None:
    """Plot the signed error of each form over x (one panel per form, so small errors stay visible)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from scipy import special

    from kexue._validation import check_choice
    from kexue.gelu import FORMS

    check_choice(kind, "kind", ("gelu", "phi"))
    names = [n.strip() for n in forms.split(",") if n.strip()]
    if not names:
        raise ValueError("--forms is empty; name at least one form, e.g. --forms tanh,tanh5")
    for n in names:
        check_choice(n, "form", tuple(f for f in FORMS if f != "none"))
    if not (np.isfinite(x_max) and x_max > 0):
        raise ValueError(f"--x-max must be positive, got {x_max}")
    x = np.linspace(-x_max, x_max, 4001)
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 1.9 * len(names)), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        form = FORMS[name]
        err = form.family.phi_error(np.abs(x), form.coeffs) * np.sign(x)  # odd error, accurate tails
        if kind == "gelu":
            err = x * err
        ax.plot(x, err, lw=1.2)
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_ylabel(name, fontsize=8)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        ax.tick_params(labelsize=7)
        ax.set_title(f"max {np.max(np.abs(err)):.3e}", fontsize=8, loc="right")
    axes[-1, 0].set_xlabel("x")
    fig.suptitle(r"$\mathrm{GELU}(x) - x\,\hat\Phi(x)$" if kind == "gelu" else r"$\Phi(x) - \hat\Phi(x)$",
                 fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    typer.echo(f"wrote {out}")


@gelu_app.command("fit")
def fit(
    family: str = typer.Argument(..., help="tanh_cubic, tanh3, tanh5, sigmoid1, sigmoid3 or sigmoid5"),
    target: str = typer.Option("phi", "--target", help="minimise the max error of phi (Φ) or gelu"),
    fix: list[str] = typer.Option([], "--fix", help="hold a parameter fixed, NAME=VALUE (repeatable)"),
) -> None:
    """Certified min-max (Remez) fit of a family; prints coefficients, max error, where, and the lower bound."""
    from kexue.gelu import fit_minimax

    fixed = {}
    for item in fix:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--fix takes NAME=VALUE, got {item!r}")
        try:
            fixed[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--fix {name}: {value!r} is not a number") from None
    res = fit_minimax(family, target=target, fixed=fixed)
    typer.echo(f"family    {res.family.formula}")
    for k, v in res.params.items():
        typer.echo(f"{k:9s} {v!r}{'  (fixed)' if k in res.fixed else ''}")
    typer.echo(f"max error {res.max_error:.6e} of {target} at x = ±{res.argmax:.6f}")
    typer.echo(f"certified lower bound {res.lower_bound:.6e} (relative gap {res.relative_gap:.1e}), "
               f"{res.iterations} exchange steps")
    typer.echo("reference " + " ".join(f"{x:.4f}" for x in res.extrema))


def register(app: typer.Typer) -> None:
    """Add ``kexue gelu`` to the main app."""
    app.add_typer(gelu_app, name="gelu")
