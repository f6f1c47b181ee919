"""Static word vectors: word2vec (text and binary), GloVe (text, no header), fastText ``.vec``, and the
spaCy ``en_core_web_md`` vectors read with NumPy and msgpack alone (no spaCy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kexue.textsim.embedders.base import Embedder, EmbeddedText, check_texts
from kexue.textsim.embedders.murmurhash import spacy_key
from kexue.textsim.embedders.tokenize import english_stop_words, tokenize

VECTOR_FORMATS = ("auto", "word2vec", "word2vec-binary", "glove", "fasttext")


class WordVectors:
    """A table from words to vectors.

    Parameters
    ----------
    words : list of str
    matrix : ndarray, shape (len(words), d)
    """

    def __init__(self, words: list[str], matrix: np.ndarray):
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise ValueError(f"need one row per word: {len(words)} words, matrix of shape {matrix.shape}")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("the word vectors contain NaN or infinite values")
        self.matrix = matrix
        self.index = {w: i for i, w in enumerate(words)}

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def row(self, word: str) -> int | None:
        """Row of ``word`` in :attr:`matrix`, or None when it has no vector."""
        return self.index.get(word)

    def __contains__(self, word: str) -> bool:
        return self.row(word) is not None

    def __getitem__(self, word: str) -> np.ndarray:
        r = self.row(word)
        if r is None:
            raise KeyError(f"{word!r} has no vector")
        return self.matrix[r]

    @classmethod
    def load(cls, path, format: str = "auto") -> "WordVectors":
        """Read a vectors file.

        ``format``: ``"word2vec"`` / ``"fasttext"`` (text with a ``count dim`` header), ``"glove"`` (text, no
        header), ``"word2vec-binary"``, or ``"auto"`` (binary if the file is not UTF-8 text, header if the
        first line is two integers). A folder holding spaCy's ``vectors`` and ``key2row`` is read as spaCy.
        """
        if format not in VECTOR_FORMATS:
            raise ValueError(f"unknown vectors format {format!r}; choose one of {', '.join(VECTOR_FORMATS)}")
        path = Path(path)
        if path.is_dir():
            return SpacyVectors(path)
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise ValueError(f"cannot read vectors file {path}: {exc.strerror or exc}") from None
        try:
            if format == "word2vec-binary" or (format == "auto" and _looks_binary(head)):
                return cls(*_read_word2vec_binary(path))
            return cls(*_read_text_vectors(path, header=None if format == "auto" else format != "glove"))
        except (ValueError, UnicodeDecodeError, IndexError) as exc:
            raise ValueError(f"cannot parse vectors file {path} as {format}: {exc}") from None


def _looks_binary(head: bytes) -> bool:
    first, _, rest = head.partition(b"\n")
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError:
        return len(first.split()) == 2
    return False


def _read_text_vectors(path: Path, header: bool | None):
    words, rows = [], []
    with open(path, encoding="utf-8") as fh:
        first = fh.readline().rstrip("\n").split(" ")
        if header is None:
            header = len(first) == 2 and all(p.isdigit() for p in first)
        dim = int(first[1]) if header else None
        lines = fh if header else [" ".join(first)] + list(fh)
        for lineno, line in enumerate(lines, start=2 if header else 1):
            parts = line.rstrip().split(" ")
            if len(parts) < 2:
                continue
            if dim is None:
                dim = len(parts) - 1
            if len(parts) - 1 != dim:
                raise ValueError(f"line {lineno} has {len(parts) - 1} numbers, expected {dim}")
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    if not rows:
        raise ValueError("no vectors found")
    return words, np.vstack(rows)


def _read_word2vec_binary(path: Path):
    data = path.read_bytes()
    newline = data.index(b"\n")
    count, dim = (int(v) for v in data[:newline].split())
    pos, words = newline + 1, []
    matrix = np.empty((count, dim), dtype=np.float32)
    for i in range(count):
        while data[pos:pos + 1] in (b"\n", b" "):
            pos += 1
        end = data.index(b" ", pos)
        words.append(data[pos:end].decode("utf-8", errors="replace"))
        pos = end + 1
        matrix[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=pos)
        pos += 4 * dim
    return words, matrix


class SpacyVectors(WordVectors):
    """spaCy's vector table: ``vectors`` (.npy), ``key2row`` (msgpack: 64-bit string hash → row).

    A word's key is MurmurHash64A (seed 1) of its UTF-8 bytes, so lookups need neither spaCy nor
    ``strings.json``.
    """

    def __init__(self, vocab_dir):
        import msgpack

        vocab_dir = Path(vocab_dir)
        try:
            self.matrix = np.load(vocab_dir / "vectors", allow_pickle=False)
            with open(vocab_dir / "key2row", "rb") as fh:
                self.key2row = msgpack.unpack(fh, strict_map_key=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read spaCy vectors from {vocab_dir}: {exc}") from None
        self.index = None

    def row(self, word: str) -> int | None:
        return self.key2row.get(spacy_key(word))


class WordVectorEmbedder(Embedder):
    """Tokenise a text into words and look up their vectors; unknown words are dropped and reported.

    Parameters
    ----------
    vectors : WordVectors
    lowercase : bool
        Lower-case before lookup (words not found lower-cased are tried as written).
    stop_words : None, "english" or a collection of words
        Words to remove before comparison.
    """

    def __init__(self, vectors: WordVectors, *, lowercase: bool = True, stop_words=None, name: str = "vectors"):
        self.vectors = vectors
        self.lowercase = lowercase
        if stop_words == "english":
            stop_words = english_stop_words()
        self.stop_words = frozenset(stop_words or ())
        self.name = name

    @property
    def dim(self) -> int:
        return self.vectors.dim

    def embed(self, texts) -> list[EmbeddedText]:
        out = []
        for text in check_texts(texts):
            tokens, rows, dropped = [], [], []
            for tok in tokenize(text, lowercase=self.lowercase):
                r = None if tok in self.stop_words else self.vectors.row(tok)
                if r is None:
                    dropped.append(tok)
                else:
                    tokens.append(tok)
                    rows.append(r)
            vecs = self.vectors.matrix[rows] if rows else np.zeros((0, self.dim), np.float32)
            out.append(EmbeddedText(text, tokens, np.asarray(vecs, dtype=np.float32), dropped))
        return out
