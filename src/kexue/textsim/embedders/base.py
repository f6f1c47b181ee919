"""What every embedder returns: the kept tokens of a text, their vectors, and the tokens it dropped."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass
class EmbeddedText:
    """One text as a sequence of vectors.

    Attributes
    ----------
    text : str
    tokens : list of str
        Tokens that have a vector, in order (``len(tokens) == len(vectors)``).
    vectors : ndarray, shape (len(tokens), d), float32
    dropped : list of str
        Tokens without a vector (out of vocabulary) or removed as stop words.
    """

    text: str
    tokens: list[str]
    vectors: np.ndarray
    dropped: list[str] = field(default_factory=list)

    def require_tokens(self, label: str = "text") -> "EmbeddedText":
        """Raise a clear ``ValueError`` when nothing of the text has a vector."""
        if not self.tokens:
            why = (f"none of its words are known to the model (dropped: {', '.join(self.dropped[:8])})"
                   if self.dropped else "it has no tokens")
            raise ValueError(f"{label} {self.text!r} cannot be compared: {why}")
        return self


class Embedder(ABC):
    """Turns texts into :class:`EmbeddedText` sequences, batched and offline."""

    name: str = "embedder"

    @property
    @abstractmethod
    def dim(self) -> int:
        """Vector dimension."""

    @abstractmethod
    def embed(self, texts: list[str]) -> list[EmbeddedText]:
        """Embed a batch of texts."""

    def __call__(self, text: str) -> EmbeddedText:
        return self.embed([text])[0]


def check_texts(texts) -> list[str]:
    """A list of non-empty strings, or a clear error."""
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not a single string (use embedder(text) for one)")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is a {type(t).__name__}, expected str")
        if not t.strip():
            raise ValueError(f"text {i} is empty; give some words to compare")
    return texts
