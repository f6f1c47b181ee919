"""Max error of every approximate GELU form, in Φ and in GELU, and where it is reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kexue._validation import check_choice
from kexue.gelu.forms import FORMS
from kexue.gelu.minimax import max_abs_error


@dataclass(frozen=True)
class FormError:
    """Errors of one form. ``phi_*``: max |Φ − Φ̂| (odd error, reached at ±argmax); ``gelu_*``: max
    |GELU − xΦ̂| (even error, reached at ±argmax)."""

    name: str
    formula: str
    origin: str
    phi_max_error: float
    phi_argmax: float
    gelu_max_error: float
    gelu_argmax: float


def error_table(names: Iterable[str] | None = None) -> list[FormError]:
    """Certified max errors of the approximate forms in :data:`kexue.gelu.FORMS` (all but "none" by default).

    Examples
    --------
    >>> from kexue.gelu import error_table
    >>> row, = error_table(["tanh"])
    >>> f"{row.phi_max_error:.3e} {row.gelu_max_error:.3e} {row.gelu_argmax:.2f}"
    '1.789e-04 4.732e-04 2.70'
    """
    names = [n for n in FORMS if n != "none"] if names is None else list(names)
    rows = []
    for name in names:
        form = FORMS[check_choice(name, "form", tuple(n for n in FORMS if n != "none"))]
        phi_err, phi_arg = max_abs_error(form.family, form.coeffs, "phi")
        gelu_err, gelu_arg = max_abs_error(form.family, form.coeffs, "gelu")
        rows.append(FormError(name, form.formula, form.origin, phi_err, phi_arg, gelu_err, gelu_arg))
    return rows
