"""Scoring many pairs: aligned lists of vector sequences, or a TAB-separated file of text pairs.

One implementation serves the local CLI (``kexue similarity --pairs``) and the Dask path
(:mod:`kexue.textsim.distributed`), so both write the same rows: one JSON object per non-blank line with
``line`` (1-based), the texts and the scores, or ``line`` and ``error`` when that line could not be scored.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kexue._validation import check_choice

PAIR_MEASURES = ("wrd", "wmd")


def score_pairs(xs, ys, measure: str = "wrd") -> np.ndarray:
    """Exact ``wrd`` or ``wmd`` of each aligned pair ``(xs[k], ys[k])``, as a float64 array.

    Examples
    --------
    >>> import numpy as np
    >>> from kexue.textsim.pairs import score_pairs
    >>> x = np.array([[1.0, 0.0]])
    >>> score_pairs([x, x], [x, np.array([[0.0, 1.0]])]).tolist()
    [0.0, 1.0]
    """
    from kexue.textsim.wmd import wmd
    from kexue.textsim.wrd import wrd

    check_choice(measure, "measure", PAIR_MEASURES)
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must be aligned lists of the same length ({len(xs)} vs {len(ys)})")
    fn = wrd if measure == "wrd" else wmd
    return np.array([fn(x, y) for x, y in zip(xs, ys)], dtype=np.float64)


def read_pair_lines(path) -> list[str]:
    """The lines of a UTF-8 pairs file, or a ``ValueError`` saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read pairs file {path}: {exc}") from None


def open_output(path):
    """Open ``path`` for writing JSON lines, or raise a ``ValueError`` saying why not."""
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from None


def score_line(line: str, lineno: int, embedder, measures) -> dict | None:
    """The JSON row for one ``text_a<TAB>text_b`` line (``None`` for a blank line); errors become rows."""
    from kexue.textsim.similarity import compare_embedded

    if not line.strip():
        return None
    row: dict = {"line": lineno}
    parts = line.split("\t")
    try:
        if len(parts) != 2:
            raise ValueError(f"expected 2 TAB-separated texts, found {len(parts)} field(s)")
        a, b = embedder.embed(parts)
        row.update(text_a=parts[0], text_b=parts[1], **compare_embedded(a, b, measures).to_dict(top=10))
    except (ValueError, TypeError) as exc:
        row["error"] = str(exc)
    return row


def score_lines(lines, first_lineno: int, embedder, measures) -> list[dict]:
    """Rows for consecutive lines numbered from ``first_lineno`` (blank lines give no row)."""
    rows = (score_line(line, first_lineno + k, embedder, measures) for k, line in enumerate(lines))
    return [r for r in rows if r is not None]


def write_rows(sink, rows) -> tuple[int, int]:
    """Write rows as JSON lines (flushed, so finished work survives a crash); return (scored, failed)."""
    n_bad = 0
    for row in rows:
        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
        n_bad += "error" in row
    sink.flush()
    return len(rows) - n_bad, n_bad
