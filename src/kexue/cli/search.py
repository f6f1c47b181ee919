"""``kexue search``: exact top-k retrieval of the corpus lines nearest to a query, by WRD or WMD."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def search(
    query: str = typer.Argument(..., help="the text to look up"),
    corpus: Path = typer.Option(..., "--corpus", "-c", help="a text file, one document per line"),
    k: int = typer.Option(10, "-k", help="how many results"),
    measure: str = typer.Option("wrd", "--measure", "-m", help="wrd or wmd"),
    embedder: str = typer.Option("minilm", "--embedder", "-e", help="minilm or spacy-md"),
    model: Optional[Path] = typer.Option(None, "--model", help="a Hugging Face model folder"),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="a word-vector file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="search a sharded index on a Dask "
                                            "cluster (scheduler ADDRESS, or 'local')"),
) -> None:
    """Find the k corpus lines nearest to QUERY: the exact top-k, found by prefetch-and-prune."""
    from kexue.textsim import Index
    from kexue.textsim.embedders import get_embedder

    try:
        lines = [line.strip() for line in corpus.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read corpus {corpus}: {exc}") from None
    keep = [i for i, line in enumerate(lines) if line]
    if not keep:
        raise ValueError(f"corpus {corpus} has no non-empty lines")
    emb = get_embedder(embedder, model=model, vectors=vectors)
    embedded = emb.embed([lines[i] for i in keep])
    usable = [n for n, e in enumerate(embedded) if e.tokens]
    skipped = len(embedded) - len(usable)
    if not usable:
        raise ValueError(f"no corpus line has a token known to the model {emb.name}")
    q = emb(query).require_tokens("query")
    docs = [embedded[n].vectors for n in usable]
    if scheduler is None:
        index = Index(docs, measure=measure)
        ids, dist = index.search(q.vectors, k=k)
    else:
        from kexue.textsim.distributed import ShardedIndex, connect

        with connect(scheduler) as client:
            index = ShardedIndex(docs, measure, client)
            ids, dist = index.search(q.vectors, k=k)
            index.close()
    rows = [{"rank": r + 1, "line": keep[usable[i]] + 1, "distance": float(d), "text": lines[keep[usable[i]]]}
            for r, (i, d) in enumerate(zip(ids, dist))]
    stats = index.last_stats.as_dict()
    if as_json:
        typer.echo(json.dumps({"query": query, "measure": measure, "results": rows, "stats": stats,
                               "skipped_lines": skipped}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"top {len(rows)} by {measure.upper()} ({emb.name})")
    for col in ("rank", "line", measure.upper(), "text"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["rank"]), str(r["line"]), f"{r['distance']:.4f}", r["text"])
    console = Console()
    console.print(table)
    console.print(f"[dim]{stats['exact_solves']} exact solves for {stats['n_documents']} documents "
                  f"({100 * stats['pruned_fraction']:.1f}% pruned); {skipped} line(s) without known tokens skipped[/dim]")


def register(app: typer.Typer) -> None:
    app.command(name="search")(search)
