"""Named embedders: ``"minilm"`` (default, transformer tokens) and ``"spacy-md"`` (300-d word vectors),
or a user's own ``model`` folder or ``vectors`` file."""

from __future__ import annotations

from functools import lru_cache

from kexue.textsim.embedders.base import Embedder

EMBEDDERS = ("minilm", "spacy-md")
DEFAULT_EMBEDDER = "minilm"


def get_embedder(name: str | None = DEFAULT_EMBEDDER, *, model=None, vectors=None, stop_words=None,
                 layer: int = -1) -> Embedder:
    """Build (and cache) an embedder.

    Parameters
    ----------
    name : {"minilm", "spacy-md"}
        Ignored when ``model`` or ``vectors`` is given.
    model : path, optional
        A Hugging Face model folder, for token vectors.
    vectors : path, optional
        A word-vector file (word2vec text/binary, GloVe, fastText ``.vec``) or spaCy vocab folder.
    stop_words : None or "english"
        For word-vector embedders.
    layer : int
        Transformer layer.
    """
    if model is not None and vectors is not None:
        raise ValueError("give either model (a transformer folder) or vectors (a word-vector file), not both")
    if stop_words not in (None, "english"):
        raise ValueError(f"stop_words must be None or 'english', got {stop_words!r}")
    if model is None and vectors is None and name not in EMBEDDERS:
        raise ValueError(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}, "
                         "or pass a model folder or a vectors file")
    return _cached(None if (model or vectors) else name, str(model) if model else None,
                   str(vectors) if vectors else None, stop_words, layer)


@lru_cache(maxsize=8)
def _cached(name, model, vectors, stop_words, layer) -> Embedder:
    from kexue.datasets import minilm_model_dir, spacy_vocab_dir
    from kexue.textsim.embedders.transformer import TransformerEmbedder
    from kexue.textsim.embedders.word_vectors import SpacyVectors, WordVectorEmbedder, WordVectors

    if model is not None:
        return TransformerEmbedder(model, layer=layer)
    if vectors is not None:
        return WordVectorEmbedder(WordVectors.load(vectors), stop_words=stop_words, name=vectors)
    if name == "minilm":
        return TransformerEmbedder(minilm_model_dir(), layer=layer, name="minilm")
    return WordVectorEmbedder(SpacyVectors(spacy_vocab_dir()), stop_words=stop_words, name="spacy-md")
