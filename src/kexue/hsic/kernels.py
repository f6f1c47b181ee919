"""Kernels for HSIC: Gaussian, Laplace, linear, polynomial, delta (categorical), products and callables.

Every kernel maps two samples ``A`` (n_a rows) and ``B`` (n_b rows) to the Gram matrix ``G[i, j] = k(A_i, B_j)``.
Kernels with a data-dependent bandwidth (``bandwidth="median"``) resolve it with :meth:`Kernel.fit` on the
sample itself, separately for each variable (unlike ``hyppo``, which reuses x's bandwidth for y).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Union

import numpy as np

from kexue._validation import as_float_array

#: largest sample used for the median heuristic; bigger samples use a fixed-seed random subsample of this size
MEDIAN_MAX_SAMPLES = 2000


def as_samples(x: Any, name: str) -> np.ndarray:
    """Numeric samples as a finite float array of shape (n, d); a 1-D array is n samples of dimension 1."""
    arr = as_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D (n,) or 2-D (n, d), got shape {arr.shape}")
    return arr


def sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances ``||a_i - b_j||^2`` (clipped at 0 against round-off)."""
    d2 = a @ b.T  # the only n_a×n_b allocation; the rest is in place
    d2 *= -2.0
    d2 += np.einsum("ij,ij->i", a, a)[:, None]
    d2 += np.einsum("ij,ij->i", b, b)[None, :]
    np.maximum(d2, 0.0, out=d2)
    return d2


def l1_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Manhattan distances ``sum_k |a_ik - b_jk|``, built one coordinate at a time (O(n_a n_b) memory)."""
    out = np.zeros((a.shape[0], b.shape[0]))
    for k in range(a.shape[1]):
        out += np.abs(a[:, k, None] - b[None, :, k])
    return out


def median_pairwise(a: np.ndarray, distance: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> float:
    """Median of ``distance`` over the pairs i < j (a fixed-seed subsample of MEDIAN_MAX_SAMPLES rows if larger).

    A zero median (many ties, e.g. discrete data) falls back to the median of the non-zero values, and to 1
    when every pair coincides, so the bandwidth is always positive.
    """
    if a.shape[0] > MEDIAN_MAX_SAMPLES:
        a = a[np.random.default_rng(0).choice(a.shape[0], MEDIAN_MAX_SAMPLES, replace=False)]
    if a.shape[0] < 2:
        return 1.0
    d = distance(a, a)[np.triu_indices(a.shape[0], 1)]
    med = float(np.median(d))
    if med <= 0.0:
        pos = d[d > 0]
        med = float(np.median(pos)) if pos.size else 1.0
    return med


def _check_bandwidth(value: Any, name: str) -> Union[str, float]:
    if isinstance(value, str):
        if value != "median":
            raise ValueError(f"{name} must be a positive number or 'median', got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number or 'median', got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number or 'median', got {value}")
    return float(value)


class Kernel:
    """Base class: ``kernel(A, B=None)`` returns the Gram matrix; ``fit(A)`` fixes data-dependent parameters."""

    #: True when HSIC = 0 implies independence (a characteristic kernel)
    characteristic: bool = True

    def fit(self, a: Any) -> "Kernel":
        """Return a copy with data-dependent parameters (median bandwidths) resolved from sample ``a``."""
        return self

    def gram(self, a: Any, b: Any = None) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _samples(a: Any, b: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Both samples as validated arrays (``b`` defaults to ``a``)."""
        a = as_samples(a, "A")
        return a, (a if b is None else as_samples(b, "B"))

    def __call__(self, a: Any, b: Any = None) -> np.ndarray:
        return self.gram(a, b)


@dataclass(frozen=True)
class _BandwidthKernel(Kernel):
    """A kernel with one scale ``bandwidth``: a positive number, or ``"median"`` resolved from the data by ``fit``."""

    bandwidth: Union[str, float] = "median"

    def __post_init__(self):
        object.__setattr__(self, "bandwidth", _check_bandwidth(self.bandwidth, "bandwidth"))

    def _median_bandwidth(self, a: np.ndarray) -> float:
        raise NotImplementedError

    def fit(self, a):
        if self.bandwidth != "median":
            return self
        return replace(self, bandwidth=self._median_bandwidth(as_samples(a, "x")))


@dataclass(frozen=True)
class GaussianKernel(_BandwidthKernel):
    r"""Gaussian (RBF) kernel :math:`k(a, b) = \exp(-\|a-b\|^2 / (2\sigma^2))`.

    Parameters
    ----------
    bandwidth : float or "median"
        :math:`\sigma`. ``"median"`` sets :math:`2\sigma^2 = \mathrm{median}_{i<j}\|x_i-x_j\|^2`
        (Gretton et al. 2008), i.e. :math:`k = \exp(-d^2/\mathrm{median}(d^2))`, per variable.
        The article's kernel :math:`\exp(-(x_i-x_j)^2)` is ``bandwidth=1/sqrt(2)``.

    Examples
    --------
    >>> GaussianKernel(bandwidth=2 ** -0.5)([[0.0], [1.0]]).round(4)
    array([[1.    , 0.3679],
           [0.3679, 1.    ]])
    """

    def _median_bandwidth(self, a: np.ndarray) -> float:
        return float(np.sqrt(median_pairwise(a, sq_distances) / 2.0))

    def gram(self, a, b=None):
        k = self.fit(a)
        a, b = self._samples(a, b)
        d2 = sq_distances(a, b)
        d2 *= -1.0 / (2.0 * k.bandwidth ** 2)
        return np.exp(d2, out=d2)


@dataclass(frozen=True)
class LaplaceKernel(_BandwidthKernel):
    r"""Laplace kernel :math:`k(a, b) = \exp(-\|a-b\|_1 / \sigma)` (``"median"``: :math:`\sigma` = median L1 distance)."""

    def _median_bandwidth(self, a: np.ndarray) -> float:
        return float(median_pairwise(a, l1_distances))

    def gram(self, a, b=None):
        k = self.fit(a)
        a, b = self._samples(a, b)
        d = l1_distances(a, b)
        d *= -1.0 / k.bandwidth
        return np.exp(d, out=d)


@dataclass(frozen=True)
class LinearKernel(Kernel):
    r"""Linear kernel :math:`k(a, b) = a^\top b`. Not characteristic: HSIC then sees only linear dependence."""

    characteristic = False

    def gram(self, a, b=None):
        a, b = self._samples(a, b)
        return a @ b.T


@dataclass(frozen=True)
class PolynomialKernel(Kernel):
    r"""Polynomial kernel :math:`k(a, b) = (\gamma a^\top b + c)^p` (``gamma=None``: 1 / n_features). Not characteristic."""

    degree: int = 2
    gamma: Union[float, None] = None
    coef0: float = 1.0
    characteristic = False

    def __post_init__(self):
        if isinstance(self.degree, bool) or not isinstance(self.degree, (int, np.integer)) or self.degree < 1:
            raise ValueError(f"degree must be a positive integer, got {self.degree!r}")
        if self.gamma is not None:
            _check_bandwidth(self.gamma, "gamma")

    def gram(self, a, b=None):
        a, b = self._samples(a, b)
        gamma = 1.0 / a.shape[1] if self.gamma is None else self.gamma
        return (gamma * (a @ b.T) + self.coef0) ** self.degree


def category_codes(a: Any, b: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for the rows of two label arrays over their joint set of categories (rows of a 2-D array
    are compared as tuples)."""
    a = np.asarray(a)
    b = a if b is None else np.asarray(b)
    if a.ndim not in (1, 2) or b.ndim != a.ndim:
        raise ValueError(f"categorical samples must be 1-D (n,) or 2-D (n, d), got shapes {a.shape} and {b.shape}")
    if a.ndim == 2:
        to_key = lambda m: np.array(["\x1f".join(map(str, row)) for row in m], dtype=object)  # noqa: E731
        a, b = to_key(a), to_key(b)
    both = np.concatenate([a.astype(object), b.astype(object)])
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in both):
        raise ValueError("categorical samples contain missing values (None/NaN); drop or encode them first")
    _, codes = np.unique(both.astype(str), return_inverse=True)
    return codes[: len(a)], codes[len(a):]


@dataclass(frozen=True)
class DeltaKernel(Kernel):
    r"""Delta kernel for categorical data: :math:`k(a, b) = 1` if :math:`a = b` else 0 (characteristic on a finite set).

    Accepts any labels (strings, integers, ...).
    """

    def gram(self, a, b=None):
        ca, cb = category_codes(a, b)
        return (ca[:, None] == cb[None, :]).astype(np.float64)


@dataclass(frozen=True)
class CallableKernel(Kernel):
    """Wrap a user function ``k(A, B) -> Gram matrix`` (A, B as 2-D float arrays of shape (n, d))."""

    func: Callable[[np.ndarray, np.ndarray], Any] = None  # type: ignore[assignment]
    characteristic = False  # unknown; treated conservatively

    def gram(self, a, b=None):
        a, b = self._samples(a, b)
        g = as_float_array(self.func(a, b), "kernel output", ndim=2)
        if g.shape != (a.shape[0], b.shape[0]):
            raise ValueError(f"kernel callable returned shape {g.shape}; expected ({a.shape[0]}, {b.shape[0]})")
        return g


def _take_columns(x: Any, cols) -> np.ndarray:
    """Columns ``cols`` (names for a DataFrame, indices otherwise) of 2-D samples, dtype kept."""
    if hasattr(x, "iloc"):  # pandas DataFrame
        return (x.iloc[:, cols] if isinstance(cols, (int, np.integer)) else x[cols]).to_numpy()
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"a ProductKernel needs 2-D samples (n, d), got shape {arr.shape}")
    return arr[:, cols]


@dataclass(frozen=True)
class ProductKernel(Kernel):
    """Product of kernels on column groups, for mixed-type data: ``{columns: kernel}``.

    ``columns`` is a column name or index (or a tuple of them) of a pandas DataFrame / 2-D array. The product of
    characteristic kernels is characteristic on the joint space.

    Examples
    --------
    >>> k = ProductKernel({0: GaussianKernel(1.0), 1: DeltaKernel()})
    >>> k([[0.0, 1], [0.0, 2]])
    array([[1., 0.],
           [0., 1.]])
    """

    parts: Mapping[Any, Any] = None  # type: ignore[assignment]

    def __post_init__(self):
        if not self.parts:
            raise ValueError("ProductKernel needs at least one {columns: kernel} entry")
        object.__setattr__(self, "parts", {c: make_kernel(k) for c, k in dict(self.parts).items()})

    @property
    def characteristic(self):  # type: ignore[override]
        return all(k.characteristic for k in self.parts.values())

    @staticmethod
    def _cols(c):
        return list(c) if isinstance(c, tuple) else c

    def fit(self, a):
        return ProductKernel({c: k.fit(self._sub(a, c)) for c, k in self.parts.items()})

    def _sub(self, x, c):
        sub = _take_columns(x, self._cols(c))
        return sub if isinstance(self.parts[c], DeltaKernel) else as_samples(sub, f"column(s) {c!r}")

    def gram(self, a, b=None):
        k = self.fit(a)
        out = None
        for c, part in k.parts.items():
            g = part.gram(self._sub(a, c), None if b is None else self._sub(b, c))
            out = g if out is None else out * g
        return out


_NAMED = {"gaussian": GaussianKernel, "rbf": GaussianKernel, "laplace": LaplaceKernel, "linear": LinearKernel,
          "polynomial": PolynomialKernel, "delta": DeltaKernel}

KernelSpec = Union[str, Kernel, Callable[[np.ndarray, np.ndarray], Any]]


def make_kernel(spec: KernelSpec) -> Kernel:
    """Kernel from a name (``"gaussian"``/``"rbf"``, ``"laplace"``, ``"linear"``, ``"polynomial"``, ``"delta"``),
    a :class:`Kernel`, or a callable ``k(A, B) -> Gram``."""
    if isinstance(spec, Kernel):
        return spec
    if isinstance(spec, str):
        try:
            return _NAMED[spec.lower()]()
        except KeyError:
            raise ValueError(f"unknown kernel {spec!r}; choose one of {', '.join(map(repr, _NAMED))}, "
                             "a Kernel instance or a callable k(A, B) -> Gram matrix") from None
    if callable(spec):
        return CallableKernel(spec)
    raise TypeError(f"kernel must be a name, a Kernel or a callable k(A, B), got {type(spec).__name__}")


def gram_matrix(x: Any, kernel: KernelSpec = "gaussian") -> np.ndarray:
    """Gram matrix ``K[i, j] = k(x_i, x_j)`` of one sample (median bandwidths resolved on ``x``).

    Examples
    --------
    >>> gram_matrix([0.0, 1.0], GaussianKernel(2 ** -0.5)).round(4)
    array([[1.    , 0.3679],
           [0.3679, 1.    ]])
    """
    return make_kernel(kernel).fit(x).gram(x)
