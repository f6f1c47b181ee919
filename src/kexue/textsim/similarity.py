"""Compare two texts end to end: embed, then WRD (with its alignment), WMD and the cosine baseline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kexue._validation import check_choice
from kexue.textsim.cosine import cosine
from kexue.textsim.embedders import Embedder, EmbeddedText, get_embedder
from kexue.textsim.wmd import wmd
from kexue.textsim.wrd import wrd

MEASURES = ("wrd", "wmd", "cosine")


@dataclass
class SimilarityResult:
    """The comparison of two texts. ``plan`` is WRD's optimal transport plan (tokens_a × tokens_b)."""

    tokens_a: list[str]
    tokens_b: list[str]
    wrd: float | None = None
    wmd: float | None = None
    cosine: float | None = None
    plan: np.ndarray | None = None
    dropped_a: list[str] = field(default_factory=list)
    dropped_b: list[str] = field(default_factory=list)

    @property
    def wrd_similarity(self) -> float | None:
        return None if self.wrd is None else 1.0 - self.wrd

    def alignment(self, top: int | None = None, min_mass: float = 1e-12) -> list[tuple[str, str, float]]:
        """``(token_a, token_b, mass)`` rows of the WRD plan, largest mass first.

        Repeated tokens (the two "a"s of a sentence) are merged, so each token pair appears once.
        """
        if self.plan is None:
            return []
        merged: dict[tuple[str, str], float] = {}
        for i, j in zip(*np.nonzero(self.plan > min_mass)):
            key = (self.tokens_a[i], self.tokens_b[j])
            merged[key] = merged.get(key, 0.0) + float(self.plan[i, j])
        rows = sorted(merged.items(), key=lambda kv: -kv[1])[:top]
        return [(a, b, mass) for (a, b), mass in rows]

    def to_dict(self, top: int | None = None) -> dict:
        return {
            "wrd": self.wrd, "wrd_similarity": self.wrd_similarity, "wmd": self.wmd, "cosine": self.cosine,
            "tokens_a": self.tokens_a, "tokens_b": self.tokens_b,
            "alignment": [list(row) for row in self.alignment(top)],
            "dropped_a": self.dropped_a, "dropped_b": self.dropped_b,
        }


def compare_embedded(a: EmbeddedText, b: EmbeddedText, measures=MEASURES) -> SimilarityResult:
    """Score two already-embedded texts with the chosen ``measures``."""
    for m in measures:
        check_choice(m, "measure", MEASURES)
    a.require_tokens("text A")
    b.require_tokens("text B")
    res = SimilarityResult(a.tokens, b.tokens, dropped_a=a.dropped, dropped_b=b.dropped)
    if "wrd" in measures:
        res.wrd, res.plan = wrd(a.vectors, b.vectors, return_plan=True)
    if "wmd" in measures:
        res.wmd = wmd(a.vectors, b.vectors)
    if "cosine" in measures:
        res.cosine = cosine(a.vectors, b.vectors)
    return res


def compare(text_a: str, text_b: str, embedder: Embedder | str | None = None,
            measures=MEASURES) -> SimilarityResult:
    """Compare two texts.

    Parameters
    ----------
    text_a, text_b : str
    embedder : Embedder or name, optional
        Default: the shipped all-MiniLM-L6-v2 token vectors (``"minilm"``); ``"spacy-md"`` for word vectors.
    measures : iterable of {"wrd", "wmd", "cosine"}

    Examples
    --------
    >>> from kexue.textsim import compare
    >>> r = compare("A man is playing a guitar.", "A man plays the guitar.")  # doctest: +SKIP
    >>> r.wrd_similarity, r.alignment(top=3)  # doctest: +SKIP
    """
    if embedder is None or isinstance(embedder, str):
        embedder = get_embedder(embedder or "minilm")
    a, b = embedder.embed([text_a, text_b])
    return compare_embedded(a, b, tuple(measures))
