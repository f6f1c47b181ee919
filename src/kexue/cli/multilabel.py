"""``kexue multilabel``: the ZLPR multi-label loss on real data."""

from __future__ import annotations

from pathlib import Path

import typer

multilabel_app = typer.Typer(help="Multi-label softmax cross-entropy (ZLPR) versus sigmoid + BCE.",
                             no_args_is_help=True)

_METRICS = (("micro_f1", "micro-F1"), ("macro_f1", "macro-F1"), ("exact_match", "exact match"))


@multilabel_app.command("train")
def train(
    dataset: str = typer.Option("yeast", "--dataset", help="data set (only 'yeast')"),
    loss: list[str] = typer.Option(None, "--loss",
                                   help="zlpr, bce or bce-tuned; repeat the option for several (default: all three)"),
    seeds: int = typer.Option(5, "--seeds", help="seeds 0..N-1 (initialisation, dropout, batch order)"),
    epochs: int = typer.Option(30, "--epochs"),
    hidden: int = typer.Option(128, "--hidden", help="hidden units of the MLP"),
    lr: float = typer.Option(1e-3, "--lr", help="Adam learning rate"),
    batch_size: int = typer.Option(64, "--batch-size"),
    json_path: Path = typer.Option(None, "--json", help="also write every run and the summary to this JSON file"),
) -> None:
    """Train a small MLP on Yeast's fixed split with each loss; print test micro/macro-F1 and exact match."""
    import json

    from rich.console import Console
    from rich.table import Table

    from kexue._validation import check_choice
    from kexue.multilabel.yeast import LOSSES, run_yeast

    check_choice(dataset, "dataset", ("yeast",))
    result = run_yeast(tuple(loss) if loss else LOSSES, seeds=seeds, hidden=hidden, epochs=epochs, lr=lr,
                       batch_size=batch_size)
    cfg = result["config"]
    table = Table("loss", "threshold", *(label for _, label in _METRICS),
                  title=f"Yeast test set ({cfg['split']['test']} rows), mean ± std over {seeds} seed(s)")
    for name, stats in result["summary"].items():
        thresholds = sorted({r["threshold"] for r in result["runs"] if r["loss"] == name})
        shown = "logit > 0" if name == "zlpr" else ", ".join(f"{t:g}" for t in thresholds)
        table.add_row(name, shown, *(f"{stats[m][0]:.4f} ± {stats[m][1]:.4f}" for m, _ in _METRICS))
    Console(width=120).print(table)
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2))
        typer.echo(f"wrote {json_path}")


def register(app: typer.Typer) -> None:
    app.add_typer(multilabel_app, name="multilabel")
