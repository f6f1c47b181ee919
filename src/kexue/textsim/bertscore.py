"""BERTScore-compatible greedy matching (Zhang et al., ICLR 2020), with idf weights and baseline rescaling.

For a candidate ``x`` (m tokens) and a reference ``y`` (n tokens), with unit vectors and per-sentence
weights normalised to sum 1:

    P = Σ_i w_i max_j cos(x_i, y_j)        (each candidate token matched to its closest reference token)
    R = Σ_j w'_j max_i cos(x_i, y_j)       (each reference token matched to its closest candidate token)
    F = 2PR / (P + R)                      (0 when P + R = 0)

BERTScore uses uniform weights by default, or ``idf(w) = log((M + 1)/(c_w + 1))`` over M reference texts
(:class:`IDF`). Baseline rescaling maps a score ``X`` to ``(X − b)/(1 − b)`` with ``b`` the mean score of
random text pairs (:func:`estimate_baseline`, :func:`rescale`).

With norm weights ``w_i ∝ ‖x_i‖`` this is the relaxed WRD bound: ``wrd_relaxed(x, y) = 1 − min(P, R)``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import NamedTuple

import numpy as np

from kexue.ot.masses import normalise_weights
from kexue.textsim.problems import check_pair, unit_rows

__all__ = ["BERTScore", "bertscore", "IDF", "rescale", "estimate_baseline"]


class BERTScore(NamedTuple):
    precision: float
    recall: float
    f1: float


def _f1(p, r):
    return 2 * p * r / (p + r) if p + r != 0 else 0.0


def bertscore(x, y, x_weights=None, y_weights=None, *, baseline=None) -> BERTScore:
    """Greedy-matching precision, recall and F between candidate ``x`` and reference ``y``.

    Parameters
    ----------
    x : array_like, shape (m, d)
        Candidate token vectors (zero vectors match nothing: cosine 0).
    y : array_like, shape (n, d)
        Reference token vectors.
    x_weights, y_weights : array_like, optional
        Non-negative token weights (e.g. ``IDF.weights(tokens)``), normalised per sentence; uniform if omitted.
    baseline : (b_P, b_R, b_F), optional
        Rescale each score as ``(X − b)/(1 − b)``.

    Returns
    -------
    BERTScore(precision, recall, f1)

    Examples
    --------
    >>> import numpy as np
    >>> bertscore(np.eye(2), np.array([[1.0, 0.0]]))
    BERTScore(precision=0.5, recall=1.0, f1=0.6666666666666666)
    """
    x, y = check_pair(x, y)
    _, ux = unit_rows(x)
    _, uy = unit_rows(y)
    S = ux @ uy.T
    p = float(normalise_weights(x_weights, x.shape[0], "x_weights") @ S.max(axis=1))
    r = float(normalise_weights(y_weights, y.shape[0], "y_weights") @ S.max(axis=0))
    if baseline is None:
        return BERTScore(p, r, _f1(p, r))
    bp, br, bf = _check_baseline(baseline)
    return BERTScore(rescale(p, bp), rescale(r, br), rescale(_f1(p, r), bf))


def _check_baseline(baseline):
    try:
        b = tuple(float(v) for v in baseline)
    except TypeError:
        raise TypeError("baseline must be three numbers (b_P, b_R, b_F)") from None
    if len(b) != 3 or not all(math.isfinite(v) and v < 1 for v in b):
        raise ValueError(f"baseline must be three finite numbers below 1 (b_P, b_R, b_F), got {baseline!r}")
    return b


def rescale(score, b: float):
    """Baseline rescaling ``(X − b)/(1 − b)``: 0 at the random-pair mean, 1 stays 1."""
    if not (math.isfinite(b) and b < 1):
        raise ValueError(f"baseline b must be finite and below 1, got {b!r}")
    return (np.asarray(score, dtype=np.float64) - b) / (1 - b) if np.ndim(score) else (float(score) - b) / (1 - b)


def estimate_baseline(vectors, n_pairs: int = 1000, weights=None, random_state=None) -> BERTScore:
    """Mean raw P, R, F over ``n_pairs`` random pairs of distinct texts (BERTScore's baseline ``b``).

    Parameters
    ----------
    vectors : list of arrays (m_k, d)
        Token vectors of a corpus (e.g. ``[e.vectors for e in embedder.embed(texts)]``).
    weights : list of arrays, optional
        Token weights per text.
    """
    if len(vectors) < 2:
        raise ValueError("need at least two texts to draw random pairs")
    rng = np.random.default_rng(random_state)
    i = rng.integers(0, len(vectors), size=n_pairs)
    j = (i + rng.integers(1, len(vectors), size=n_pairs)) % len(vectors)  # j ≠ i
    w = weights if weights is not None else [None] * len(vectors)
    scores = np.array([bertscore(vectors[a], vectors[b], w[a], w[b]) for a, b in zip(i, j)])
    return BERTScore(*map(float, scores.mean(axis=0)))


class IDF:
    """Inverse document frequency ``idf(w) = log((M + 1)/(c_w + 1))`` from M texts (as BERTScore and MoverScore).

    ``c_w`` counts the texts containing ``w``; unseen tokens get ``log(M + 1)``.

    Examples
    --------
    >>> idf = IDF().fit([["a", "cat"], ["a", "dog"]])
    >>> idf.weights(["a", "cat", "emu"]).round(4).tolist()
    [0.0, 0.4055, 1.0986]
    """

    def fit(self, token_lists) -> "IDF":
        if isinstance(token_lists, str):
            raise TypeError("IDF.fit takes a list of token lists, not a string")
        token_lists = list(token_lists)
        if not token_lists:
            raise ValueError("IDF.fit needs at least one text")
        self.n_docs_ = len(token_lists)
        self.doc_counts_ = Counter(tok for toks in token_lists for tok in set(toks))
        return self

    def __call__(self, token: str) -> float:
        if not hasattr(self, "n_docs_"):
            raise ValueError("this IDF is not fitted yet; call fit(token_lists) first")
        return math.log((self.n_docs_ + 1) / (self.doc_counts_.get(token, 0) + 1))

    def weights(self, tokens) -> np.ndarray:
        return np.array([self(t) for t in tokens], dtype=np.float64)
