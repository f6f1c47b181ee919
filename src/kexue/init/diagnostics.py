"""How orthogonal is a weight matrix, and what does depth do to norms and gradients?

- :func:`orthogonality_report` -- for W ∈ R^{m×n} (PyTorch layout: out × in, y = Wx): the article's
  MSE of WᵀW − I_n, the singular values against the Marchenko–Pastur edges of an i.i.d. matrix with the same
  entry variance, and the spread of ‖Wx‖/‖x‖ over random probes.
- :func:`propagate` -- push a Gaussian batch through a deep bias-free MLP h_l = f(W_l h_{l−1}) and record,
  per layer, ‖h_l‖/‖x‖, the mean square activation, and the back-propagated gradient norms.

Reference values (kexue.fm/archives/7180 and our notes): for i.i.d. N(0, 1/m) entries, off-diagonal entries
of WᵀW have variance 1/m and diagonal ones 2/m, so the MSE is (n + 1)/(mn), i.e. (n + 1)/n² for the square
demo; for a fixed x, ‖Wx‖²/‖x‖² ~ χ²_m/m (variance 2/m).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from kexue._validation import as_float_array, check_positive_int
from kexue.angles._checks import as_generator


def marchenko_pastur_edges(m: int, n: int, variance: float) -> tuple[float, float]:
    """Limits of the singular values of an m×n matrix with i.i.d. zero-mean entries of ``variance``.

    ``√(p·variance)·(1 ± √(q/p))`` with ``p = max(m, n)``, ``q = min(m, n)``; a square matrix gives [0, 2√(n·var)]
    (quarter-circle law).

    Examples
    --------
    >>> marchenko_pastur_edges(2000, 500, 1 / 2000)
    (0.5, 1.5)
    """
    m, n = check_positive_int(m, "m"), check_positive_int(n, "n")
    if not (variance > 0 and math.isfinite(variance)):
        raise ValueError(f"variance must be positive and finite, got {variance}")
    p, q = max(m, n), min(m, n)
    scale = math.sqrt(p * variance)
    ratio = math.sqrt(q / p)
    return scale * (1 - ratio), scale * (1 + ratio)


@dataclass(frozen=True)
class OrthogonalityReport:
    """Result of :func:`orthogonality_report` (all numbers in float64)."""

    shape: tuple[int, int]
    #: mean over the n² entries of (WᵀW − I_n)², the article's demo statistic
    mse: float
    #: std of the off-diagonal entries of WᵀW (≈ 1/√m for i.i.d. variance 1/m) and mean of its diagonal
    offdiag_std: float
    diag_mean: float
    #: second moment of the entries, used for the Marchenko–Pastur edges
    entry_variance: float
    singular_min: float
    singular_max: float
    condition_number: float
    mp_lower: float
    mp_upper: float
    #: ‖Wx‖/‖x‖ over Gaussian probes x
    norm_ratio_mean: float
    norm_ratio_std: float
    norm_ratio_min: float
    norm_ratio_max: float
    singular_values: np.ndarray = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON view (singular values as a list)."""
        out = asdict(self)
        out["shape"] = list(self.shape)
        out["singular_values"] = self.singular_values.tolist()
        return out


def _as_matrix(w: Any) -> np.ndarray:
    if hasattr(w, "detach"):  # torch tensor
        w = w.detach().cpu().double().numpy()
    arr = as_float_array(w, "W")
    if arr.ndim < 2:
        raise ValueError(f"W must be a matrix (out × in, or a conv weight), got shape {arr.shape}")
    return arr.reshape(arr.shape[0], -1)


def orthogonality_report(W: Any, n_probes: int = 1000, random_state: Any = None) -> OrthogonalityReport:
    """Diagnose how close ``W`` (m×n, y = Wx) is to an isometry.

    Parameters
    ----------
    W : array-like or torch.Tensor
        Weight with ``shape[0] = m`` outputs; further dimensions are flattened into the n inputs.
    n_probes : int
        Number of Gaussian probe vectors x for the ‖Wx‖/‖x‖ statistics.
    random_state : None, int or numpy Generator

    Returns
    -------
    OrthogonalityReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> rep = orthogonality_report(rng.standard_normal((100, 100)) / 10, random_state=0)
    >>> bool(abs(rep.mse - 101 / 100**2) < 0.001), rep.singular_min < 0.1
    (True, True)
    """
    w = _as_matrix(W)
    n_probes = check_positive_int(n_probes, "n_probes")
    m, n = w.shape
    gram = w.T @ w
    diff = gram - np.eye(n)
    off = gram[~np.eye(n, dtype=bool)]
    sv = np.linalg.svd(w, compute_uv=False)
    variance = float(np.mean(w * w))
    if variance > 0:
        lower, upper = marchenko_pastur_edges(m, n, variance)
    else:
        lower = upper = 0.0
    x = as_generator(random_state).standard_normal((n, n_probes))
    ratio = np.linalg.norm(w @ x, axis=0) / np.linalg.norm(x, axis=0)
    return OrthogonalityReport(
        shape=(m, n),
        mse=float(np.mean(diff * diff)),
        offdiag_std=float(off.std()) if off.size else 0.0,
        diag_mean=float(np.mean(np.diag(gram))),
        entry_variance=variance,
        singular_min=float(sv.min()),
        singular_max=float(sv.max()),
        condition_number=float(sv.max() / sv.min()) if sv.min() > 0 else math.inf,
        mp_lower=lower,
        mp_upper=upper,
        norm_ratio_mean=float(ratio.mean()),
        norm_ratio_std=float(ratio.std()),
        norm_ratio_min=float(ratio.min()),
        norm_ratio_max=float(ratio.max()),
        singular_values=sv,
    )


@dataclass(frozen=True)
class PropagationResult:
    """Per-layer statistics from :func:`propagate`; index 0 is the input, index ``depth`` the output."""

    depth: int
    width: int
    activation: str
    init: str
    #: mean over the batch of ‖h_l‖/‖x‖ (and its spread over the batch)
    norm_ratio: np.ndarray
    norm_ratio_std: np.ndarray
    #: mean of h_l² over batch and units
    mean_square: np.ndarray
    #: mean over the batch of ‖∂L/∂h_l‖ / ‖∂L/∂h_depth‖ for L = Σ⟨g, h_depth⟩ with Gaussian g
    grad_ratio: np.ndarray

    @property
    def max_norm_drift(self) -> float:
        """max_l |‖h_l‖/‖x‖ − 1|."""
        return float(np.max(np.abs(self.norm_ratio - 1.0)))

    @property
    def mean_square_drift(self) -> float:
        """max_l |log(mean_square_l / mean_square_0)|: 0 means the mean square never moved."""
        return float(np.max(np.abs(np.log(self.mean_square / self.mean_square[0]))))

    @property
    def max_grad_drift(self) -> float:
        """max_l |log grad_ratio_l|."""
        return float(np.max(np.abs(np.log(self.grad_ratio))))

    def summary(self) -> dict[str, Any]:
        """Scalar summary: final ratios and drifts."""
        return {
            "init": self.init, "activation": self.activation, "depth": self.depth, "width": self.width,
            "final_norm_ratio": float(self.norm_ratio[-1]),
            "max_norm_drift": self.max_norm_drift,
            "final_mean_square_ratio": float(self.mean_square[-1] / self.mean_square[0]),
            "mean_square_drift": self.mean_square_drift,
            "input_grad_ratio": float(self.grad_ratio[0]),
            "max_grad_drift": self.max_grad_drift,
        }

    def as_dict(self) -> dict[str, Any]:
        out = self.summary()
        for key in ("norm_ratio", "norm_ratio_std", "mean_square", "grad_ratio"):
            out[key] = getattr(self, key).tolist()
        return out


def propagate(depth: int, width: int, activation: str | Callable = "linear",
              init: str | Callable = "orthogonal", *, batch: int = 256, gain: float = 1.0,
              random_state: int | None = None, dtype: Any = None) -> PropagationResult:
    """Measure activation and gradient norms through a ``depth``-layer bias-free MLP of ``width`` units.

    Layer l computes ``h_l = f(W_l h_{l−1})`` with square weights from ``init``; the input batch is
    x ~ N(0, I_width). Gradients come from ``L = Σ_b ⟨g_b, h_depth,b⟩`` with Gaussian g.

    Parameters
    ----------
    depth, width : int
    activation : str or callable
        A name from :data:`kexue.init.ACTIVATION_NAMES` or a torch function.
    init : str or callable
        A name from :data:`kexue.init.INITIALIZERS` or an in-place ``f(tensor, generator=...)``.
    batch : int
        Number of input vectors.
    gain : float
        Extra factor multiplied into every weight after initialisation.
    random_state : int, optional
        Seed for weights, inputs and g.
    dtype : torch.dtype, optional
        Default float64, so the measurement itself adds no drift.

    Examples
    --------
    >>> res = propagate(50, 64, "linear", "orthogonal", random_state=0)
    >>> bool(abs(res.norm_ratio[-1] - 1) < 1e-10)
    True
    """
    import torch

    from kexue.init.gains import _check_gain, get_activation
    from kexue.init.registry import get_initializer

    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    batch = check_positive_int(batch, "batch")
    gain = _check_gain(gain)
    f = get_activation(activation)
    init_fn = get_initializer(init)
    dtype = torch.float64 if dtype is None else dtype
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, int)):
        raise TypeError(f"random_state must be an int seed or None, got {type(random_state).__name__}")
    gen = torch.Generator()
    if random_state is None:
        gen.seed()
    else:
        gen.manual_seed(random_state)

    weights = []
    for _ in range(depth):
        w = torch.empty(width, width, dtype=dtype)
        init_fn(w, generator=gen)
        weights.append(w * gain)
    x = torch.randn(batch, width, generator=gen, dtype=torch.float64).to(dtype)
    g = torch.randn(batch, width, generator=gen, dtype=torch.float64).to(dtype)

    h = x.clone().requires_grad_(True)
    hs = [h]
    for w in weights:
        h = f(h @ w.T)
        h.retain_grad()
        hs.append(h)
    (h * g).sum().backward()

    x_norm = x.norm(dim=1)
    ratios = torch.stack([hl.detach().norm(dim=1) / x_norm for hl in hs])  # (depth+1, batch)
    grads = torch.stack([hl.grad.norm(dim=1) for hl in hs])
    grads = grads / grads[-1]
    as_np = lambda t: t.double().numpy()  # noqa: E731
    return PropagationResult(
        depth=depth,
        width=width,
        activation=activation if isinstance(activation, str) else getattr(activation, "__name__", "custom"),
        init=init if isinstance(init, str) else getattr(init, "__name__", "custom"),
        norm_ratio=as_np(ratios.mean(dim=1)),
        norm_ratio_std=as_np(ratios.std(dim=1)),
        mean_square=as_np(torch.stack([(hl.detach() ** 2).mean() for hl in hs])),
        grad_ratio=as_np(grads.mean(dim=1)),
    )
