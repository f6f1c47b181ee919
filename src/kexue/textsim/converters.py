"""Vector converters: reshape the norms (importance) and directions (meaning) of token vectors.

The WRD paper's idea (Yokoi et al. 2020): sentence-vector tricks become word-vector *converters* that can feed
any measure. A converter turns an embedded text into a :class:`WeightedText` — the same tokens, possibly new
vectors, and per-token ``weights``:

- **norm converters** supply weights (the vector directions are untouched):
  :class:`SIFWeighting` ``a/(a + p(w))`` and :class:`USIFWeighting` ``a/(½a + p(w))``;
- **direction converters** transform the vectors: :class:`CommonComponentRemoval`,
  :class:`AllButTheTop`, :class:`Whitening`.

Every measure reads the pair ``(vectors, weights)`` the same way: WRD uses mass ∝ weight·‖v‖, WMD and
BERTScore use the weights as masses, the cosine baseline sums ``Σ weight_i v_i``. Converters follow
scikit-learn (``fit`` on a corpus of embedded texts, ``transform``), compose with
:class:`ConverterPipeline` (each step fitted on the previous step's output), and round-trip through
``save(path)`` / :func:`load_converter`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kexue._validation import check_positive_int
from kexue.textsim.embedders.base import EmbeddedText

__all__ = ["WeightedText", "Converter", "SIFWeighting", "USIFWeighting", "CommonComponentRemoval",
           "AllButTheTop", "Whitening", "ConverterPipeline", "load_converter", "make_converter",
           "CONVERTER_PRESETS", "sentence_vectors"]


@dataclass
class WeightedText(EmbeddedText):
    """An :class:`EmbeddedText` with per-token ``weights`` (all ones when no norm converter ran)."""

    weights: np.ndarray | None = None

    def __post_init__(self):
        if self.weights is None:
            self.weights = np.ones(len(self.tokens))


def as_weighted(text) -> WeightedText:
    """Validate one embedded text and view it as a :class:`WeightedText`."""
    if isinstance(text, WeightedText):
        return text
    if not isinstance(text, EmbeddedText):
        raise TypeError(f"converters take EmbeddedText objects (from an embedder's embed()), "
                        f"got {type(text).__name__}")
    return WeightedText(text.text, text.tokens, text.vectors, text.dropped)


def _as_corpus(texts) -> list[WeightedText]:
    if isinstance(texts, EmbeddedText):
        raise TypeError("pass a list of embedded texts, not a single one")
    corpus = [as_weighted(t) for t in texts]
    if not any(t.tokens for t in corpus):
        raise ValueError("the corpus has no tokens with vectors; fit on a non-empty list of embedded texts")
    return corpus


def sentence_vectors(texts) -> np.ndarray:
    """Weighted mean vectors ``Σ_i w_i v_i / Σ_i w_i`` of the texts that have tokens, shape (n, d)."""
    rows = [t.weights @ t.vectors / max(float(t.weights.sum()), 1e-300) for t in texts if t.tokens]
    return np.asarray(rows, dtype=np.float64)


def _token_matrix(texts) -> np.ndarray:
    return np.vstack([t.vectors for t in texts if t.tokens]).astype(np.float64)


def _top_components(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` right singular vectors (k, d) and singular values of ``matrix``."""
    if k > min(matrix.shape):
        raise ValueError(f"cannot take {k} components from {matrix.shape[0]} vectors of dimension "
                         f"{matrix.shape[1]}; fit on a larger corpus or ask for fewer components")
    # eigen-decomposition of the d×d Gram matrix: the same singular directions, far cheaper than an n×d SVD
    lam, vecs = np.linalg.eigh(matrix.T @ matrix)
    order = np.argsort(lam)[::-1][:k]
    return vecs[:, order].T, np.sqrt(np.maximum(lam[order], 0.0))


class Converter:
    """Base class: ``fit(corpus)``, ``transform(texts)``, ``save(path)``."""

    kind = "direction"  #: "norm" (supplies weights) or "direction" (transforms vectors)
    _fitted_attr = "dim_"

    def fit(self, texts) -> "Converter":
        corpus = _as_corpus(texts)
        self.dim_ = int(next(t for t in corpus if t.tokens).vectors.shape[1])
        self._fit(corpus)
        return self

    def transform(self, texts):
        """Convert one embedded text or a list of them (returns the same shape of input)."""
        self._check_fitted()
        single = isinstance(texts, EmbeddedText)
        batch = [as_weighted(t) for t in ([texts] if single else texts)]
        for t in batch:
            if t.tokens and t.vectors.shape[1] != self.dim_:
                raise ValueError(f"{type(self).__name__} was fitted on {self.dim_}-d vectors but got "
                                 f"{t.vectors.shape[1]}-d ones; embed with the same model")
        out = self._transform_batch(batch)
        return out[0] if single else out

    def _transform_batch(self, batch: list[WeightedText]) -> list[WeightedText]:
        return [self._transform(t) if t.tokens else t for t in batch]

    def fit_transform(self, texts):
        return self.fit(texts).transform(texts)

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(corpus) first")

    def _with(self, t: WeightedText, vectors=None, weights=None) -> WeightedText:
        return WeightedText(t.text, t.tokens, t.vectors if vectors is None else vectors, t.dropped,
                            t.weights if weights is None else weights)

    # --- persistence: parameters go to JSON, fitted arrays to .npz entries
    def get_params(self) -> dict:
        return {}

    def _arrays(self) -> dict:
        return {}

    def _restore(self, arrays: dict) -> None:
        for k, v in arrays.items():
            setattr(self, k, v)

    def save(self, path) -> Path:
        """Write the fitted converter to ``path`` (a NumPy ``.npz`` file, no pickle)."""
        self._check_fitted()
        path = Path(path)
        meta, arrays = _describe(self, "")
        try:
            with open(path, "wb") as fh:
                np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
        except OSError as exc:
            raise ValueError(f"cannot write converter to {path}: {exc.strerror or exc}") from None
        return path

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _describe(conv: Converter, prefix: str) -> tuple[dict, dict]:
    if isinstance(conv, ConverterPipeline):
        metas, arrays = [], {}
        for i, step in enumerate(conv.steps):
            m, a = _describe(step, f"{prefix}{i}.")
            metas.append(m)
            arrays.update(a)
        return {"class": "ConverterPipeline", "steps": metas}, arrays
    arrays = {f"{prefix}{k}": np.asarray(v) for k, v in conv._arrays().items()}
    arrays[f"{prefix}dim_"] = np.asarray(conv.dim_)
    return {"class": type(conv).__name__, "params": conv.get_params(), "prefix": prefix}, arrays


def _build(meta: dict, arrays) -> Converter:
    if meta["class"] == "ConverterPipeline":
        return ConverterPipeline([_build(m, arrays) for m in meta["steps"]])
    cls = _CLASSES.get(meta["class"])
    if cls is None:
        raise ValueError(f"unknown converter class {meta['class']!r} in the file")
    conv = cls(**meta["params"])
    prefix = meta["prefix"]
    conv._restore({k[len(prefix):]: arrays[k] for k in arrays.files if k.startswith(prefix) and "." not in
                   k[len(prefix):]})
    conv.dim_ = int(conv.dim_)
    return conv


def load_converter(path) -> Converter:
    """Read a converter written by ``save``.

    Examples
    --------
    >>> conv = make_converter("sif+ccr").fit(corpus)            # doctest: +SKIP
    >>> conv.save("wr.npz"); same = load_converter("wr.npz")      # doctest: +SKIP
    """
    try:
        with np.load(Path(path), allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["__meta__"]))
            return _build(meta, arrays)
    except (OSError, KeyError, json.JSONDecodeError, ValueError) as exc:
        raise ValueError(f"cannot read a converter from {path}: {exc}") from None


# ---------------------------------------------------------------------------------------------- norm converters


class _FrequencyWeighting(Converter):
    """Token probabilities ``p(w) = c_w / N`` estimated from the fitting corpus; unseen tokens get p = 0."""

    kind = "norm"

    def _fit(self, corpus):
        counts = Counter(tok for t in corpus for tok in t.tokens)
        self.vocab_ = np.array(sorted(counts))
        total = sum(counts.values())
        self.probs_ = np.array([counts[w] / total for w in self.vocab_], dtype=np.float64)
        self._fit_a()

    def _fit_a(self) -> None:
        pass

    def _restore(self, arrays):
        super()._restore(arrays)
        self._index = None

    def _arrays(self):
        return {"vocab_": self.vocab_, "probs_": self.probs_}

    def probability(self, tokens) -> np.ndarray:
        if getattr(self, "_index", None) is None:
            self._index = {str(w): i for i, w in enumerate(self.vocab_)}
        return np.array([self.probs_[self._index[t]] if t in self._index else 0.0 for t in tokens])

    def token_weights(self, tokens) -> np.ndarray:
        self._check_fitted()
        return self._weight(self.probability(tokens))

    def _transform(self, t):
        return self._with(t, weights=t.weights * self._weight(self.probability(t.tokens)))


class SIFWeighting(_FrequencyWeighting):
    """Smooth inverse frequency (Arora et al. 2017): weight ``a / (a + p(w))``.

    Parameters
    ----------
    a : float
        Smoothing; 1e-3 in the SIF paper. Frequent words get weights near ``a/p(w)``, rare ones near 1.

    Examples
    --------
    >>> sif = SIFWeighting(a=1e-3).fit(embedder.embed(train_sentences))   # doctest: +SKIP
    >>> sif.transform(embedder("a man plays")).weights                    # doctest: +SKIP
    """

    def __init__(self, a: float = 1e-3):
        if not (isinstance(a, (int, float)) and np.isfinite(a) and a > 0):
            raise ValueError(f"a must be a positive number, got {a!r}")
        self.a = float(a)
        self._fitted_attr = "probs_"

    def get_params(self):
        return {"a": self.a}

    def _weight(self, p):
        return self.a / (self.a + p)


class USIFWeighting(_FrequencyWeighting):
    """Unsupervised SIF (Ethayarajh 2018): weight ``a / (½a + p(w))`` with ``a`` set from the corpus.

    With vocabulary size ``V`` and expected sentence length ``n``:
    ``threshold = 1 − (1 − 1/V)^n``, ``α = #{w : p(w) > threshold} / V``, ``Z = V/2``,
    ``a = (1 − α) / (α Z)``.

    Parameters
    ----------
    n : int
        Expected sentence length (11 in the uSIF paper).
    """

    def __init__(self, n: int = 11):
        self.n = check_positive_int(n, "n")
        self._fitted_attr = "probs_"

    def get_params(self):
        return {"n": self.n}

    def _fit_a(self):
        V = len(self.vocab_)
        threshold = 1.0 - (1.0 - 1.0 / V) ** self.n
        alpha = float(np.count_nonzero(self.probs_ > threshold)) / V
        if alpha == 0 or alpha == 1:
            raise ValueError(f"uSIF cannot set its parameter a: {'no' if alpha == 0 else 'every'} word is more "
                             f"frequent than the threshold {threshold:.3g}; fit on a larger corpus")
        self.a_ = (1.0 - alpha) / (alpha * 0.5 * V)

    def _arrays(self):
        return {**super()._arrays(), "a_": self.a_}

    def _restore(self, arrays):
        super()._restore(arrays)
        self.a_ = float(self.a_)

    def _weight(self, p):
        return self.a_ / (0.5 * self.a_ + p)


# ----------------------------------------------------------------------------------------- direction converters


class _VectorMap(Converter):
    """A direction converter: one map ``_map(V)`` applied to the stacked token vectors of a whole batch."""

    def _transform_batch(self, batch):
        sizes = [len(t.tokens) for t in batch]
        if not any(sizes):
            return batch
        mapped = self._map(np.vstack([t.vectors for t in batch if t.tokens]).astype(np.float64))
        parts = np.split(mapped, np.cumsum([n for n in sizes if n])[:-1])
        it = iter(parts)
        return [self._with(t, vectors=next(it)) if t.tokens else t for t in batch]


class CommonComponentRemoval(_VectorMap):
    """Remove the top principal directions of the corpus's sentence vectors from every token vector.

    ``v ← v − Σ_i λ_i (u_i·v) u_i`` where ``u_i`` are the top right singular vectors of the (uncentred)
    matrix of weighted-mean sentence vectors — SIF's step 2 (``n_components=1``, ``λ = 1``) applied to
    words; by linearity the sum of converted token vectors is SIF's converted sentence vector. uSIF uses
    ``n_components=5`` with ``scaled=True``: ``λ_i = σ_i² / Σ_j σ_j²``.
    """

    def __init__(self, n_components: int = 1, scaled: bool = False):
        self.n_components = check_positive_int(n_components, "n_components")
        self.scaled = bool(scaled)

    def get_params(self):
        return {"n_components": self.n_components, "scaled": self.scaled}

    def _fit(self, corpus):
        self.components_, s = _top_components(sentence_vectors(corpus), self.n_components)
        self.lambdas_ = s ** 2 / np.sum(s ** 2) if self.scaled else np.ones(self.n_components)

    def _map(self, v):
        return v - ((v @ self.components_.T) * self.lambdas_) @ self.components_

    def _arrays(self):
        return {"components_": self.components_, "lambdas_": self.lambdas_}


class AllButTheTop(_VectorMap):
    """All-but-the-top (Mu & Viswanath 2018): centre, then remove the top ``D`` principal directions.

    ``v ← (v − μ) − Σ_{i ≤ D} (u_i·(v − μ)) u_i``, with ``μ`` and ``u_i`` from the distinct token vectors
    of the fitting corpus (its vocabulary, for static word vectors). ``D ≈ d/100`` in the paper.
    """

    def __init__(self, n_components: int = 3):
        self.n_components = check_positive_int(n_components, "n_components")

    def get_params(self):
        return {"n_components": self.n_components}

    def _fit(self, corpus):
        vocab = np.unique(_token_matrix(corpus), axis=0)
        self.mean_ = vocab.mean(axis=0)
        self.components_, _ = _top_components(vocab - self.mean_, self.n_components)

    def _map(self, v):
        v = v - self.mean_
        return v - (v @ self.components_.T) @ self.components_

    def _arrays(self):
        return {"mean_": self.mean_, "components_": self.components_}


class Whitening(_VectorMap):
    """Whitening (as in Su's BERT-whitening): ``v ← (v − μ) W`` with ``W = U Λ^{-1/2}`` from ``Σ = U Λ Uᵀ``.

    ``μ, Σ`` are the mean and covariance of the corpus's weighted-mean sentence vectors (``level="sentence"``)
    or of all its token vectors (``level="token"``). Being affine, it maps a text's mean vector to the
    whitened mean vector, so the cosine baseline gets exactly BERT-whitening. ``n_components`` keeps the
    leading dimensions (dimension reduction).
    """

    def __init__(self, n_components: int | None = None, level: str = "sentence"):
        if n_components is not None:
            check_positive_int(n_components, "n_components")
        if level not in ("sentence", "token"):
            raise ValueError(f"unknown level {level!r}; choose 'sentence' or 'token'")
        self.n_components, self.level = n_components, level

    def get_params(self):
        return {"n_components": self.n_components, "level": self.level}

    def _fit(self, corpus):
        X = sentence_vectors(corpus) if self.level == "sentence" else _token_matrix(corpus)
        k = self.n_components or X.shape[1]
        if k > X.shape[1] or X.shape[0] < 2:
            raise ValueError(f"cannot whiten to {k} dimensions from {X.shape[0]} vectors of dimension "
                             f"{X.shape[1]}")
        self.mean_ = X.mean(axis=0)
        u, lam, _ = np.linalg.svd(np.cov(X - self.mean_, rowvar=False))
        # a tiny floor keeps rank-deficient covariances finite; those directions carry no corpus variance
        lam = np.maximum(lam[:k], lam[0] * 1e-12)
        self.W_ = u[:, :k] / np.sqrt(lam)

    def _map(self, v):
        return (v - self.mean_) @ self.W_

    def _arrays(self):
        return {"mean_": self.mean_, "W_": self.W_}


class ConverterPipeline(Converter):
    """Converters applied in order; ``fit`` fits each step on the previous steps' output.

    Examples
    --------
    >>> wr = ConverterPipeline([SIFWeighting(), CommonComponentRemoval(1)])   # SIF's "WR"
    >>> wr.fit(embedder.embed(train_sentences))                              # doctest: +SKIP
    """

    kind = "pipeline"

    def __init__(self, steps):
        steps = list(steps)
        if not steps or not all(isinstance(s, Converter) for s in steps):
            raise TypeError("ConverterPipeline takes a non-empty list of converters")
        self.steps = steps

    @property
    def dim_(self):
        return self.steps[0].dim_

    def fit(self, texts):
        corpus = _as_corpus(texts)
        for step in self.steps:
            corpus = step.fit_transform(corpus)
        return self

    def _check_fitted(self):
        for s in self.steps:
            s._check_fitted()

    def transform(self, texts):
        for step in self.steps:
            texts = step.transform(texts)
        return texts

    def __repr__(self):
        return f"ConverterPipeline({self.steps!r})"


_CLASSES = {c.__name__: c for c in (SIFWeighting, USIFWeighting, CommonComponentRemoval, AllButTheTop, Whitening)}

#: named converters for ``make_converter`` and the ``measure+converter`` names of :func:`evaluate_sts`
CONVERTER_PRESETS = {
    "sif": lambda: SIFWeighting(1e-3),
    "usif": lambda: ConverterPipeline([USIFWeighting(11), CommonComponentRemoval(5, scaled=True)]),
    "ccr": lambda: CommonComponentRemoval(1),
    "abtt": lambda: AllButTheTop(3),
    "whiten": lambda: Whitening(),
}


def make_converter(spec: str) -> Converter:
    """Build an unfitted converter from a name, or several joined by ``+`` (applied left to right).

    Names: ``sif`` (SIF weights, a = 1e-3), ``usif`` (uSIF weights + 5 scaled components removed),
    ``ccr`` (common-component removal, 1 component), ``abtt`` (all-but-the-top, D = 3), ``whiten``.
    ``"sif+ccr"`` is SIF's full "WR" recipe.
    """
    if not isinstance(spec, str) or not spec:
        raise TypeError("converter spec must be a non-empty string such as 'sif' or 'sif+ccr'")
    names = spec.split("+")
    for n in names:
        if n not in CONVERTER_PRESETS:
            raise ValueError(f"unknown converter {n!r}; choose from {', '.join(CONVERTER_PRESETS)} "
                             "(join several with '+')")
    steps = [CONVERTER_PRESETS[n]() for n in names]
    return steps[0] if len(steps) == 1 else ConverterPipeline(steps)
