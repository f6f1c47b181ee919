"""``gelu(x, approximate=...)`` for NumPy arrays and torch tensors.

GELU(x) = x·Φ(x). Every approximate form is x·σ(z(x)) with z an odd polynomial (tanh forms rewritten with
``½(1 + tanh w) = σ(2w)``, which is the same function but keeps its relative accuracy for x ≪ 0 where
``1 + tanh w`` cancels).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from kexue._validation import check_choice
from kexue.gelu.forms import APPROXIMATIONS, FORMS, Form

_SQRT1_2 = math.sqrt(0.5)
# Each approximate form's sigmoid-argument coefficients and saturation point as plain Python floats, computed
# once: read from NumPy inside _gelu_torch they made torch.compile break the graph (one kernel per op again).
_TORCH_CONSTANTS = {name: (tuple(float(c) for c in f.sigmoid_coeffs), float(f.saturation))
                    for name, f in FORMS.items() if f.outer != "erf"}


def _form(approximate: Any) -> Form:
    if not isinstance(approximate, str):
        raise TypeError(f"approximate must be a string such as 'none' or 'tanh', got {type(approximate).__name__}")
    return FORMS[check_choice(approximate, "approximate", APPROXIMATIONS)]


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "dtype") and hasattr(x, "device")


def gelu(x, approximate: str = "none"):
    """Gaussian error linear unit ``GELU(x) = x·Φ(x)`` or one of its elementary approximations.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Input. Tensors keep their dtype and device and support autograd; NumPy floating arrays keep their
        dtype (computed in float64, then rounded); other numeric input gives float64. NaN propagates and
        ±inf behave as in ``torch.nn.functional.gelu`` (elementwise semantics, no validation of values).
    approximate : str
        ``"none"`` (exact), ``"tanh"`` (½x(1 + tanh(√(2/π)(x + 0.044715x³))), PyTorch's 'tanh'),
        ``"sigmoid"`` (x·σ(1.702x)), or any name in :data:`kexue.gelu.FORMS` (``"tanh_taylor"``,
        ``"tanh_minimax"``, ``"sigmoid_minimax"``, ``"sigmoid_cubic"``, and the improved ``"tanh_gelu"``,
        ``"tanh_joint"``, ``"tanh5"``, ``"sigmoid_gelu"``). Framework names: :func:`resolve_activation`.

    Returns
    -------
    ndarray, scalar or torch.Tensor
        Same type, shape (and for tensors dtype/device) as ``x``.

    Examples
    --------
    >>> from kexue.gelu import gelu
    >>> round(float(gelu(1.0)), 10)
    0.8413447461
    >>> round(float(gelu(1.0, approximate="tanh")), 10)
    0.8411919906
    """
    form = _form(approximate)
    if _is_tensor(x):
        return _gelu_torch(x, form)
    return _gelu_numpy(x, form)


def _gelu_numpy(x, form: Form):
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"x must be numeric array-like or a torch.Tensor: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"x must be real numeric, got dtype {arr.dtype}; convert it with np.asarray(x, float)")
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    x64 = arr.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if form.outer == "erf":
            y = x64 * special.ndtr(x64)
        else:
            y = x64 * form.family.phi(x64, form.coeffs)
    return y.astype(out_dtype)[()]


def _gelu_torch(x, form: Form):
    import torch

    if not x.is_floating_point():
        raise TypeError(f"x must be a floating tensor, got {x.dtype}; call x.float() first")
    # Without autograd the intermediates are updated in place: fewer allocations, same values.
    inplace = not (torch.is_grad_enabled() and x.requires_grad)

    def mul(a, b):
        return a.mul_(b) if inplace else a * b

    def add(a, b):
        return a.add_(b) if inplace else a + b

    if form.outer == "erf":
        # erfc(−x/√2)/2 = Φ(x) keeps its relative accuracy in the left tail, where 1 + erf(x/√2) cancels
        return mul(mul(torch.erfc(x * -_SQRT1_2), x), 0.5)
    k, saturation = _TORCH_CONSTANTS[form.name]
    u = x if math.isinf(saturation) else x.clamp(-saturation, saturation)
    if len(k) == 1:
        z = u * k[0]
    else:  # Horner in u²: z = u·(k0 + u²(k1 + u²(k2 + …)))
        u2 = u * u
        z = add(u2 * k[-1], k[-2])
        for c in k[-3::-1]:
            z = add(mul(z, u2), c)
        z = mul(z, u)
    return mul(z.sigmoid_() if inplace else torch.sigmoid(z), x)
