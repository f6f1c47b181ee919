"""The named GELU forms: the exact one, the classic approximations, and improved ones.

Every approximate form is ``GELU(x) ≈ x·Φ̂(x)`` with ``Φ̂ = ½(1 + tanh(p(x)))`` or ``σ(p(x))`` and p an odd
polynomial (its coefficients are stored here). The improved forms' constants are min-max fits of the **GELU**
error computed by :func:`kexue.gelu.fit_minimax` (the tests recompute them); the classic ones are the published
constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from kexue.gelu.minimax import Family, odd_polynomial_family, saturation_point

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@dataclass(frozen=True)
class Form:
    """One named GELU form.

    Attributes
    ----------
    name : str
        The ``approximate=`` value.
    outer : {"erf", "tanh", "sigmoid"}
        ``"erf"`` is the exact x·Φ(x); otherwise Φ̂ = ½(1 + tanh(p)) or σ(p).
    coeffs : tuple of float
        Coefficients of p at x, x³, x⁵, … (empty for "erf").
    formula : str
        The GELU formula as usually written.
    origin : str
        Where the constants come from.
    """

    name: str
    outer: str
    coeffs: tuple[float, ...]
    formula: str
    origin: str

    @cached_property
    def family(self) -> Family | None:
        """The fitting family this form belongs to (``None`` for the exact form)."""
        return None if self.outer == "erf" else odd_polynomial_family(self.outer, 2 * len(self.coeffs) - 1)

    @cached_property
    def saturation(self) -> float:
        """x* beyond which p is held constant (``inf`` unless p has a positive maximum, as quintics here do)."""
        return float("inf") if self.outer == "erf" else saturation_point(self.coeffs)

    @property
    def sigmoid_coeffs(self) -> np.ndarray:
        """Coefficients of the sigmoid argument: Φ̂ = σ(Σ k_j x^(2j+1)) (tanh: k = 2·coeffs)."""
        return np.asarray(self.coeffs) * (2.0 if self.outer == "tanh" else 1.0)


def _tanh_cubic(name: str, a: float, c: float, origin: str) -> Form:
    return Form(name, "tanh", (a, a * c), f"½x(1 + tanh({a:.10g}(x + {c:.10g}x³)))", origin)


_TANH5 = (0.7975078842853996, 0.03700564602234809, -0.00035151678853816333)

#: every form by its ``approximate=`` name
FORMS: dict[str, Form] = {f.name: f for f in [
    Form("none", "erf", (), "x·Φ(x) = ½x(1 + erf(x/√2))", "exact (PyTorch default)"),
    _tanh_cubic("tanh", _SQRT_2_OVER_PI, 0.044715,
                "Page (1977) / GELU paper; PyTorch approximate='tanh', JAX default"),
    _tanh_cubic("tanh_taylor", _SQRT_2_OVER_PI, (4.0 - math.pi) / (6.0 * math.pi),
                "article: Taylor match at 0, c = (4 − π)/(6π)"),
    _tanh_cubic("tanh_minimax", _SQRT_2_OVER_PI, 0.04471491122763263,
                "article: min-max of Φ error with a = √(2/π) (unrounded 0.044715)"),
    Form("sigmoid", "sigmoid", (1.702,), "x·σ(1.702x)", "GELU paper; Hugging Face quick_gelu (CLIP)"),
    Form("sigmoid_minimax", "sigmoid", (1.7017449253380037,), "x·σ(1.7017449253x)",
         "Bowling et al. (2009): min-max of Φ error"),
    Form("sigmoid_cubic", "sigmoid", (1.5976028742407848, 0.07056409656566609),
         "x·σ(1.5976028742x + 0.0705640966x³)", "Bowling et al. (2009) 'enhanced' form: min-max of Φ error"),
    # improved: min-max of the GELU error itself (kexue.gelu.fit_minimax(..., target="gelu"))
    Form("sigmoid_gelu", "sigmoid", (1.7729339656167755,), "x·σ(1.7729339656x)",
         "kexue: min-max of GELU error, same cost as 'sigmoid'"),
    _tanh_cubic("tanh_gelu", _SQRT_2_OVER_PI, 0.04438294381673555,
                "kexue: min-max of GELU error with a = √(2/π), same cost as 'tanh'"),
    _tanh_cubic("tanh_joint", 0.8001570785481037, 0.04336760164053796,
                "kexue: min-max of GELU error over a and c, same cost as 'tanh'"),
    Form("tanh5", "tanh", _TANH5,
         f"½x(1 + tanh(p(clip(x, ±{saturation_point(_TANH5):.4f})))), "
         f"p = {_TANH5[0]:.10g}x + {_TANH5[1]:.10g}x³ − {-_TANH5[2]:.10g}x⁵",
         "kexue: min-max of GELU error, quintic; +1 multiply-add and a clamp over 'tanh'"),
]}

APPROXIMATIONS = tuple(FORMS)
