"""Activation functions and the gains that keep ‖h‖ steady through them.

Two tables:

- :func:`calculate_gain` -- the conventional values (those of ``torch.nn.init.calculate_gain``), so weights
  match what PyTorch users expect.
- :func:`second_moment_gain` -- the geometric rule of kexue.fm/archives/7180 and 8620: after a layer with
  orthonormal-like weights, the pre-activation z is ≈ N(0, 1) per unit, so multiplying the weights by
  ``g = 1/√E[f(z)²]`` restores the mean square to 1. For ReLU this gives √2 (He); for the sigmoid,
  1/√0.2933790 ≈ 1.846.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from scipy import integrate

from kexue._validation import check_choice


def _activations() -> dict[str, Callable]:
    import torch
    import torch.nn.functional as F

    return {
        "linear": lambda x: x,
        "relu": F.relu,
        "leaky_relu": F.leaky_relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "gelu": F.gelu,
        "silu": F.silu,
        "selu": F.selu,
        "elu": F.elu,
    }


#: names accepted wherever an activation is chosen by name
ACTIVATION_NAMES = ("linear", "relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu", "selu", "elu")


def get_activation(activation: str | Callable, param: float | None = None) -> Callable:
    """The torch function for ``activation`` (a name from :data:`ACTIVATION_NAMES` or a callable)."""
    if callable(activation):
        return activation
    check_choice(activation, "activation", ACTIVATION_NAMES)
    fn = _activations()[activation]
    if activation == "leaky_relu":
        import torch.nn.functional as F

        slope = 0.01 if param is None else float(param)
        return lambda x: F.leaky_relu(x, slope)
    return fn


_CONVENTIONAL = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 0.75}
_LINEAR_ALIASES = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Conventional gain for ``nonlinearity`` (same table as ``torch.nn.init.calculate_gain``).

    linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+slope²)) (slope default 0.01), selu 3/4.

    Examples
    --------
    >>> round(calculate_gain("relu"), 6)
    1.414214
    """
    if nonlinearity in _LINEAR_ALIASES:
        return 1.0
    check_choice(nonlinearity, "nonlinearity", tuple(_CONVENTIONAL) + ("leaky_relu",) + _LINEAR_ALIASES)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise TypeError(f"negative slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1.0 + slope**2))
    return _CONVENTIONAL[nonlinearity]


def second_moment_gain(activation: str | Callable, param: float | None = None) -> float:
    """``1/√E[f(z)²]`` for ``z ~ N(0, 1)``: the weight gain that keeps the mean square activation at 1.

    Computed by adaptive quadrature against the Gaussian density.

    Examples
    --------
    >>> round(second_moment_gain("relu"), 6)            # He: √2
    1.414214
    >>> round(1 / second_moment_gain("sigmoid") ** 2, 7)  # E[σ(z)²], kexue.fm/archives/8620
    0.293379
    """
    import torch

    fn = get_activation(activation, param)

    def integrand(z: float) -> float:
        value = float(fn(torch.tensor(z, dtype=torch.float64)))
        return value * value * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    # the kinks of ReLU-like functions sit at 0, so split there
    second = sum(integrate.quad(integrand, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
                 for lo, hi in ((-np.inf, 0.0), (0.0, np.inf)))
    if not second > 0:
        raise ValueError("the activation is zero almost everywhere under N(0, 1); no gain can fix that")
    return 1.0 / math.sqrt(second)


def _check_gain(gain: Any) -> float:
    if isinstance(gain, bool) or not isinstance(gain, (int, float, np.floating, np.integer)):
        raise TypeError(f"gain must be a number, got {type(gain).__name__}")
    if not (math.isfinite(gain) and gain > 0):
        raise ValueError(f"gain must be a positive finite number, got {gain}")
    return float(gain)
