"""``kexue eval``: how well similarity measures agree with humans (``sts``) and classify texts (``knn``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

eval_app = typer.Typer(help="Evaluate similarity measures: STS correlations and kNN classification.",
                       no_args_is_help=True)


@eval_app.command("sts")
def sts(
    dataset: str = typer.Option("stsb-en", "--dataset", "-d", help="stsb-en, stsb-zh (needs a Chinese embedder) or lee"),
    split: str = typer.Option("test", "--split", help="test or dev (lee: test)"),
    embedder: str = typer.Option("spacy-md", "--embedder", "-e", help="spacy-md (word vectors) or minilm (transformer tokens)"),
    model: Optional[Path] = typer.Option(None, "--model", help="a Hugging Face model folder to embed with"),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="a word2vec/GloVe/fastText vectors file"),
    stop_words: bool = typer.Option(False, "--stop-words", help="drop English stop words (word vectors only)"),
    layer: int = typer.Option(-1, "--layer", help="transformer layer (-1 = last)"),
    measure: list[str] = typer.Option([], "--measure", "-m",
                                      help="e.g. wrd, wmd-nbow, cosine+sif+ccr (repeatable; default: all × all converters)"),
    converter: Optional[Path] = typer.Option(None, "--converter", help="a saved converter file, usable as MEASURE+saved"),
    save_converters: Optional[Path] = typer.Option(None, "--save-converters", help="folder to save the fitted converters in"),
    limit: Optional[int] = typer.Option(None, "--limit", help="score only the first N pairs"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of the table"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="save a bar chart of Spearman per measure (PNG)"),
) -> None:
    """Spearman and Pearson (×100) of each measure against the gold STS scores.

    Converters are fitted on the STS-B train sentences only.
    """
    import time

    from kexue.textsim.embedders import get_embedder
    from kexue.textsim.evaluation import BASE_MEASURES, _check_chinese_name, evaluate_sts, plot_sts

    if dataset == "stsb-zh" and model is None and vectors is None:
        _check_chinese_name(embedder)
    emb = get_embedder(embedder, model=model, vectors=vectors, stop_words="english" if stop_words else None,
                       layer=layer)
    converters = {}
    measures = list(measure) or None
    if converter is not None:
        from kexue.textsim.converters import load_converter

        converters["saved"] = load_converter(converter)
        if measures is None:
            measures = list(BASE_MEASURES) + [f"{m}+saved" for m in BASE_MEASURES]
    t0 = time.perf_counter()
    res = evaluate_sts(dataset, split, emb, measures, converters=converters, save_converters=save_converters,
                       limit=limit)
    seconds = time.perf_counter() - t0
    if plot is not None:
        plot_sts(res, plot, title=f"{dataset} {split}, {emb.name}{', stop words removed' if stop_words else ''}: "
                                  "Spearman ×100")
    if as_json:
        typer.echo(json.dumps({"dataset": dataset, "split": split, "embedder": emb.name,
                               "stop_words": stop_words, "seconds": seconds, "results": res}))
        return
    _print_sts(res, f"{dataset} {split} — {emb.name}{' (stop words removed)' if stop_words else ''}: "
                    f"Spearman / Pearson ×100, n = {next(iter(res.values()))['n']} pairs", seconds)
    if plot is not None:
        typer.echo(f"bar chart written to {plot}")


def _print_sts(res: dict, title: str, seconds: float) -> None:
    """One row per base measure, one column per converter recipe; cells ``Spearman / Pearson``."""
    from rich.console import Console
    from rich.table import Table

    bases = list(dict.fromkeys(m.partition("+")[0] for m in res))
    convs = list(dict.fromkeys(m.partition("+")[2] or "none" for m in res))
    table = Table(title=title)
    table.add_column("measure")
    for c in convs:
        table.add_column(c, justify="right")
    for b in bases:
        cells = []
        for c in convs:
            r = res.get(b if c == "none" else f"{b}+{c}")
            cells.append("" if r is None else f"{r['spearman']:.2f} / {r['pearson']:.2f}")
        table.add_row(b, *cells)
    console = Console(width=max(100, 20 + 17 * len(convs)))
    console.print(table)
    console.print(f"[dim]{seconds:.0f} s[/dim]")


@eval_app.command("knn")
def knn(
    dataset: list[str] = typer.Option(["tweets", "amazon", "trec"], "--dataset", "-d", help="tweets, amazon, trec (repeatable)"),
    measure: list[str] = typer.Option(["bow", "tfidf", "wmd", "wrd"], "--measure", "-m", help="bow, tfidf, wmd, wrd (repeatable)"),
    embedder: str = typer.Option("spacy-md", "--embedder", "-e", help="word vectors for WMD/WRD"),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="a word2vec/GloVe/fastText vectors file"),
    n_docs: int = typer.Option(600, "--n-docs", help="documents in the pool that the splits are drawn from"),
    splits: int = typer.Option(5, "--splits", help="random train/test splits"),
    seed: int = typer.Option(0, "--seed"),
    stop_words: Optional[bool] = typer.Option(None, "--stop-words/--keep-stop-words",
                                              help="remove English stop words (default: yes, except on tweets)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of the table"),
) -> None:
    """kNN test error (WMD paper protocol: k by 5-fold CV over 1..19, fall-back vote) over random splits."""
    from kexue.textsim.embedders import get_embedder
    from kexue.textsim.knn import evaluate_knn

    out = {}
    for d in dataset:
        emb = embedder
        if vectors is not None:
            remove = d != "tweets" if stop_words is None else stop_words
            emb = get_embedder(vectors=vectors, stop_words="english" if remove else None)
        out[d] = evaluate_knn(d, measure, emb, n_docs=n_docs, n_splits=splits, random_state=seed,
                              stop_words=stop_words)
    if as_json:
        typer.echo(json.dumps(out))
        return
    from rich.console import Console
    from rich.table import Table

    info = next(iter(out.values()))["_info"]
    stop = {None: "stop words removed except on tweets", True: "stop words removed", False: "stop words kept"}
    table = Table(title=f"kNN test error % (mean ± std over {splits} splits; pool of {info['n_pool']} docs, "
                        f"{info['n_train']} train / {info['n_test']} test per split; {info['embedder']}, "
                        f"{stop[stop_words]})")
    table.add_column("dataset")
    for m in measure:
        table.add_column(m, justify="right")
    table.add_column("k chosen (" + "/".join(measure) + ")")
    for d, res in out.items():
        table.add_row(d, *[f"{res[m]['error_mean']:.1f} ± {res[m]['error_std']:.1f}" for m in measure],
                      "; ".join(",".join(map(str, res[m]["ks"])) for m in measure))
    times = Table(title="run time (s): distance matrix + CV + prediction, per data set")
    times.add_column("dataset")
    for m in measure:
        times.add_column(m, justify="right")
    for d, res in out.items():
        times.add_row(d, *[f"{res[m]['seconds']:.1f}" for m in measure])
    console = Console(width=140)
    console.print(table)
    console.print(times)


def register(app: typer.Typer) -> None:
    """Add ``kexue eval sts`` and ``kexue eval knn``."""
    app.add_typer(eval_app, name="eval")
