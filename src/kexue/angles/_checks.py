"""Input checks specific to this area (dimension, random state, probabilities)."""

from __future__ import annotations

from typing import Any

import numpy as np

from kexue._validation import as_float_array


def check_dimension(n: Any, name: str = "n") -> int:
    """Return ``n`` as an int ≥ 2; integral floats such as ``1e9`` are accepted."""
    if isinstance(n, bool):
        raise TypeError(f"{name} must be an integer dimension >= 2, got a bool")
    if isinstance(n, (float, np.floating)) and float(n).is_integer():
        n = int(n)
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer dimension >= 2, got {type(n).__name__} {n!r}")
    if n < 2:
        raise ValueError(f"{name} must be >= 2 (the angle between two vectors needs 2 dimensions), got {n}")
    return int(n)


def dimension_array(n: Any, name: str = "n") -> np.ndarray:
    """Vectorised :func:`check_dimension`: an array of integral dimensions ≥ 2, as float64."""
    arr = as_float_array(n, name)
    if np.any(arr != np.round(arr)) or np.any(arr < 2):
        raise ValueError(f"{name} must hold integer dimensions >= 2, got {arr.min()!r} .. {arr.max()!r}")
    return arr


def check_probability(q: Any, name: str = "q") -> np.ndarray:
    arr = as_float_array(q, name)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1]; got values from {arr.min()!r} to {arr.max()!r}")
    return arr


def as_generator(random_state: Any) -> np.random.Generator | np.random.RandomState:
    """``None``/int/SeedSequence → a new ``Generator``; a ``Generator`` or ``RandomState`` is used as is."""
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    if random_state is None or isinstance(random_state, (int, np.integer, np.random.SeedSequence)):
        if isinstance(random_state, bool):
            raise TypeError("random_state must be None, an int, a SeedSequence or a numpy Generator, not bool")
        return np.random.default_rng(random_state)
    raise TypeError("random_state must be None, an int, a SeedSequence or a numpy Generator/RandomState, "
                    f"got {type(random_state).__name__}")
