"""Small input checks shared by the public entry points.

Each check raises ``ValueError``/``TypeError`` with a message that says what was wrong and how to fix it.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_float_array(x: Any, name: str, *, ndim: int | None = None, dtype=np.float64,
                   allow_empty: bool = False) -> np.ndarray:
    """Convert ``x`` to a finite float array, checking its number of dimensions."""
    if x is None:
        raise TypeError(f"{name} is None; pass an array")
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric array-like, got {type(x).__name__}: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one element")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or drop them first")
    return arr


def check_choice(value: Any, name: str, choices) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(map(repr, choices))}")
    return value


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
