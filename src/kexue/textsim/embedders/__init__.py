"""Embedders: text → (tokens, vectors), batched and offline."""

from kexue.textsim.embedders.base import EmbeddedText, Embedder
from kexue.textsim.embedders.registry import DEFAULT_EMBEDDER, EMBEDDERS, get_embedder
from kexue.textsim.embedders.tokenize import tokenize
from kexue.textsim.embedders.transformer import TransformerEmbedder
from kexue.textsim.embedders.word_vectors import SpacyVectors, WordVectorEmbedder, WordVectors

__all__ = ["EmbeddedText", "Embedder", "get_embedder", "EMBEDDERS", "DEFAULT_EMBEDDER", "tokenize",
           "TransformerEmbedder", "WordVectors", "SpacyVectors", "WordVectorEmbedder"]
