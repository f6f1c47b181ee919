"""Multi-label softmax cross-entropy (ZLPR) for PyTorch: dense, soft-label and sparse forms.

With logits ``s`` over ``n`` labels, positives ``P`` and negatives ``N``, the loss of one sample is

    L = log(1 + Σ_{i∈N} e^{s_i}) + log(1 + Σ_{j∈P} e^{−s_j}),

i.e. every negative is compared with every positive and with a threshold logit fixed at 0
(Su, kexue.fm/archives/7359; Su et al. 2022, "ZLPR", arXiv:2208.02955). A label is predicted iff its
logit is > 0, and σ(2s) is its probability (kexue.fm/archives/9064).

Conventions shared by every function here:

- Argument order is ``(logits, target)`` like ``torch.nn.functional``.
- A logit equal to ``-inf`` is *masked*: the label does not exist for that sample (for example
  GlobalPointer's lower triangle). It drops out of both terms, whatever its target says.
- The arithmetic runs in float32 or wider with autocast disabled, so float16/bfloat16 logits are
  upcast and the loss comes back in float32 (float64 logits stay float64), as autocast does for its
  own loss functions.
- ``reduction`` is ``"mean"`` (over all leading dimensions), ``"sum"`` or ``"none"`` (shape
  ``logits.shape[:-1]``).
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import Tensor, nn

from kexue._validation import check_choice

__all__ = [
    "multilabel_categorical_crossentropy",
    "soft_multilabel_categorical_crossentropy",
    "sparse_multilabel_categorical_crossentropy",
    "multilabel_kl",
    "predict",
    "probabilities",
    "MultilabelCategoricalCrossentropyLoss",
    "SoftMultilabelCategoricalCrossentropyLoss",
    "SparseMultilabelCategoricalCrossentropyLoss",
    "MultilabelKLLoss",
]

_REDUCTIONS = ("mean", "sum", "none")
# Sparse form: when the negatives (and the threshold) carry less than this share of the exp-mass,
# 1 − e^{b−a} is below what float64 sums resolve to ~1e-7 relative, and the row is computed directly.
_RESOLUTION = 1e-7


# ---------------------------------------------------------------------------------------------
# validation and shared numerics
# ---------------------------------------------------------------------------------------------

def _check_logits(logits: Tensor, name: str = "logits") -> None:
    if not isinstance(logits, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(logits).__name__}; wrap it with torch.as_tensor")
    if not logits.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {logits.dtype}; cast it with .float()")
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (..., n_labels) with n_labels >= 1, got {tuple(logits.shape)}")
    if logits.numel():
        top = logits.detach().amax()  # one reduction, no (batch, n_labels) temporary; NaN propagates
        if torch.isnan(top):
            raise ValueError(f"{name} contains NaN; check the model output")
        if torch.isposinf(top):
            raise ValueError(f"{name} contains +inf; only -inf is allowed (it masks a label out)")


def _check_same_shape(logits: Tensor, other: Tensor, name: str) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(other).__name__}; wrap it with torch.as_tensor")
    if other.shape != logits.shape:
        raise ValueError(f"{name} must have the shape of logits {tuple(logits.shape)}, got {tuple(other.shape)}")


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.promote_types(dtype, torch.float32)


def _no_autocast(device: torch.device):
    if device.type in ("cpu", "cuda", "xpu", "mps"):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    return per_sample


def _masked_logsumexp(x: Tensor) -> Tensor:
    """log Σ e^x over the last axis; an all -inf row gives -inf with a zero (not NaN) gradient."""
    if x.shape[-1] == 0:
        return x.new_full(x.shape[:-1], -math.inf)
    m = x.detach().amax(-1, keepdim=True)
    nonempty = torch.isfinite(m)
    m = torch.where(nonempty, m, 0.0)
    total = torch.exp(x - m).sum(-1, keepdim=True)
    return torch.where(nonempty, m + torch.log(torch.where(nonempty, total, 1.0)), -math.inf).squeeze(-1)


def _logsumexp_with_zero(x: Tensor) -> Tensor:
    """log(1 + Σ e^x) over the last axis: the appended 0 is the threshold logit."""
    return torch.logaddexp(_masked_logsumexp(x), torch.zeros((), dtype=x.dtype, device=x.device))


def _zlpr_dense(s: Tensor, positive: Tensor) -> Tensor:
    """log(1 + Σ_neg e^{s}) + log(1 + Σ_pos e^{−s}) with a single exp over the (batch, n_labels) logits.

    Each side gets its own shift m ≥ 0 (the largest of its terms and the threshold's 0), so every
    exponent is ≤ 0 and each side's sum is ≥ 1. Sides are separated by selecting terms (``where``)
    instead of filling −inf: exp(−inf) and exp of underflowing arguments take a scalar slow path in
    PyTorch's vectorised CPU exp; the −inf-filled version was about 1.5× slower at 100k labels.
    """
    flipped = torch.where(positive & ~torch.isneginf(s), -s, s)       # masked labels stay −inf
    with torch.no_grad():
        m_neg = torch.where(positive, -math.inf, flipped).amax(-1, keepdim=True).clamp_min(0.0)
        m_pos = torch.where(positive, flipped, -math.inf).amax(-1, keepdim=True).clamp_min(0.0)
    e = torch.exp(flipped - torch.where(positive, m_pos, m_neg))
    neg_sum = torch.where(positive, 0.0, e).sum(-1) + torch.exp(-m_neg.squeeze(-1))
    pos_sum = torch.where(positive, e, 0.0).sum(-1) + torch.exp(-m_pos.squeeze(-1))
    return (m_neg + m_pos).squeeze(-1) + torch.log(neg_sum) + torch.log(pos_sum)


# ---------------------------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------------------------

def multilabel_categorical_crossentropy(logits: Tensor, targets: Tensor, *, threshold: float | None = 0.0,
                                        reduction: str = "mean") -> Tensor:
    """Multi-label softmax cross-entropy (ZLPR) with hard 0/1 targets.

    ``L = log(1 + Σ_{targets=0} e^{s_i}) + log(1 + Σ_{targets=1} e^{−s_j})`` per sample; the "1" is a
    threshold logit fixed at 0, so predict label i iff ``s_i > 0`` (see :func:`predict`). It is the
    factorised form of ``log(1 + Σ_{neg,pos} e^{s_i−s_j} + Σ_neg e^{s_i−s_0} + Σ_pos e^{s_0−s_j})``.

    Parameters
    ----------
    logits : Tensor, shape (..., n_labels)
        Raw scores (no sigmoid). ``-inf`` masks a label out of both terms; NaN and +inf are rejected.
    targets : Tensor, same shape
        0/1 values (bool, integer or floating). For soft targets use
        :func:`soft_multilabel_categorical_crossentropy`.
    threshold : float or None, default 0.0
        The threshold logit s_0 (predict with ``predict(logits, threshold)``). ``None`` drops the
        threshold class: ``L = log(1 + Σ_{neg,pos} e^{s_i − s_j})``, Circle Loss eq. (1), meant for a
        fixed number of labels predicted as the top k; with one positive it is softmax cross-entropy.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        Scalar, or shape ``logits.shape[:-1]`` for ``reduction="none"``; float32 for float16/bfloat16/
        float32 logits, float64 for float64 logits.

    Examples
    --------
    >>> import torch
    >>> s = torch.zeros(1, 10); y = torch.zeros(1, 10); y[0, :2] = 1
    >>> round(multilabel_categorical_crossentropy(s, y).item(), 6)  # log 9 + log 3
    3.295837
    """
    check_choice(reduction, "reduction", _REDUCTIONS)
    _check_logits(logits)
    _check_same_shape(logits, targets, "targets")
    if not ((targets == 0) | (targets == 1)).all():
        raise ValueError("targets must be 0/1; for probabilities use soft_multilabel_categorical_crossentropy")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not math.isfinite(threshold)):
        raise ValueError(f"threshold must be a finite number or None, got {threshold!r}")
    with _no_autocast(logits.device):
        s = logits.to(_compute_dtype(logits.dtype))
        positive = targets.to(device=s.device) != 0
        if threshold:
            s = s - float(threshold)
        if threshold is None:
            zero = torch.zeros((), dtype=s.dtype, device=s.device)
            neg = s.masked_fill(positive, -math.inf)
            pos = (-s).masked_fill(~positive | torch.isneginf(s), -math.inf)
            loss = torch.logaddexp(_masked_logsumexp(neg) + _masked_logsumexp(pos), zero)
        else:
            loss = _zlpr_dense(s, positive)
    return _reduce(loss, reduction)


def soft_multilabel_categorical_crossentropy(logits: Tensor, probs: Tensor, *, reduction: str = "mean") -> Tensor:
    """Soft-label multi-label softmax cross-entropy (kexue.fm/archives/9064).

    ``L = log(1 + Σ_i (1 − t_i) e^{s_i}) + log(1 + Σ_i t_i e^{−s_i})``. It equals the hard form for
    t ∈ {0, 1}; its minimum over s is at ``σ(2 s_i) = t_i`` with value ``2 log(1 + Σ_i √(t_i(1 − t_i)))``.
    Exact 0 and 1 are exact: log 0 = −inf removes the term, so −inf masks survive (no clipped log ε).

    Parameters
    ----------
    logits : Tensor, shape (..., n_labels)
        Raw scores; ``-inf`` masks a label out of both terms.
    probs : Tensor, same shape
        Target probabilities in [0, 1] (label smoothing, mixup, distillation). Gradients flow into
        ``probs`` too where 0 < t < 1.
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> import torch
    >>> t = torch.tensor([[0.9, 0.2, 0.5]], dtype=torch.float64)
    >>> s = torch.logit(t) / 2                                  # the minimiser: σ(2s) = t
    >>> best = 2 * torch.log1p(torch.sqrt(t * (1 - t)).sum())
    >>> bool(torch.isclose(soft_multilabel_categorical_crossentropy(s, t), best))
    True
    """
    check_choice(reduction, "reduction", _REDUCTIONS)
    _check_logits(logits)
    _check_same_shape(logits, probs, "probs")
    if not probs.is_floating_point():
        probs = probs.to(logits.dtype)
    if torch.isnan(probs).any() or (probs < 0).any() or (probs > 1).any():
        raise ValueError("probs must lie in [0, 1] without NaN; pass probabilities, not logits")
    with _no_autocast(logits.device):
        dtype = _compute_dtype(torch.promote_types(logits.dtype, probs.dtype))
        s = logits.to(dtype)
        t = probs.to(device=s.device, dtype=dtype)
        present = ~torch.isneginf(s)
        keep_neg = present & (t < 1)
        keep_pos = present & (t > 0)
        # the inner where() keeps log() away from 0 so that no inf*0 reaches the gradient of probs
        neg = torch.where(keep_neg, s + torch.log1p(-torch.where(keep_neg, t, 0.0)), -math.inf)
        pos = torch.where(keep_pos, -s + torch.log(torch.where(keep_pos, t, 1.0)), -math.inf)
        loss = _logsumexp_with_zero(neg) + _logsumexp_with_zero(pos)
    return _reduce(loss, reduction)


def sparse_multilabel_categorical_crossentropy(logits: Tensor, positive_indices: Tensor, *, pad_index: int = -1,
                                               reduction: str = "mean") -> Tensor:
    """Multi-label softmax cross-entropy from the *indices* of the positives (kexue.fm/archives/8888).

    No dense (batch, n_labels) target is built. With ``a = log(1 + Σ_{all} e^{s_i})`` and
    ``b = log Σ_{P} e^{s_j}``, the negative term is ``log(1 + Σ_{N} e^{s_i}) = a + log(1 − e^{b−a})``.

    Numerics (log1mexp): both sums share one shift m and are accumulated in float64 from the *same*
    rounded terms e^{s−m}, so r = e^{b−a} = Σ_P/Σ_A carries no float32 cancellation, and
    log(1 − e^{b−a}) is taken as ``log1p(−r)``. A plain ``log(1 − exp(b − a))`` gives −inf/NaN when the
    positives dominate (bert4keras#436) and a clip at ε gives a wrong value. Rows where the positives
    hold more than 1 − 1e-7 of the mass (so that 1 − r is no longer resolved) are recomputed directly
    with their positives masked; only those rows, never the batch, get an (rows, n_labels) copy.

    Parameters
    ----------
    logits : Tensor, shape (..., n_labels)
        Raw scores; ``-inf`` masks a label out of both terms.
    positive_indices : integer Tensor, shape (..., max_positives)
        Label ids of the positives of each sample, padded with ``pad_index``; the leading shape must
        match ``logits.shape[:-1]``. Ids must be distinct within a sample.
    pad_index : int, default -1
        Entries equal to it are ignored. It may be a real label id (bert4keras pads with 0 and keeps
        label 0 as a dummy); that label then can never be positive.
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> import torch
    >>> s = torch.randn(2, 6, dtype=torch.float64)
    >>> idx = torch.tensor([[0, 3], [5, -1]])
    >>> dense = torch.zeros(2, 6, dtype=torch.float64); dense[0, [0, 3]] = 1; dense[1, 5] = 1
    >>> bool(torch.isclose(sparse_multilabel_categorical_crossentropy(s, idx),
    ...                    multilabel_categorical_crossentropy(s, dense)))
    True
    """
    check_choice(reduction, "reduction", _REDUCTIONS)
    _check_logits(logits)
    idx = _check_positive_indices(logits, positive_indices, pad_index)
    with _no_autocast(logits.device):
        s = logits.to(_compute_dtype(logits.dtype))
        n, batch_shape = s.shape[-1], s.shape[:-1]
        s = s.reshape(-1, n)
        idx = idx.reshape(s.shape[0], idx.shape[-1])
        is_positive = idx != pad_index
        gathered = s.gather(-1, torch.where(is_positive, idx, 0))
        kept = is_positive & ~torch.isneginf(gathered)
        pos_term = _logsumexp_with_zero(torch.where(kept, -gathered, -math.inf))

        # one shift m for both sums, float64 accumulation of the same rounded terms e^{s−m}
        m = s.detach().amax(-1, keepdim=True).clamp_min(0.0)
        e = torch.exp(s - m)
        m = m.squeeze(-1).double()
        sum_all = e.sum(-1, dtype=torch.float64) + torch.exp(-m)                         # e^{a−m}
        sum_pos = torch.where(kept, e.gather(-1, torch.where(kept, idx, 0)), 0.0).sum(-1, dtype=torch.float64)
        ratio = sum_pos / sum_all                                                          # e^{b−a}
        resolved = ratio <= 1.0 - _RESOLUTION
        neg_term = m + torch.log(sum_all) + torch.log1p(-torch.where(resolved, ratio, 0.0))
        if not resolved.all():
            rows = torch.nonzero(~resolved).squeeze(-1)
            neg_term = neg_term.index_put((rows,), _negatives_logsumexp(s[rows], idx[rows], kept[rows]).double())
        loss = (pos_term + neg_term.to(s.dtype)).reshape(batch_shape)
    return _reduce(loss, reduction)


def _negatives_logsumexp(s: Tensor, idx: Tensor, kept: Tensor) -> Tensor:
    """log(1 + Σ_N e^{s}) directly, for the few rows whose negatives fall below float64 resolution.

    Every row here has a kept positive; padding entries point at the row's first one, so all the
    scattered writes agree.
    """
    first = idx.gather(-1, kept.to(torch.uint8).argmax(-1, keepdim=True))
    return _logsumexp_with_zero(s.scatter(-1, torch.where(kept, idx, first), -math.inf))


def _check_positive_indices(logits: Tensor, positive_indices: Tensor, pad_index: int) -> Tensor:
    if not isinstance(positive_indices, Tensor):
        raise TypeError("positive_indices must be a torch.Tensor of label ids, got "
                        f"{type(positive_indices).__name__}")
    if positive_indices.dtype.is_floating_point or positive_indices.dtype.is_complex \
            or positive_indices.dtype == torch.bool:
        raise TypeError(f"positive_indices must hold integer label ids, got {positive_indices.dtype}; "
                        "for a 0/1 target use multilabel_categorical_crossentropy")
    if isinstance(pad_index, bool) or not isinstance(pad_index, int):
        raise TypeError(f"pad_index must be an int, got {type(pad_index).__name__}")
    if positive_indices.ndim != logits.ndim or positive_indices.shape[:-1] != logits.shape[:-1]:
        raise ValueError("positive_indices must have shape (..., max_positives) with the leading shape of logits "
                         f"{tuple(logits.shape[:-1])}, got {tuple(positive_indices.shape)}")
    idx = positive_indices.to(device=logits.device, dtype=torch.int64)
    real = idx != pad_index
    n = logits.shape[-1]
    if ((idx < 0) & real).any() or ((idx >= n) & real).any():
        raise ValueError(f"positive_indices must be label ids in [0, {n}) or pad_index={pad_index}")
    ordered = torch.where(real, idx, -1 - torch.arange(idx.shape[-1], device=idx.device)).sort(-1).values
    if (ordered[..., 1:] == ordered[..., :-1]).any():
        raise ValueError("positive_indices repeats a label id within a sample; list each positive once")
    return idx


def multilabel_kl(logits_a: Tensor, logits_b: Tensor, *, reduction: str = "mean") -> Tensor:
    """Symmetric divergence between two multi-label outputs, for R-Drop (kexue.fm/archives/9039).

    ``D(s, t) = Σ_i (σ(s_i) − σ(t_i)) (s_i − t_i)``: the sum over labels of the symmetric binary KL
    ``KL(p‖q) + KL(q‖p)`` between ``p = σ(s_i)`` and ``q = σ(t_i)``. It is ≥ 0 and 0 iff s = t.
    Labels masked (``-inf``) in either input are ignored.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[1.0, -2.0]]); t = torch.tensor([[0.0, -2.0]])
    >>> round(multilabel_kl(s, t).item(), 6)   # (σ(1) − σ(0)) · 1
    0.231059
    """
    check_choice(reduction, "reduction", _REDUCTIONS)
    _check_logits(logits_a, "logits_a")
    _check_logits(logits_b, "logits_b")
    _check_same_shape(logits_a, logits_b, "logits_b")
    with _no_autocast(logits_a.device):
        dtype = _compute_dtype(torch.promote_types(logits_a.dtype, logits_b.dtype))
        s, t = logits_a.to(dtype), logits_b.to(dtype)
        present = ~(torch.isneginf(s) | torch.isneginf(t))
        s, t = torch.where(present, s, 0.0), torch.where(present, t, 0.0)
        div = ((torch.sigmoid(s) - torch.sigmoid(t)) * (s - t)).sum(-1)
    return _reduce(div, reduction)


def predict(logits: Tensor, threshold: float = 0.0) -> Tensor:
    """Predicted label set as a bool tensor: ``logits > threshold`` (0 is the threshold the loss learns)."""
    _check_logits(logits)
    return logits > threshold


def probabilities(logits: Tensor) -> Tensor:
    """Label probabilities ``σ(2 s)``: the soft loss is minimised exactly at σ(2s) = t, so σ(s) is not calibrated."""
    _check_logits(logits)
    return torch.sigmoid(2 * logits)


# ---------------------------------------------------------------------------------------------
# nn.Module wrappers
# ---------------------------------------------------------------------------------------------

class _ReducedLoss(nn.Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_choice(reduction, "reduction", _REDUCTIONS)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MultilabelCategoricalCrossentropyLoss(_ReducedLoss):
    """Module form of :func:`multilabel_categorical_crossentropy`; ``forward(logits, targets)``."""

    def __init__(self, threshold: float | None = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.threshold = threshold

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        return multilabel_categorical_crossentropy(logits, targets, threshold=self.threshold,
                                                   reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, reduction={self.reduction!r}"


class SoftMultilabelCategoricalCrossentropyLoss(_ReducedLoss):
    """Module form of :func:`soft_multilabel_categorical_crossentropy`; ``forward(logits, probs)``."""

    def forward(self, logits: Tensor, probs: Tensor) -> Tensor:
        return soft_multilabel_categorical_crossentropy(logits, probs, reduction=self.reduction)


class SparseMultilabelCategoricalCrossentropyLoss(_ReducedLoss):
    """Module form of :func:`sparse_multilabel_categorical_crossentropy`; ``forward(logits, positive_indices)``."""

    def __init__(self, pad_index: int = -1, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.pad_index = pad_index

    def forward(self, logits: Tensor, positive_indices: Tensor) -> Tensor:
        return sparse_multilabel_categorical_crossentropy(logits, positive_indices, pad_index=self.pad_index,
                                                          reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"pad_index={self.pad_index}, reduction={self.reduction!r}"


class MultilabelKLLoss(_ReducedLoss):
    """Module form of :func:`multilabel_kl`; ``forward(logits_a, logits_b)``."""

    def forward(self, logits_a: Tensor, logits_b: Tensor) -> Tensor:
        return multilabel_kl(logits_a, logits_b, reduction=self.reduction)
