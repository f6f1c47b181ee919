"""Plain NumPy (float64) references of the multi-label losses, written straight from the formulas.

They favour clarity over speed (sets, explicit sums) and serve as independent checks of the
PyTorch functions in :mod:`kexue.multilabel.losses`. Each returns one value per sample, shape
``logits.shape[:-1]``. ``-inf`` logits are masked: they drop out of every sum.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

__all__ = [
    "multilabel_categorical_crossentropy_np",
    "soft_multilabel_categorical_crossentropy_np",
    "sparse_multilabel_categorical_crossentropy_np",
    "multilabel_kl_np",
]


def _log1p_sum_exp(values: np.ndarray, weights: np.ndarray) -> float:
    """log(1 + Σ w·e^v) over the entries with w > 0 (the appended 0 is the threshold logit)."""
    keep = (weights > 0) & np.isfinite(values)
    return float(logsumexp(np.append(values[keep], 0.0), b=np.append(weights[keep], 1.0)))


def _rows(logits, *others):
    s = np.asarray(logits, dtype=np.float64)
    n = s.shape[-1]
    flat = [s.reshape(-1, n)] + [np.asarray(o).reshape(s.reshape(-1, n).shape[0], -1) for o in others]
    return s.shape[:-1], flat


def multilabel_categorical_crossentropy_np(logits, targets) -> np.ndarray:
    """log(1 + Σ_{y=0} e^{s}) + log(1 + Σ_{y=1} e^{−s}) per sample."""
    shape, (s, y) = _rows(logits, targets)
    y = y.astype(bool)
    out = [_log1p_sum_exp(si, (~yi).astype(float)) + _log1p_sum_exp(-si, yi.astype(float)) for si, yi in zip(s, y)]
    return np.array(out).reshape(shape)


def soft_multilabel_categorical_crossentropy_np(logits, probs) -> np.ndarray:
    """log(1 + Σ (1 − t) e^{s}) + log(1 + Σ t e^{−s}) per sample (weights, not log-weights)."""
    shape, (s, t) = _rows(logits, probs)
    t = t.astype(np.float64)
    out = [_log1p_sum_exp(si, 1.0 - ti) + _log1p_sum_exp(-si, ti) for si, ti in zip(s, t)]
    return np.array(out).reshape(shape)


def sparse_multilabel_categorical_crossentropy_np(logits, positive_indices, pad_index: int = -1) -> np.ndarray:
    """The hard loss with positives given as padded id lists (the set of ids, built per row)."""
    shape, (s, idx) = _rows(logits, positive_indices)
    out = []
    for si, ids in zip(s, idx):
        positive = np.zeros(si.shape[0])
        positive[sorted({int(i) for i in ids if i != pad_index})] = 1.0
        out.append(_log1p_sum_exp(si, 1.0 - positive) + _log1p_sum_exp(-si, positive))
    return np.array(out).reshape(shape)


def multilabel_kl_np(logits_a, logits_b) -> np.ndarray:
    """Σ_i KL(p_i‖q_i) + KL(q_i‖p_i) for Bernoulli p = σ(s_i), q = σ(t_i), over labels finite in both."""
    shape, (s, t) = _rows(logits_a, logits_b)
    out = []
    for si, ti in zip(s, t):
        keep = np.isfinite(si) & np.isfinite(ti)
        p, q = expit(si[keep]), expit(ti[keep])
        kl_pq = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
        kl_qp = q * np.log(q / p) + (1 - q) * np.log((1 - q) / (1 - p))
        out.append(float(np.sum(kl_pq + kl_qp)))
    return np.array(out).reshape(shape)
