"""Variance-scaling initialisers: Var(w) = scale / fan, with fan = fan_in, fan_out or their mean.

The geometric reading (kexue.fm/archives/7180): an m×n matrix with i.i.d. zero-mean entries of variance 1/m
has nearly orthonormal columns (WᵀW ≈ I), so it approximately preserves ‖x‖. The named initialisers differ
only in which fan sets the variance:

- LeCun: 1/fan_in;
- the article's fan-out dual (Corollary 4: WᵀW ≈ I_n for m ≥ n): 1/fan_out;
- Xavier/Glorot: 2/(fan_in + fan_out), the average of the forward and backward views;
- He/Kaiming: 2/fan, because ReLU halves E[h²].

Distributions with standard deviation σ = √(scale/fan): ``normal`` N(0, σ²); ``truncated_normal`` draws
N(0, 1) truncated to [−2, 2] and multiplies by σ/√γ, γ = 0.7737413 the variance of that truncated law, so
the variance is exactly σ²; ``uniform`` U[−√3 σ, √3 σ].

All functions act in place on a torch tensor (like ``torch.nn.init``), under ``torch.no_grad()``, keep its
dtype and device, and return it. Draws are made in float64 on the CPU (optionally from ``generator``, a CPU
``torch.Generator``) and then copied in.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from kexue._validation import check_choice
from kexue.init.gains import _check_gain

#: Var(Z | |Z| ≤ 2) for Z ~ N(0, 1): 1 − 4φ(2)/erf(√2) = 0.7737413...
TRUNCATED_NORMAL_VARIANCE = 1.0 - 4.0 * math.exp(-2.0) / math.sqrt(2 * math.pi) / math.erf(math.sqrt(2.0))

MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")


def _check_tensor(tensor: Any):
    import torch

    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"the tensor must have a floating dtype, got {tensor.dtype}")
    return tensor


def compute_fans(shape: Sequence[int] | Any) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape in PyTorch layout ``(out, in, *kernel)``.

    fan_in = in · prod(kernel), fan_out = out · prod(kernel), as in ``torch.nn.init``.

    Examples
    --------
    >>> compute_fans((64, 32, 3, 3))
    (288, 576)
    """
    shape = tuple(int(s) for s in (shape.shape if hasattr(shape, "shape") else shape))
    if len(shape) < 2:
        raise ValueError(f"fans need a weight with at least 2 dimensions (out, in, ...), got shape {shape}")
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    if fan_in == 0 or fan_out == 0:
        raise ValueError(f"cannot initialise an empty weight of shape {shape}")
    return fan_in, fan_out


def _fan(tensor, mode: str) -> float:
    fan_in, fan_out = compute_fans(tensor.shape)
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]


def _standard_draw(shape, distribution: str, generator):
    """Zero-mean, unit-variance float64 draws of the given kind."""
    import torch

    if distribution == "normal":
        return torch.randn(shape, dtype=torch.float64, generator=generator)
    if distribution == "uniform":
        return (torch.rand(shape, dtype=torch.float64, generator=generator) * 2.0 - 1.0) * math.sqrt(3.0)
    # truncated normal by inversion of Φ on [Φ(−2), Φ(2)], rescaled to unit variance
    lo = 0.5 * math.erfc(2.0 / math.sqrt(2.0))
    u = lo + (1.0 - 2.0 * lo) * torch.rand(shape, dtype=torch.float64, generator=generator)
    return torch.special.ndtri(u) / math.sqrt(TRUNCATED_NORMAL_VARIANCE)


def variance_scaling_(tensor, scale: float = 1.0, mode: str = "fan_in", distribution: str = "normal",
                      generator=None):
    """Fill ``tensor`` with zero-mean draws of variance ``scale / fan`` (in place).

    Parameters
    ----------
    tensor : torch.Tensor
        Weight in PyTorch layout ``(out, in, *kernel)``, at least 2-D.
    scale : float
        Variance multiplier (the squared gain): 1 for LeCun/Xavier, 2 for He.
    mode : {"fan_in", "fan_out", "fan_avg"}
    distribution : {"normal", "truncated_normal", "uniform"}
    generator : torch.Generator, optional
        CPU generator for reproducible draws.

    Returns
    -------
    torch.Tensor
        ``tensor`` itself.

    Examples
    --------
    >>> import torch
    >>> w = variance_scaling_(torch.empty(256, 128), scale=2.0, mode="fan_in")
    >>> round(w.var().item() * 128, 1)
    2.0
    """
    import torch

    _check_tensor(tensor)
    check_choice(mode, "mode", MODES)
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    scale = _check_gain(scale)
    std = math.sqrt(scale / _fan(tensor, mode))
    with torch.no_grad():
        tensor.copy_(_standard_draw(tuple(tensor.shape), distribution, generator) * std)
    return tensor


def _normal_kind(truncated: bool) -> str:
    if not isinstance(truncated, bool):
        raise TypeError(f"truncated must be True or False, got {truncated!r}")
    return "truncated_normal" if truncated else "normal"


def lecun_normal_(tensor, gain: float = 1.0, truncated: bool = False, generator=None):
    """LeCun: N(0, gain²/fan_in) (truncated at ±2σ with the variance correction if ``truncated``)."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_in", _normal_kind(truncated), generator)


def lecun_uniform_(tensor, gain: float = 1.0, generator=None):
    """LeCun: U[−√3 σ, √3 σ] with σ² = gain²/fan_in."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_in", "uniform", generator)


def fan_out_normal_(tensor, gain: float = 1.0, truncated: bool = False, generator=None):
    """The article's dual of LeCun: N(0, gain²/fan_out), so that WᵀW ≈ I for tall W (fan_out ≥ fan_in)."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_out", _normal_kind(truncated), generator)


def fan_out_uniform_(tensor, gain: float = 1.0, generator=None):
    """The article's dual of LeCun with a uniform law: σ² = gain²/fan_out."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_out", "uniform", generator)


def xavier_normal_(tensor, gain: float = 1.0, truncated: bool = False, generator=None):
    """Xavier/Glorot: N(0, 2 gain²/(fan_in + fan_out))."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_avg", _normal_kind(truncated), generator)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Xavier/Glorot: U[−a, a], a = gain·√(6/(fan_in + fan_out))."""
    return variance_scaling_(tensor, _check_gain(gain) ** 2, "fan_avg", "uniform", generator)


def _he_scale(negative_slope: float) -> float:
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
        raise TypeError(f"negative_slope must be a number, got {negative_slope!r}")
    return 2.0 / (1.0 + float(negative_slope) ** 2)


def he_normal_(tensor, mode: str = "fan_in", negative_slope: float = 0.0, truncated: bool = False,
               generator=None):
    """He/Kaiming for (leaky) ReLU: N(0, 2/((1 + slope²)·fan))."""
    return variance_scaling_(tensor, _he_scale(negative_slope), mode, _normal_kind(truncated), generator)


def he_uniform_(tensor, mode: str = "fan_in", negative_slope: float = 0.0, generator=None):
    """He/Kaiming with a uniform law: σ² = 2/((1 + slope²)·fan)."""
    return variance_scaling_(tensor, _he_scale(negative_slope), mode, "uniform", generator)
