"""``kexue search``: exact top-k retrieval of the corpus lines nearest to a query, by WRD or WMD."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def search(
    query: str = typer.Argument(..., help="the text to look up"),
    corpus: Optional[Path] = typer.Option(None, "--corpus", "-c", help="a text file, one document per line"),
    index_dir: Optional[Path] = typer.Option(None, "--index", help="a folder written by --save-index: search it "
                                             "without embedding the corpus again"),
    save_index: Optional[Path] = typer.Option(None, "--save-index", help="write the corpus's index to this folder"),
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

    if (corpus is None) == (index_dir is None):
        raise ValueError("give either --corpus FILE (embed and index it) or --index FOLDER (a saved index)")
    if index_dir is not None and save_index is not None:
        raise ValueError("--save-index writes the index of a --corpus; an --index folder is already saved")
    if index_dir is not None:
        index, meta = _load(index_dir)
        embedder, measure, lines = meta["embedder"], index.measure, meta["lines"]
        emb = get_embedder(embedder, model=meta["model"], vectors=meta["vectors"])
        line_numbers, skipped = meta["line_numbers"], meta["skipped"]
        docs = None
    else:
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
        docs = [embedded[n].vectors for n in usable]
        line_numbers = [keep[n] for n in usable]
        index = None
        if save_index is not None:
            index = Index(docs, measure=measure)
            index.save(save_index)
            meta = {"embedder": embedder, "model": None if model is None else str(model),
                    "vectors": None if vectors is None else str(vectors), "lines": lines,
                    "line_numbers": line_numbers, "skipped": skipped}
            (save_index / _CLI_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    q = emb(query).require_tokens("query")
    if scheduler is None:
        if index is None:
            index = Index(docs, measure=measure)
        ids, dist = index.search(q.vectors, k=k)
    else:
        from kexue.textsim.distributed import ShardedIndex, connect

        if docs is None:
            docs = [index.document(i) for i in range(len(index))]
        with connect(scheduler) as client:
            index = ShardedIndex(docs, measure, client)
            ids, dist = index.search(q.vectors, k=k)
            index.close()
    rows = [{"rank": r + 1, "line": line_numbers[i] + 1, "distance": float(d), "text": lines[line_numbers[i]]}
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


_CLI_META = "search.json"


def _load(folder: Path):
    from kexue.textsim import Index

    try:
        meta = json.loads((folder / _CLI_META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder} is not an index written by 'kexue search --save-index' ({exc})") from None
    return Index.load(folder), meta


def register(app: typer.Typer) -> None:
    app.command(name="search")(search)
