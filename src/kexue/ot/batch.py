"""Many exact transport problems in one call: ``emd_batch``.

Each problem ``k`` is ``EMD(a_k, b_k, C_k) = min Σ γ_ij C_ij`` over ``γ ≥ 0`` with row sums ``a_k`` and
column sums ``b_k``, solved exactly by the numba network simplex of :mod:`kexue.ot.network_simplex`.
The problems are packed once into flat arrays with offsets and solved in one ``numba.prange`` loop,
so all cores work and no Python runs per problem (``numba.set_num_threads`` sets the thread count).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numba import get_num_threads, njit, parallel_chunksize, prange

from kexue._validation import check_positive_int
from kexue.ot.masses import MASS_RTOL
from kexue.ot.network_simplex import (MAX_ITER, MAX_ITER_REACHED, _compact_and_solve, _scatter_plan,
                                      _workspace)


def pack(arrays: Sequence, name: str, *, ndim: int, dtype=np.float64) -> tuple[np.ndarray, np.ndarray, list]:
    """Concatenate a list of arrays along axis 0; return ``(flat, offsets, shapes)``.

    ``flat[offsets[k]:offsets[k+1]]`` holds array ``k`` (rows for 2-D input). ``dtype=None`` keeps
    float32 when every array is float32 and uses float64 otherwise. Raises ``ValueError`` for
    a wrong number of dimensions, an empty array, mismatched trailing dimensions or NaN/inf.
    """
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, Sequence):
        raise TypeError(f"{name} must be a list of arrays, got {type(arrays).__name__}")
    if len(arrays) == 0:
        raise ValueError(f"{name} is empty; pass at least one array")
    arrs = [np.asarray(x) for x in arrays]
    shapes = [x.shape for x in arrs]
    bad = next((k for k, s in enumerate(shapes) if len(s) != ndim), None)
    if bad is not None:
        raise ValueError(f"{name}[{bad}] must be {ndim}-dimensional, got shape {shapes[bad]}")
    sizes = np.fromiter((s[0] for s in shapes), np.int64, len(shapes))
    if np.any(sizes == 0):
        k = int(np.flatnonzero(sizes == 0)[0])
        raise ValueError(f"{name}[{k}] is empty (shape {shapes[k]}); every problem needs at least one point")
    if ndim == 2 and len({s[1] for s in shapes}) > 1:
        dims = sorted({s[1] for s in shapes})
        raise ValueError(f"{name} mixes vector dimensions {dims}; all vectors must have the same dimension")
    if dtype is None:
        dtype = np.float32 if all(x.dtype == np.float32 for x in arrs) else np.float64
    try:
        flat = np.concatenate(arrs, axis=0).astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numeric arrays: {exc}") from None
    if not np.all(np.isfinite(flat)):
        rows = ~np.isfinite(flat) if ndim == 1 else ~np.all(np.isfinite(flat), axis=1)
        k = int(np.searchsorted(np.cumsum(sizes), np.flatnonzero(rows)[0], side="right"))
        raise ValueError(f"{name}[{k}] contains NaN or infinite values; clean or drop them first")
    offsets = np.zeros(len(arrs) + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return np.ascontiguousarray(flat), offsets, shapes


def segment_sums(flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of each segment ``flat[offsets[k]:offsets[k+1]]`` (segments are non-empty)."""
    return np.add.reduceat(flat, offsets[:-1]) if flat.size else np.zeros(len(offsets) - 1)


@njit(parallel=True, cache=True)
def _emd_kernel(A, aoff, B, boff, C, coff, max_iter, plans, n_chunks):
    n_prob = aoff.shape[0] - 1
    values = np.empty(n_prob)
    status = np.zeros(n_prob, np.int8)
    pivots = np.zeros(n_prob, np.int64)
    want_plans = plans.shape[0] > 0
    for c in prange(n_chunks):
        max_m = 1
        max_n = 1
        for p in range(c, n_prob, n_chunks):
            max_m = max(max_m, aoff[p + 1] - aoff[p])
            max_n = max(max_n, boff[p + 1] - boff[p])
        ws = _workspace(max_m, max_n)
        ca = np.empty(max_m)
        cb = np.empty(max_n)
        cC = np.empty(max_m * max_n)
        rows = np.empty(max_m, np.int64)
        cols = np.empty(max_n, np.int64)
        for p in range(c, n_prob, n_chunks):
            m = aoff[p + 1] - aoff[p]
            n = boff[p + 1] - boff[p]
            cost, st, piv, mm, nn = _compact_and_solve(A[aoff[p]:aoff[p + 1]], B[boff[p]:boff[p + 1]],
                                                     C[coff[p]:coff[p + 1]], m, n, ws, ca, cb, cC,
                                                     rows, cols, max_iter)
            values[p] = cost
            status[p] = st
            pivots[p] = piv
            if want_plans:
                _scatter_plan(ws[0], rows, cols, mm, nn, n, plans[coff[p]:coff[p + 1]])
    return values, status, pivots


def n_chunks(n_items: int) -> int:
    """Interleaved work chunks for a prange loop: many per thread, handed out dynamically (see
    :func:`run_dynamic`), so uneven problem sizes and a busy core balance out."""
    return max(1, min(n_items, 16 * get_num_threads()))


def run_dynamic(kernel, *args):
    """Call a prange kernel with chunks of one iteration handed to threads as they free up."""
    with parallel_chunksize(1):
        return kernel(*args)


def check_batch_masses(A: np.ndarray, aoff: np.ndarray, B: np.ndarray, boff: np.ndarray,
                       name_a: str = "a_list", name_b: str = "b_list") -> np.ndarray:
    """Vectorised :func:`kexue.ot.masses.check_masses` over packed problems; returns ``B`` rescaled.

    Masses must be non-negative with positive totals that agree to ``MASS_RTOL`` relative per problem;
    each ``b_k`` is then rescaled to ``a_k``'s total.
    """
    for flat, off, name in ((A, aoff, name_a), (B, boff, name_b)):
        if np.any(flat < 0):
            k = int(np.searchsorted(off, np.flatnonzero(flat < 0)[0], side="right")) - 1
            raise ValueError(f"{name}[{k}] has negative mass; masses must be >= 0")
    sa, sb = segment_sums(A, aoff), segment_sums(B, boff)
    for s, name in ((sa, name_a), (sb, name_b)):
        if np.any(s <= 0):
            k = int(np.flatnonzero(s <= 0)[0])
            raise ValueError(f"{name}[{k}] has total mass {s[k]:.3g}; each total must be positive")
    off = np.abs(sa - sb) > MASS_RTOL * np.maximum(sa, sb)
    if np.any(off):
        k = int(np.flatnonzero(off)[0])
        raise ValueError(f"problem {k}: sum({name_a}[{k}])={sa[k]!r} and sum({name_b}[{k}])={sb[k]!r} differ by "
                         f"more than {MASS_RTOL:g} relative; normalise both to the same total")
    return B * np.repeat(sa / sb, np.diff(boff))


def warn_status(status: np.ndarray) -> None:
    """Warn once if any problem stopped at the iteration cap (its value is then an upper bound)."""
    capped = np.flatnonzero(status == MAX_ITER_REACHED)
    if capped.size:
        warnings.warn(f"network simplex hit its iteration cap on {capped.size} problem(s) (first: {capped[0]}); "
                      "those values are upper bounds; raise max_iter", RuntimeWarning, stacklevel=3)


def emd_batch(a_list, b_list, costs, *, return_plans: bool = False, max_iter: int = MAX_ITER):
    """Exact optimal transport costs of many independent problems, solved in parallel.

    ``EMD_k = min_{γ ≥ 0} Σ_ij γ_ij C_k[i, j]`` s.t. ``Σ_j γ_ij = a_k[i]``, ``Σ_i γ_ij = b_k[j]``.

    Parameters
    ----------
    a_list, b_list : list of array_like, shapes (m_k,) and (n_k,)
        Non-negative masses; per problem the totals must agree to 1e-9 relative (``b_k`` is then
        rescaled to ``a_k``'s total). Zero masses are allowed (their rows/columns are dropped).
    costs : list of array_like, shape (m_k, n_k)
        Finite unit costs.
    return_plans : bool
        Also return the optimal plans.
    max_iter : int
        Pivot cap per problem; a problem that reaches it gives an upper bound and a ``RuntimeWarning``.

    Returns
    -------
    values : ndarray, shape (K,)
        Optimal costs in float64 (same optimum as ``ot.emd2``).
    plans : list of ndarray, shape (m_k, n_k)
        Only with ``return_plans=True``.

    Examples
    --------
    >>> from kexue.ot import emd_batch
    >>> emd_batch([[0.5, 0.5], [1.0]], [[1.0], [0.5, 0.5]], [[[0.0], [2.0]], [[1.0, 3.0]]])
    array([1., 2.])
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    A, aoff, _ = pack(a_list, "a_list", ndim=1)
    B, boff, _ = pack(b_list, "b_list", ndim=1)
    if len(aoff) != len(boff):
        raise ValueError(f"a_list has {len(aoff) - 1} problems but b_list has {len(boff) - 1}; they must align")
    if isinstance(costs, np.ndarray) or not isinstance(costs, Sequence) or len(costs) != len(aoff) - 1:
        raise ValueError(f"costs must be a list of {len(aoff) - 1} cost matrices, one per problem")
    ms, ns = np.diff(aoff), np.diff(boff)
    cshapes = [np.shape(c) for c in costs]
    bad = next((k for k, s in enumerate(cshapes) if s != (ms[k], ns[k])), None)
    if bad is not None:
        raise ValueError(f"costs[{bad}] has shape {cshapes[bad]}, expected (len(a_list[{bad}]), "
                         f"len(b_list[{bad}])) = ({ms[bad]}, {ns[bad]})")
    B = check_batch_masses(A, aoff, B, boff)
    C = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in costs])
    if not np.all(np.isfinite(C)):
        coff = np.concatenate([[0], np.cumsum(ms * ns)])
        k = int(np.searchsorted(coff, np.flatnonzero(~np.isfinite(C))[0], side="right")) - 1
        raise ValueError(f"costs[{k}] contains NaN or infinite values")
    coff = np.zeros(len(ms) + 1, np.int64)
    np.cumsum(ms * ns, out=coff[1:])
    plans = np.zeros(coff[-1] if return_plans else 0)
    values, status, _ = run_dynamic(_emd_kernel, A, aoff, B, boff, C, coff, max_iter, plans, n_chunks(len(ms)))
    warn_status(status)
    if not return_plans:
        return values
    return values, [plans[coff[k]:coff[k + 1]].reshape(ms[k], ns[k]) for k in range(len(ms))]
