"""``kexue similarity``: compare two texts (or a file of pairs) with WRD, WMD and the cosine baseline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

MEASURE_HELP = "measures to compute: wrd, wmd, cosine or all (repeatable)"


def similarity(
    text_a: Optional[str] = typer.Argument(None, help="first text"),
    text_b: Optional[str] = typer.Argument(None, help="second text"),
    measure: list[str] = typer.Option(["all"], "--measure", "-m", help=MEASURE_HELP),
    embedder: str = typer.Option("minilm", "--embedder", "-e", help="minilm (transformer tokens) or spacy-md (word vectors)"),
    model: Optional[Path] = typer.Option(None, "--model", help="a Hugging Face model folder to embed with"),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="a word2vec/GloVe/fastText vectors file"),
    stop_words: bool = typer.Option(False, "--stop-words", help="drop English stop words (word vectors only)"),
    layer: int = typer.Option(-1, "--layer", help="transformer layer (-1 = last)"),
    top: int = typer.Option(8, "--top", help="alignment rows to show"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="save a heat map of the transport plan (PNG)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of tables"),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="score every TAB-separated pair in this file"),
    out: Optional[Path] = typer.Option(None, "--out", help="with --pairs: write JSON lines here"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="with --pairs: score on a Dask cluster "
                                            "(scheduler ADDRESS, or 'local' for a local cluster)"),
) -> None:
    """Compare two texts as sequences of token vectors with optimal transport.

    Prints the Word Rotator's Distance similarity (1 − WRD, in [−1, 1]), the Word Mover's Distance, the
    cosine of the summed vectors, and which token moves how much mass to which.
    """
    from kexue.textsim import MEASURES
    from kexue.textsim.embedders import get_embedder

    measures = MEASURES if "all" in measure else tuple(dict.fromkeys(measure))
    emb = get_embedder(embedder, model=model, vectors=vectors, stop_words="english" if stop_words else None,
                       layer=layer)
    if pairs is not None:
        if text_a is not None or text_b is not None:
            raise ValueError("give either two texts or --pairs FILE, not both")
        spec = dict(embedder=embedder, model=model, vectors=vectors, layer=layer,
                    stop_words="english" if stop_words else None)  # rebuilt once per Dask worker
        _score_pairs(pairs, out, emb, measures, scheduler, spec)
        return
    if scheduler is not None:
        raise ValueError("--scheduler works with --pairs FILE only")
    if text_a is None or text_b is None:
        raise ValueError("give two texts to compare (or --pairs FILE.tsv --out FILE.jsonl)")
    from kexue.textsim import compare_embedded

    a, b = emb.embed([text_a, text_b])
    res = compare_embedded(a, b, measures)
    if plot is not None and res.plan is not None:
        from kexue.textsim.plots import plot_alignment

        plot_alignment(res.plan, res.tokens_a, res.tokens_b, plot)
    if as_json:
        typer.echo(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        _print_result(res, emb.name, emb.dim, top, plot)


def _print_result(res, embedder_name: str, dim: int, top: int, plot) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"similarity ({embedder_name})", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    if res.wrd is not None:
        table.add_row("WRD similarity", f"{res.wrd_similarity:.4f}", "1 − WRD, in [−1, 1]; higher is more similar")
        table.add_row("WRD", f"{res.wrd:.4f}", "Word Rotator's Distance, in [0, 2]")
    if res.wmd is not None:
        table.add_row("WMD", f"{res.wmd:.4f}", "Word Mover's Distance (Euclidean); lower is more similar")
    if res.cosine is not None:
        table.add_row("cosine", f"{res.cosine:.4f}", _cosine_note(res.cosine, dim))
    console.print(table)
    rows = res.alignment(top)
    if rows:
        al = Table(title="main alignments (WRD plan)")
        al.add_column("token A")
        al.add_column("token B")
        al.add_column("mass", justify="right")
        for ta, tb, mass in rows:
            al.add_row(ta, tb, f"{mass:.3f}")
        console.print(al)
    for label, dropped in (("A", res.dropped_a), ("B", res.dropped_b)):
        if dropped:
            console.print(f"[dim]text {label}: dropped {len(dropped)} token(s): {', '.join(dropped[:10])}[/dim]")
    if plot is not None:
        console.print(f"plan heat map written to {plot}")


def _cosine_note(c: float, dim: int) -> str:
    """How surprising the cosine would be for random directions in ``dim`` dimensions (kexue.angles)."""
    from kexue.angles import cosine_pvalue

    p = float(cosine_pvalue(min(max(c, -1.0), 1.0), dim))
    return (f"cosine of the summed vectors; for random directions in {dim}-d, P(cos ≥ {c:.2f}) = {p:.1e} "
            "(real sentence vectors are not random directions: compare against other pairs)")


def _score_pairs(path: Path, out: Optional[Path], emb, measures, scheduler: Optional[str] = None,
                 embedder_spec: Optional[dict] = None) -> None:
    """Score each line ``text_a<TAB>text_b``; failures are written as error rows, never lost."""
    from kexue.textsim.pairs import open_output, read_pair_lines, score_line, write_rows

    if out is None:
        raise ValueError("--pairs needs --out FILE.jsonl for the results")
    if scheduler is not None:
        from kexue.textsim.distributed import connect, score_pair_file_dask

        with connect(scheduler) as client:
            n_ok, n_bad = score_pair_file_dask(path, out, measures=measures, client=client, **embedder_spec)
    else:
        from rich.progress import Progress

        lines = read_pair_lines(path)
        n_ok = n_bad = 0
        with open_output(out) as sink, Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task("scoring pairs", total=len(lines))
            for lineno, line in enumerate(lines, start=1):
                progress.advance(task)
                row = score_line(line, lineno, emb, measures)
                ok, bad = write_rows(sink, [] if row is None else [row])
                n_ok, n_bad = n_ok + ok, n_bad + bad
    typer.echo(f"{n_ok} pair(s) scored, {n_bad} failed; results in {out}", err=True)
    if n_bad:
        failed = "see the rows with an \"error\" key"
        raise ValueError(f"{n_bad} of {n_ok + n_bad} pair(s) failed ({failed} in {out})")


def register(app: typer.Typer) -> None:
    app.command(name="similarity")(similarity)
