"""Validation of the two marginals of a transport problem."""

from __future__ import annotations

import numpy as np

from kexue._validation import as_float_array

#: relative difference allowed between the two totals before they are called unequal
MASS_RTOL = 1e-9


def check_masses(a, b, *, name_a: str = "a", name_b: str = "b") -> tuple[np.ndarray, np.ndarray]:
    """Validate two mass vectors and return them as float64 with equal totals.

    Masses must be finite and non-negative with a positive total, and the two totals must agree to
    ``MASS_RTOL`` relative; ``b`` is then rescaled to ``a``'s total so that rounding cannot make the
    problem infeasible.
    """
    a = as_float_array(a, name_a, ndim=1)
    b = as_float_array(b, name_b, ndim=1)
    for arr, name in ((a, name_a), (b, name_b)):
        if np.any(arr < 0):
            raise ValueError(f"{name} has negative mass (min {arr.min():.3g}); masses must be >= 0")
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        raise ValueError(f"total mass must be positive, got sum({name_a})={sa:.3g}, sum({name_b})={sb:.3g}")
    if abs(sa - sb) > MASS_RTOL * max(sa, sb):
        raise ValueError(
            f"sum({name_a})={sa!r} and sum({name_b})={sb!r} differ by more than {MASS_RTOL:g} relative; "
            "normalise both to the same total (e.g. divide each by its sum)"
        )
    if sa != sb:
        b = b * (sa / sb)
    return a, b


def normalise_weights(w, n: int, name: str) -> np.ndarray:
    """Non-negative weights of length ``n`` scaled to sum 1 (uniform when ``w`` is None)."""
    if w is None:
        return np.full(n, 1.0 / n)
    w = as_float_array(w, name, ndim=1)
    if w.shape[0] != n:
        raise ValueError(f"{name} has {w.shape[0]} entries but there are {n} vectors; give one weight per vector")
    if np.any(w < 0):
        raise ValueError(f"{name} has negative entries (min {w.min():.3g}); weights must be >= 0")
    total = float(w.sum())
    if total <= 0:
        raise ValueError(f"{name} sums to {total:.3g}; at least one weight must be positive")
    return w / total
