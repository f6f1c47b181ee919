"""Reference functions for the article's first construction: a softmax over k-subsets of labels.

Treat every k-subset's total score as one logit ("C(n, k) choose 1"); the cross-entropy of the target
subset T is

    L = log Z_k − Σ_{j∈T} s_j,   Z_k = Σ_{i1<…<ik} e^{s_{i1}+…+s_{ik}}   (kexue.fm/archives/7359)

Z_k is the k-th elementary symmetric polynomial of x_i = e^{s_i}, computed from the power sums
S_i = Σ x^i by Newton's identities  k Z_k = Σ_{i=1..k} (−1)^{i−1} Z_{k−i} S_i,  Z_0 = 1.

*Padded threshold variant.* Fix a maximum K and add a threshold class with logit s_0 that may repeat.
The partition function over K-multisets in which only class 0 repeats obeys
Z̄_K = Z_K + e^{s_0} Z̄_{K−1} (Z̄_0 = 1), the loss is log Z̄_K − (Σ_{T} s_j + (K − k) s_0), and the most
likely multiset is "the labels with s_i > s_0, at most K of them".

These are NumPy float64 *reference* functions, not training losses: Newton's identities subtract
large alternating terms and lose accuracy as k grows (fine for the small n, k they document);
:func:`kexue.multilabel.multilabel_categorical_crossentropy` is what Su kept.
"""

from __future__ import annotations

import numpy as np
from kexue._validation import check_positive_int

__all__ = [
    "subset_log_partition",
    "padded_subset_log_partition",
    "combinatorial_softmax_crossentropy",
    "padded_combinatorial_crossentropy",
    "padded_combinatorial_predict",
]


def _as_logits(logits) -> np.ndarray:
    s = np.asarray(logits, dtype=np.float64)
    if s.ndim == 0 or s.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., n_labels) with n_labels >= 1, got {s.shape}")
    if np.isnan(s).any() or np.isposinf(s).any():
        raise ValueError("logits contain NaN or +inf; only -inf (a masked label) is allowed")
    return s


def _as_targets(targets, shape) -> np.ndarray:
    y = np.asarray(targets)
    if y.shape != shape:
        raise ValueError(f"targets must have the shape of logits {shape}, got {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("targets must be 0/1")
    return y.astype(bool)


def subset_log_partition(logits, k: int) -> np.ndarray:
    """log Z_j for j = 0, …, k by Newton's identities; shape ``logits.shape[:-1] + (k + 1,)``.

    Z_j = Σ over j-subsets of e^{sum of their logits}; it is 0 (log = −inf) when j exceeds the number
    of unmasked labels.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(subset_log_partition([0.0, 0.0, 0.0, 0.0], 2))   # 1, C(4,1), C(4,2)
    array([1., 4., 6.])
    """
    s = _as_logits(logits)
    k = check_positive_int(k, "k", minimum=0)
    m = np.max(np.where(np.isneginf(s), -np.inf, s), axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    x = np.exp(s - m)                                              # ≤ 1, masked labels give 0
    power = np.stack([np.sum(x ** i, axis=-1) for i in range(1, k + 1)], axis=-1) if k else None
    z = [np.ones(s.shape[:-1])]
    for j in range(1, k + 1):
        terms = sum((-1) ** (i - 1) * z[j - i] * power[..., i - 1] for i in range(1, j + 1))
        z.append(terms / j)
    z = np.stack(z, axis=-1)
    with np.errstate(divide="ignore"):
        # cancellation can leave a tiny negative where the exact value is 0 (j > unmasked labels)
        return np.log(np.clip(z, 0.0, None)) + np.arange(k + 1) * m


def padded_subset_log_partition(logits, max_k: int, threshold_logit: float = 0.0) -> np.ndarray:
    """log Z̄_j for j = 0, …, max_k from Z̄_j = Z_j + e^{s_0} Z̄_{j−1}; shape ``logits.shape[:-1] + (max_k + 1,)``."""
    log_z = subset_log_partition(logits, max_k)
    s0 = float(threshold_logit)
    out = [log_z[..., 0]]
    for j in range(1, max_k + 1):
        out.append(np.logaddexp(log_z[..., j], s0 + out[-1]))
    return np.stack(out, axis=-1)


def combinatorial_softmax_crossentropy(logits, targets) -> np.ndarray:
    """Per-sample ``log Z_k − Σ_{targets=1} s`` with k = the sample's number of positives.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([2.0, 0.5, -1.0]); y = np.array([1, 0, 0])   # k = 1: ordinary softmax CE
    >>> bool(np.isclose(combinatorial_softmax_crossentropy(s, y), -(s[0] - np.log(np.exp(s).sum()))))
    True
    """
    s = _as_logits(logits)
    y = _as_targets(targets, s.shape)
    k = y.sum(-1)
    if (k == 0).any():
        raise ValueError("every sample needs at least one positive (k >= 1)")
    log_z = subset_log_partition(s, int(k.max()))
    return np.take_along_axis(log_z, k[..., None], -1)[..., 0] - np.where(y, s, 0.0).sum(-1)


def padded_combinatorial_crossentropy(logits, targets, max_k: int, threshold_logit: float = 0.0) -> np.ndarray:
    """Per-sample ``log Z̄_K − (Σ_{targets=1} s + (K − k) s_0)``: the k-subset softmax with a threshold class."""
    s = _as_logits(logits)
    y = _as_targets(targets, s.shape)
    max_k = check_positive_int(max_k, "max_k")
    k = y.sum(-1)
    if (k > max_k).any():
        raise ValueError(f"a sample has {int(k.max())} positives, more than max_k={max_k}; raise max_k")
    log_zbar = padded_subset_log_partition(s, max_k, threshold_logit)[..., max_k]
    return log_zbar - (np.where(y, s, 0.0).sum(-1) + (max_k - k) * float(threshold_logit))


def padded_combinatorial_predict(logits, max_k: int, threshold_logit: float = 0.0) -> np.ndarray:
    """The most likely K-multiset as a 0/1 mask: labels with ``s > s_0``, keeping the K largest at most."""
    s = _as_logits(logits)
    max_k = check_positive_int(max_k, "max_k")
    rank = np.argsort(np.argsort(-s, axis=-1, kind="stable"), axis=-1, kind="stable")
    return (s > float(threshold_logit)) & (rank < max_k)

