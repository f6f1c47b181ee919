"""``kexue angles``: the law of the angle between random vectors, with a Monte-Carlo overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-Markdown table (so printed results paste straight into the docs)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def parse_list(text: str, name: str, convert=str) -> list:
    """Split ``"a,b,c"``; a bad item raises ValueError naming the option."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError(f"{name} is empty; pass a comma-separated list")
    try:
        return [convert(t) for t in items]
    except ValueError:
        raise ValueError(f"{name} must be a comma-separated list of {convert.__name__}, got {text!r}") from None


def angles(
    n: str = typer.Option("2,3,10,100,1000", "--n", help="comma-separated dimensions (each >= 2)"),
    samples: int = typer.Option(20000, "--samples", min=100, help="Monte-Carlo pairs of Gaussian vectors per n"),
    seed: int = typer.Option(0, "--seed", help="random seed"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the density plot (PNG) here"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the table as JSON here"),
) -> None:
    """Density of the angle θ between two random vectors in R^n: exact moments vs Monte Carlo.

    For each n: Var θ = ψ′(n/2)/2 (exact) against 1/(n−1), the article's 1/(n−2) and the Monte-Carlo
    variance; a KS test of the simulated angles against the exact cdf; P(|θ − π/2| < 5°); P(|cos θ| ≥ 0.1).
    """
    import json

    import numpy as np
    from scipy import stats

    from kexue.angles import (
        AngleDistribution,
        angle_variance,
        cosine_pvalue,
        monte_carlo_angles,
        orthogonality_probability,
    )
    from kexue.angles._checks import check_dimension

    dims = [check_dimension(d) for d in parse_list(n, "--n", int)]
    rng = np.random.default_rng(seed)
    records, draws = [], {}
    for d in dims:
        law = AngleDistribution(d)
        theta = monte_carlo_angles(d, samples, random_state=rng)
        draws[d] = theta
        records.append({
            "n": d,
            "var_exact": float(angle_variance(d)),
            "var_1_over_n_minus_1": 1.0 / (d - 1),
            "var_1_over_n_minus_2": 1.0 / (d - 2) if d > 2 else None,
            "var_monte_carlo": float(theta.var()),
            "mean_monte_carlo": float(theta.mean()),
            "ks_pvalue": float(stats.kstest(theta, law.cdf).pvalue),
            "p_within_5deg": float(orthogonality_probability(d, np.deg2rad(5))),
            "p_abs_cos_ge_0.1": float(cosine_pvalue(0.1, d, "two-sided")),
        })
    fmt = lambda v: "—" if v is None else f"{v:.6g}"  # noqa: E731
    headers = ["n", "Var θ exact", "1/(n−1)", "1/(n−2)", f"MC Var θ ({samples})", "KS p", "P(θ∈π/2±5°)",
               "P(abs(cos)≥0.1)"]
    keys = ["var_exact", "var_1_over_n_minus_1", "var_1_over_n_minus_2", "var_monte_carlo", "ks_pvalue",
            "p_within_5deg", "p_abs_cos_ge_0.1"]
    typer.echo(markdown_table(headers, [[str(r["n"])] + [fmt(r[k]) for k in keys] for r in records]))

    if json_out is not None:
        json_out.write_text(json.dumps({"samples": samples, "seed": seed, "rows": records}, indent=2))
        typer.echo(f"wrote {json_out}")
    if plot is not None:
        _plot_densities(dims, draws, plot)
        typer.echo(f"wrote {plot}")


def _plot_densities(dims: list[int], draws: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from kexue.angles import AngleDistribution

    fig, axes = plt.subplots(1, len(dims) + 1, figsize=(3.2 * (len(dims) + 1), 3.0), squeeze=False)
    t_all = np.linspace(0.0, np.pi, 1000)
    for i, d in enumerate(dims):  # first panel: all n on one axis, to show the concentration at π/2
        axes[0][0].plot(t_all, AngleDistribution(d).pdf(t_all), f"C{i % 10}", lw=1.2, label=f"n = {d}")
    axes[0][0].set_yscale("log")
    axes[0][0].set_ylim(1e-3, 30)
    axes[0][0].set_title("exact densities (log scale)")
    axes[0][0].set_xlabel("θ (rad)")
    axes[0][0].legend(fontsize=7, loc="upper left")
    for ax, d in zip(axes[0][1:], dims):
        law = AngleDistribution(d)
        lo, hi = (0.0, np.pi) if d < 30 else law.interval(1 - 1e-6)
        t = np.linspace(lo, hi, 400)
        ax.hist(draws[d], bins=60, range=(lo, hi), density=True, color="0.75", label="Monte Carlo")
        ax.plot(t, law.pdf(t), "C0", lw=1.8, label="exact  ∝ sin$^{n-2}θ$")
        ax.set_title(f"n = {d} (zoomed)" if d >= 30 else f"n = {d}")
        ax.set_xlabel("θ (rad)")
    axes[0][1].legend(fontsize=7, loc="lower center")
    axes[0][0].set_ylabel("density")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def register(app: typer.Typer) -> None:
    app.command(name="angles")(angles)
