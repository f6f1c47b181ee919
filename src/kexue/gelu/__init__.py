"""GELU and its elementary approximations: exact and approximate forms, where the constants come from, and
better ones.

* :func:`gelu`, :class:`GELU` — every form for NumPy arrays and torch tensors (``functional.py``, ``modules.py``).
* :data:`FORMS` — the named forms and their constants (``forms.py``).
* :func:`resolve_activation`, :data:`ACTIVATION_NAMES` — framework names → our forms (``names.py``).
* :func:`fit_tanh_cubic`, :func:`fit_sigmoid`, :func:`logit_phi_taylor` — the article's fits (``fits.py``).
* :func:`fit_minimax`, :class:`Family`, :data:`FAMILIES` — certified Remez min-max fitter (``minimax.py``).
* :func:`error_table` — max error of every form in Φ and in GELU, and where (``error_table.py``).
"""

from kexue.gelu.error_table import FormError, error_table
from kexue.gelu.fits import SQRT_2_OVER_PI, fit_sigmoid, fit_tanh_cubic, logit_phi_taylor
from kexue.gelu.forms import APPROXIMATIONS, FORMS, Form
from kexue.gelu.functional import gelu
from kexue.gelu.minimax import (FAMILIES, Family, Fit, fit_minimax, local_extrema, max_abs_error,
                                odd_polynomial_family, saturation_point)
from kexue.gelu.names import ACTIVATION_NAMES, FRAMEWORKS, ActivationName, resolve_activation

__all__ = [
    "ACTIVATION_NAMES", "APPROXIMATIONS", "FAMILIES", "FORMS", "FRAMEWORKS", "SQRT_2_OVER_PI", "ActivationName",
    "Family", "Fit", "Form", "FormError", "GELU", "error_table", "fit_minimax", "fit_sigmoid", "fit_tanh_cubic",
    "gelu", "local_extrema", "logit_phi_taylor", "max_abs_error", "odd_polynomial_family", "resolve_activation",
    "saturation_point",
]


def __getattr__(name: str):
    if name == "GELU":  # imports torch, so only on demand
        from kexue.gelu.modules import GELU

        return GELU
    raise AttributeError(f"module 'kexue.gelu' has no attribute {name!r}")
