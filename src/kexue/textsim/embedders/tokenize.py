"""A small word tokenizer for word-vector embedders: words and numbers, optional lower-casing and stop words."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list (318 words)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def tokenize(text: str, *, lowercase: bool = True) -> list[str]:
    """Split ``text`` into word tokens (punctuation dropped).

    Examples
    --------
    >>> tokenize("A man's guitar, played!")
    ['a', "man's", 'guitar', 'played']
    """
    if lowercase:
        text = text.lower()
    return _WORD.findall(text)
