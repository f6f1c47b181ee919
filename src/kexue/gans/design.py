"""GAN losses designed in the dual space from a likelihood ratio (kexue.fm/archives/7210).

Notation (Su's): ``p`` is the data density, ``q`` the generator's, ``r = q/p``. The discriminator's output
``t(x)`` ranges over ``Omega`` and the discriminator maximises ``E_p[phi(t)] + E_q[psi(t)]``.

Recipe (Conclusion 1): pick a strictly increasing ``omega`` (the optimum is ``t* = omega(r)``) and a
``rho > 0`` on ``Omega = omega((0, inf))``; set ``phi' = -omega^{-1} * rho`` and ``psi' = rho`` and shift
``psi`` so that ``psi(omega(1)) = 0``. Then ``d(r) = phi(omega(r)) + r psi(omega(r))`` has ``d' = psi o omega``
(envelope theorem), which is increasing and zero at ``r = 1``: the min-max game is a GAN.

Conclusion 2: the generator may minimise ``E_q[beta(t)]`` instead, provided
``d(r) = alpha(omega(r)) + r beta(omega(r))`` is strictly convex or minimal at ``r = 1``; plain gradient
training (``t`` held fixed in the generator step) also needs ``beta o omega`` strictly increasing.

Convention: the discriminator's logit grows with ``q/p``, i.e. it scores how *fake* a sample looks.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import sympy

R = sympy.Symbol("r", positive=True)
T = sympy.Symbol("t", real=True)

_REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Condition:
    """One condition of the recipe with its verdict.

    ``counterexample`` is a point (in ``variable``, ``"r"`` or ``"t"``) where the condition fails, else None.
    """

    name: str
    ok: bool
    detail: str
    counterexample: float | None = None
    variable: str = "r"


@dataclass(frozen=True)
class CheckReport:
    """The verdicts of :meth:`LossDesign.check`; ``ok`` is true only if every condition holds."""

    design: str
    conditions: tuple[Condition, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.conditions)

    def __getitem__(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(f"no condition {name!r}; have {[c.name for c in self.conditions]}")

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design, "ok": self.ok,
                "conditions": [c.__dict__ for c in self.conditions]}

    def __str__(self) -> str:
        lines = [f"{self.design}: {'OK' if self.ok else 'FAILED'}"]
        for c in self.conditions:
            mark = "pass" if c.ok else "FAIL"
            ce = "" if c.counterexample is None else f" (counterexample {c.variable} = {c.counterexample:.6g})"
            lines.append(f"  [{mark}] {c.name}: {c.detail}{ce}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------- numerics


@lru_cache(maxsize=8)
def _leggauss(order: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(order)


def _gauss_legendre_cumulative(f: Callable[[np.ndarray], np.ndarray], t: np.ndarray, t0: float,
                               max_width: float = 0.5, order: int = 20) -> np.ndarray:
    """``F(t) = int_{t0}^{t} f(s) ds`` for every entry of ``t``, by composite Gauss-Legendre quadrature.

    All panels are evaluated in one vectorised call; panels are at most ``max_width`` wide, so a smooth
    integrand is integrated to near machine precision.
    """
    flat = np.asarray(t, dtype=np.float64).ravel()
    if not np.all(np.isfinite(flat)):
        raise ValueError("t must be finite to integrate numerically")
    pts = np.unique(np.concatenate([flat, [t0]]))
    gaps = np.diff(pts)
    counts = np.maximum(1, np.ceil(gaps / max_width).astype(int))
    starts = np.repeat(pts[:-1], counts)
    widths = np.repeat(gaps / counts, counts)
    starts = starts + widths * (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    edges = np.concatenate([starts, [pts[-1]]])
    x, w = _leggauss(order)
    nodes = starts[:, None] + widths[:, None] * (x[None, :] + 1) / 2
    vals = np.asarray(f(nodes), dtype=np.float64).reshape(nodes.shape)
    panel = (vals * w[None, :]).sum(axis=1) * widths / 2
    cum = np.concatenate([[0.0], np.cumsum(panel)])
    at = cum[np.searchsorted(edges, flat)] - cum[np.searchsorted(edges, t0)]
    return at.reshape(np.shape(t))


def _vectorised(fn: Callable, name: str) -> Callable[[np.ndarray], np.ndarray]:
    """Call a user function on arrays; fall back to element-wise calls if it only takes scalars."""

    def call(x):
        x = np.asarray(x, dtype=np.float64)
        try:
            y = np.asarray(fn(x), dtype=np.float64)
            if y.shape == x.shape:
                return y
            if y.ndim == 0:
                return np.full(x.shape, float(y))
        except (TypeError, ValueError):
            pass
        try:
            return np.vectorize(lambda s: float(fn(float(s))), otypes=[np.float64])(x)
        except Exception as exc:  # a user callable failing is a bad input
            raise ValueError(f"{name} could not be evaluated at numeric points: {exc}") from None

    return call


def _bisect_inverse(omega: Callable[[np.ndarray], np.ndarray], t: np.ndarray,
                    log_lo: float = -60.0, log_hi: float = 60.0, iters: int = 64) -> np.ndarray:
    """``omega^{-1}(t)`` for an increasing ``omega`` by vectorised bisection on ``log r``."""
    t = np.asarray(t, dtype=np.float64)
    lo = np.full(t.shape, log_lo)
    hi = np.full(t.shape, log_hi)
    for _ in range(iters):
        mid = (lo + hi) / 2
        below = omega(np.exp(mid)) < t
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    out = np.exp((lo + hi) / 2)
    outside = (t <= omega(np.exp(np.float64(log_lo)))) | (t >= omega(np.exp(np.float64(log_hi))))
    return np.where(outside, np.nan, out)


def _central_diff(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def deriv(x):
        x = np.asarray(x, dtype=np.float64)
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        return (fn(x + h) - fn(x - h)) / (2 * h)

    return deriv


class NumericFunction:
    """A function evaluated numerically (quadrature / root finding), standing in for a sympy expression."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], text: str):
        self._fn = fn
        self.text = text

    def __call__(self, x):
        return self._fn(np.asarray(x, dtype=np.float64))

    def __repr__(self) -> str:
        return f"<numeric {self.text}>"


# ----------------------------------------------------------------------------------------- torch glue


def _torch_from_sympy(expr: sympy.Expr) -> Callable:
    """Element-wise torch function of ``t`` for a sympy expression (constants folded to floats)."""
    import torch

    fn = sympy.lambdify(T, sympy.N(expr, 17), modules="torch")

    def call(t):
        return fn(t) + torch.zeros_like(t)

    return call


def _torch_from_numpy(fn: Callable, dfn: Callable) -> Callable:
    """Element-wise torch function backed by numpy ``fn`` with derivative ``dfn`` (autograd works)."""
    import torch

    class _Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            y = fn(x.detach().cpu().double().numpy())
            return torch.as_tensor(y, dtype=x.dtype, device=x.device)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            dy = torch.as_tensor(dfn(x.detach().cpu().double().numpy()), dtype=x.dtype, device=x.device)
            return grad * dy

    return _Fn.apply


def _check_logits(x: Any, name: str):
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of discriminator logits, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype, got {x.dtype}; call .float() first")
    if bool(torch.isnan(x).any()):
        raise ValueError(f"{name} contains NaN; the discriminator diverged or its input has NaN")
    return x


def _reduce(x, reduction: str):
    if reduction == "mean":
        return x.mean()
    if reduction == "sum":
        return x.sum()
    return x


# ----------------------------------------------------------------------------------------- the design


@dataclass
class TorchForms:
    """Element-wise torch functions of the raw logit ``v`` (activation already folded in)."""

    phi: Callable
    psi: Callable
    alpha: Callable
    beta: Callable
    log_ratio: Callable | None


@dataclass
class LossDesign:
    """A GAN loss designed from ``(omega, rho)`` (and optionally ``alpha, beta``).

    Symbolic designs hold sympy expressions (``omega``, ``omega_inv``, ``d`` in ``r``; ``rho``, ``phi``,
    ``psi``, ``alpha``, ``beta`` in ``t``); numeric designs hold :class:`NumericFunction` objects instead.
    ``psi_offset`` is ``psi_raw(omega(1))`` of the antiderivative before the shift; ``d_at_1`` fixes
    ``phi``'s constant (``d_dual(1) = phi(omega(1)) = d_at_1``).
    """

    name: str
    symbolic: bool
    omega: Any
    omega_inv: Any
    rho: Any
    phi: Any
    psi: Any
    alpha: Any
    beta: Any
    d: Any
    d_dual: Any
    psi_offset: Any
    omega_at_1: float
    omega_range: tuple[float, float]
    conclusion: int
    activation: str = "identity"
    _np: dict[str, Callable] = field(default_factory=dict, repr=False)
    _torch: TorchForms | None = field(default=None, repr=False)
    _notes: dict[str, str] = field(default_factory=dict, repr=False)

    # ---- numeric evaluation
    def evaluate(self, which: str, x) -> np.ndarray:
        """Evaluate ``which`` (omega, omega_inv, rho, phi, psi, alpha, beta, d, d_dual) at numpy points."""
        if which not in self._np:
            raise ValueError(f"unknown function {which!r}; choose one of {sorted(self._np)}")
        with np.errstate(all="ignore"):
            return np.asarray(self._np[which](np.asarray(x, dtype=np.float64)), dtype=np.float64)

    # ---- torch losses
    def discriminator_loss(self, real_logits, fake_logits, reduction: str = "mean"):
        """Discriminator loss ``-(E_p[phi(t)] + E_q[psi(t)])`` from raw logits (t = activation(logit)).

        With ``reduction="none"`` it returns the pair of per-sample losses ``(-phi(t_real), -psi(t_fake))``.

        Examples
        --------
        >>> import torch; from kexue.gans import get_loss
        >>> loss = get_loss("nonsaturating")
        >>> float(loss.discriminator_loss(torch.zeros(4), torch.zeros(4)))  # 2 log 2 - log 2 at t = 0
        0.693147...
        """
        _check_reduction(reduction)
        forms = self._torch_forms()
        lr = -forms.phi(_check_logits(real_logits, "real_logits"))
        lf = -forms.psi(_check_logits(fake_logits, "fake_logits"))
        if reduction == "none":
            return lr, lf
        return _reduce(lr, reduction) + _reduce(lf, reduction)

    def generator_loss(self, fake_logits, reduction: str = "mean"):
        """Generator loss ``E_q[beta(t)]`` (the ``alpha`` term does not involve q and is dropped)."""
        _check_reduction(reduction)
        return _reduce(self._torch_forms().beta(_check_logits(fake_logits, "fake_logits")), reduction)

    def log_ratio(self, logits):
        """Density-ratio readout ``log r_hat = log omega^{-1}(t(x))`` (r = q/p); 0 where the generator is right."""
        forms = self._torch_forms()
        if forms.log_ratio is None:
            raise ValueError(f"{self.name} has no density-ratio readout: {self._notes.get('omega', '')}")
        return forms.log_ratio(_check_logits(logits, "logits"))

    def ratio(self, logits):
        """Density-ratio readout ``r_hat(x) = omega^{-1}(t(x))``, an estimate of q(x)/p(x)."""
        import torch

        return torch.exp(self.log_ratio(logits))

    def _torch_forms(self) -> TorchForms:
        if self._torch is None:
            self._torch = self._default_torch_forms()
        return self._torch

    def _default_torch_forms(self) -> TorchForms:
        if self.symbolic:
            return TorchForms(phi=_torch_from_sympy(self.phi), psi=_torch_from_sympy(self.psi),
                              alpha=_torch_from_sympy(self.alpha), beta=_torch_from_sympy(self.beta),
                              log_ratio=_torch_from_sympy(sympy.log(self.omega_inv)))
        np_ = self._np
        return TorchForms(
            phi=_torch_from_numpy(np_["phi"], lambda t: -np_["omega_inv"](t) * np_["rho"](t)),
            psi=_torch_from_numpy(np_["psi"], np_["rho"]),
            alpha=_torch_from_numpy(np_["alpha"], _central_diff(np_["alpha"])),
            beta=_torch_from_numpy(np_["beta"], _central_diff(np_["beta"])),
            log_ratio=_torch_from_numpy(lambda t: np.log(np_["omega_inv"](t)),
                                        _central_diff(lambda t: np.log(np_["omega_inv"](t)))),
        )

    # ---- analysis
    def check(self, r_min: float = 1e-3, r_max: float = 1e3, num: int = 2001) -> CheckReport:
        """Check every condition of Conclusions 1 and 2 on a log-spaced grid of ``r`` in ``[r_min, r_max]``.

        Conditions: omega strictly increasing; rho > 0 on Omega; d strictly convex or minimal at r = 1;
        beta o omega strictly increasing. Each failing condition carries a counterexample point.
        """
        if not (0 < r_min < 1 < r_max) or not np.isfinite(r_max):
            raise ValueError(f"need 0 < r_min < 1 < r_max < inf, got r_min={r_min}, r_max={r_max}")
        num = int(num)
        if num < 11:
            raise ValueError(f"num must be >= 11 grid points, got {num}")
        r = np.unique(np.concatenate([np.geomspace(r_min, r_max, num), [1.0]]))
        conds = [self._check_omega(r), self._check_rho(r), self._check_d(r), self._check_beta(r)]
        return CheckReport(self.name, tuple(conds))

    def _check_omega(self, r) -> Condition:
        name = "omega strictly increasing"
        if "omega" in self._notes:
            return Condition(name, False, self._notes["omega"], self._notes_point("omega"), "t")
        w = self.evaluate("omega", r)
        bad = _first_non_increase(w, r)
        if not np.all(np.isfinite(w)):
            i = int(np.flatnonzero(~np.isfinite(w))[0])
            return Condition(name, False, "omega(r) is not finite", float(r[i]))
        if bad is not None:
            return Condition(name, False, f"omega(r[i+1]) <= omega(r[i]) at r = {r[bad]:.6g}", float(r[bad]))
        return Condition(name, True, f"Omega = ({self.omega_range[0]:.6g}, {self.omega_range[1]:.6g})")

    def _notes_point(self, key):
        return float(self._notes[key + "_point"]) if key + "_point" in self._notes else None

    def _check_rho(self, r) -> Condition:
        name = "rho > 0 on Omega"
        t = self.evaluate("omega", r) if "omega" not in self._notes else np.linspace(*self.omega_range, len(r))
        rho = self.evaluate("rho", t)
        i = _nearest_to_one(np.flatnonzero(~(rho > 0)), r)
        if i is not None:
            return Condition(name, False, f"rho(t) = {rho[i]:.6g} <= 0", float(t[i]), "t")
        return Condition(name, True, f"min rho on the grid = {rho.min():.3g}")

    def _check_d(self, r) -> Condition:
        name = "d strictly convex or minimal at r = 1"
        d = self.evaluate("d", r)
        if not np.all(np.isfinite(d)):
            i = int(np.flatnonzero(~np.isfinite(d))[0])
            return Condition(name, False, "d(r) is not finite", float(r[i]))
        slopes = np.diff(d) / np.diff(r)
        nonconvex = np.flatnonzero(~(np.diff(slopes) > 0))
        i1 = int(np.flatnonzero(r == 1.0)[0])
        lower = np.flatnonzero(np.delete(d, i1) <= d[i1] + 1e-12 * (1 + abs(d[i1])))
        convex = nonconvex.size == 0
        minimal = lower.size == 0
        detail = (f"strictly convex: {'yes' if convex else 'no'}; minimum at r = 1: {'yes' if minimal else 'no'}"
                  f" (d(1) = {d[i1]:.6g})")
        if convex or minimal:
            return Condition(name, True, detail)
        return Condition(name, False, detail, float(r[_nearest_to_one(nonconvex, r) + 1]))

    def _check_beta(self, r) -> Condition:
        name = "beta o omega strictly increasing"
        if "omega" in self._notes:
            return Condition(name, False, "no strictly increasing omega, so beta o omega is undefined")
        b = self.evaluate("beta", self.evaluate("omega", r))
        fails = np.flatnonzero(~(np.diff(b) > 0))
        bad = _nearest_to_one(fails, r)
        if bad is not None:
            return Condition(name, False, f"beta(omega(r)) does not increase on grid steps in r = "
                             f"[{r[fails.min()]:.3g}, {r[fails.max() + 1]:.3g}], e.g. {b[bad]:.6g} -> "
                             f"{b[bad + 1]:.6g} at r = {r[bad]:.6g} -> {r[bad + 1]:.6g}", float(r[bad]))
        return Condition(name, True, "gradient training can only stop at q = p")

    def optimal_value(self, p, q, *, player: str = "discriminator", lower: float = -np.inf,
                      upper: float = np.inf, epsabs: float = 1e-13, epsrel: float = 1e-12) -> float:
        """Value of the designed objective at the optimal discriminator ``t* = omega(q/p)`` by quadrature.

        ``player="discriminator"`` gives ``int p phi(t*) + q psi(t*) dx = int p d_dual(q/p)``;
        ``player="generator"`` gives ``int p alpha(t*) + q beta(t*) dx = int p d(q/p)``.
        ``p`` and ``q`` are 1-D distributions with ``logpdf`` (e.g. frozen ``scipy.stats`` objects).

        Examples
        --------
        >>> from scipy import stats; from kexue.gans import get_loss
        >>> round(get_loss("original").optimal_value(stats.norm(0, 1), stats.norm(1, 1)), 10)
        -0.4703042162
        """
        from scipy import integrate

        a, b = {"discriminator": ("phi", "psi"), "generator": ("alpha", "beta")}[
            _check_choice(player, "player", ("discriminator", "generator"))]
        for dist, nm in ((p, "p"), (q, "q")):
            if not hasattr(dist, "logpdf"):
                raise TypeError(f"{nm} must have a logpdf method (e.g. scipy.stats.norm(0, 1))")
        if "omega" in self._notes:
            raise ValueError(f"{self.name}: {self._notes['omega']}")

        def integrand(x):
            lp, lq = float(p.logpdf(x)), float(q.logpdf(x))
            with np.errstate(over="ignore"):
                t = self.evaluate("omega", np.exp(lq - lp))
            # a zero density times an infinite phi or psi contributes nothing
            val = 0.0
            if lp > -np.inf and np.exp(lp) > 0:
                val += np.exp(lp) * float(self.evaluate(a, t))
            if lq > -np.inf and np.exp(lq) > 0:
                val += np.exp(lq) * float(self.evaluate(b, t))
            return float(val)

        val, _ = integrate.quad(integrand, lower, upper, epsabs=epsabs, epsrel=epsrel, limit=500)
        return float(val)

    def describe(self) -> str:
        """Multi-line summary of the design (formulas and the range Omega)."""
        rows = [f"design {self.name} (Conclusion {self.conclusion}, activation {self.activation})"]
        for key in ("omega", "omega_inv", "rho", "phi", "psi", "alpha", "beta", "d", "d_dual"):
            rows.append(f"  {key:<9} = {getattr(self, key)}")
        rows.append(f"  omega(1)  = {self.omega_at_1:.6g};  psi_raw(omega(1)) = {self.psi_offset}")
        rows.append(f"  Omega     = ({self.omega_range[0]:.6g}, {self.omega_range[1]:.6g})")
        return "\n".join(rows)


def _nearest_to_one(bad: np.ndarray, r: np.ndarray) -> int | None:
    """Of the failing grid indices, the one closest to r = 1 (where a trained GAN operates)."""
    return int(bad[np.argmin(np.abs(np.log(r[bad])))]) if bad.size else None


def _first_non_increase(v: np.ndarray, r: np.ndarray) -> int | None:
    return _nearest_to_one(np.flatnonzero(~(np.diff(v) > 0)), r)


def _check_reduction(reduction: str) -> None:
    _check_choice(reduction, "reduction", _REDUCTIONS)


def _check_choice(value, name, choices):
    from kexue._validation import check_choice

    return check_choice(value, name, choices)


# ----------------------------------------------------------------------------------------- construction


class _NoClosedForm(ValueError):
    """sympy found no closed form; the design falls back to numeric quadrature."""


def _as_expr(x: Any, symbol: sympy.Symbol, name: str) -> sympy.Expr:
    try:
        expr = sympy.sympify(x)
    except (sympy.SympifyError, TypeError) as exc:
        raise TypeError(f"{name} must be a sympy expression or a callable, got {type(x).__name__}: {exc}") from None
    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"{name} must be a sympy expression, got {type(expr).__name__}")
    others = sorted(s.name for s in expr.free_symbols if s.name != symbol.name)
    if others:
        raise ValueError(f"{name} has free symbols {others}; {name} may only use the symbol {symbol.name!r} "
                         f"(substitute numbers for parameters, e.g. expr.subs(a, -1))")
    return expr.subs({s: symbol for s in expr.free_symbols})


def _solve_inverse(omega: sympy.Expr) -> sympy.Expr | None:
    """Closed-form ``omega^{-1}`` (the branch with ``omega^{-1}(omega(1)) = 1``), or None."""
    try:
        sols = sympy.solve(sympy.Eq(omega, T), R)
    except (NotImplementedError, ValueError):
        return None
    t1 = float(omega.subs(R, 1))
    for s in sols:
        try:
            if abs(complex(s.subs(T, t1)) - 1) < 1e-9 and abs(complex(s.subs(T, t1)).imag) < 1e-12:
                return sympy.simplify(s)
        except (TypeError, ValueError):
            continue
    return None


def _range(omega_np: Callable) -> tuple[float, float]:
    with np.errstate(all="ignore"):
        ends = omega_np(np.array([1e-300, 1e300]))
        lo = float(ends[0]) if np.isfinite(ends[0]) else -math.inf
        hi = float(ends[1]) if np.isfinite(ends[1]) else math.inf
    return lo, hi


def _symbolic_range(omega: sympy.Expr) -> tuple[float, float]:
    """``Omega = (omega(0+), omega(oo))`` by sympy limits."""
    lo, hi = sympy.limit(omega, R, 0, "+"), sympy.limit(omega, R, sympy.oo)
    return float(lo), float(hi)


def _integrate(expr: sympy.Expr, what: str, t1: sympy.Expr) -> sympy.Expr:
    """Antiderivative in t, real on Omega (checked at ``t1 = omega(1)``)."""
    out = sympy.integrate(expr, T)
    if out.has(sympy.Integral):
        raise _NoClosedForm(f"sympy found no closed form for {what} = int {expr} dt")
    if not sympy.N(out.subs(T, t1)).is_real:  # e.g. log(t - 1) at t < 1: take the real antiderivative
        out = sympy.re(out)
    return sympy.simplify(out)


def design_loss(omega: Any, rho: Any, *, alpha: Any = None, beta: Any = None, d_at_1: Any = 0,
                activation: str = "identity", name: str | None = None) -> LossDesign:
    """Design a GAN loss from the optimal-discriminator map ``omega`` and the density ``rho = psi'``.

    ``phi' = -omega^{-1}(t) rho(t)``, ``psi' = rho(t)``, ``psi`` shifted so ``psi(omega(1)) = 0`` and ``phi``
    so that ``phi(omega(1)) = d_at_1``; the discriminator maximises ``E_p[phi(t)] + E_q[psi(t)]``.
    Conclusion 1 (``alpha = beta = None``): the generator minimises ``E_q[psi(t)]``. Conclusion 2: it
    minimises ``E_q[beta(t)]``; if only one of ``alpha``, ``beta`` is given the other is 0.
    ``d(r) = alpha(omega(r)) + r beta(omega(r))`` is the divergence the generator sees at the optimum.

    Parameters
    ----------
    omega : sympy expression in a symbol named ``r``, or callable r -> t (numpy-vectorised if possible)
        Strictly increasing map from ``r = q/p`` to the optimal discriminator output.
    rho : sympy expression in ``t``, or callable t -> rho
        Positive on ``Omega = omega((0, inf))``.
    alpha, beta : sympy expressions in ``t`` or callables, optional
        Conclusion 2's generator functions.
    d_at_1 : number
        ``phi(omega(1))``, the discriminator's optimal value when ``q = p`` (the article's (a) has -log 2).
    activation : str
        Name of the map from raw logits to ``t`` (informational for user designs, which take ``t`` directly).
    name : str, optional

    Returns
    -------
    LossDesign
        With ``phi``, ``psi`` (in t) and ``d`` (in r) as sympy expressions for symbolic input, or as
        :class:`NumericFunction` objects (composite Gauss-Legendre quadrature) for callables.

    Examples
    --------
    >>> import sympy; from kexue.gans import design_loss
    >>> r, t = sympy.symbols("r t")
    >>> des = design_loss(sympy.log(r), 1 / (1 + sympy.exp(t)), d_at_1=-sympy.log(2))
    >>> des.check().ok
    True
    """
    if omega is None or rho is None:
        raise TypeError("omega and rho are required")
    parts = (omega, rho, alpha, beta)
    symbolic = not any(callable(x) and not isinstance(x, sympy.Basic) for x in parts)
    label = name or "custom"
    if symbolic:
        try:
            return _design_symbolic(omega, rho, alpha, beta, d_at_1, activation, label)
        except _NoClosedForm as exc:
            warnings.warn(f"{exc}; falling back to numeric quadrature", RuntimeWarning, stacklevel=2)
            fns = [None if x is None else _broadcasting(sympy.lambdify(s, _as_expr(x, s, n), "numpy"))
                   for x, s, n in ((omega, R, "omega"), (rho, T, "rho"), (alpha, T, "alpha"), (beta, T, "beta"))]
            return _design_numeric(*fns, float(sympy.sympify(d_at_1)), activation, label)
    return _design_numeric(omega, rho, alpha, beta, d_at_1, activation, label)


def _design_symbolic(omega, rho, alpha, beta, d_at_1, activation, name) -> LossDesign:
    omega = _as_expr(omega, R, "omega")
    rho = _as_expr(rho, T, "rho")
    d_at_1 = sympy.sympify(d_at_1)
    if d_at_1.free_symbols:
        raise ValueError(f"d_at_1 must be a number, got {d_at_1}")
    omega_inv = _solve_inverse(omega)
    if omega_inv is None:
        raise _NoClosedForm(f"sympy could not invert omega = {omega} in closed form")
    t1 = sympy.simplify(omega.subs(R, 1))
    psi_raw = _integrate(rho, "psi", t1)
    phi_raw = _integrate(-omega_inv * rho, "phi", t1)
    psi_offset = sympy.simplify(psi_raw.subs(T, t1))
    psi = sympy.simplify(psi_raw - psi_offset)
    phi = sympy.simplify(phi_raw - phi_raw.subs(T, t1) + d_at_1)
    if alpha is None and beta is None:
        conclusion, alpha_e, beta_e = 1, phi, psi
    else:
        conclusion = 2
        alpha_e = _as_expr(0 if alpha is None else alpha, T, "alpha")
        beta_e = _as_expr(0 if beta is None else beta, T, "beta")
    d_dual = _simplify_r(phi.subs(T, omega) + R * psi.subs(T, omega))
    d = d_dual if conclusion == 1 else _simplify_r(alpha_e.subs(T, omega) + R * beta_e.subs(T, omega))
    np_fns = {
        "omega": sympy.lambdify(R, omega, "numpy"),
        "omega_inv": sympy.lambdify(T, omega_inv, "numpy"),
        "rho": sympy.lambdify(T, rho, "numpy"),
        "phi": sympy.lambdify(T, phi, "numpy"),
        "psi": sympy.lambdify(T, psi, "numpy"),
        "alpha": sympy.lambdify(T, alpha_e, "numpy"),
        "beta": sympy.lambdify(T, beta_e, "numpy"),
        "d": sympy.lambdify(R, d, "numpy"),
        "d_dual": sympy.lambdify(R, d_dual, "numpy"),
    }
    np_fns = {k: _broadcasting(f) for k, f in np_fns.items()}
    return LossDesign(name=name, symbolic=True, omega=omega, omega_inv=omega_inv, rho=rho, phi=phi, psi=psi,
                      alpha=alpha_e, beta=beta_e, d=d, d_dual=d_dual, psi_offset=psi_offset,
                      omega_at_1=float(t1), omega_range=_symbolic_range(omega), conclusion=conclusion,
                      activation=activation, _np=np_fns)


def _simplify_r(expr: sympy.Expr) -> sympy.Expr:
    """Simplify a function of r > 0, preferring sums of logs to logs of products."""
    return sympy.expand_log(sympy.simplify(expr))


def _broadcasting(fn: Callable) -> Callable:
    """Lambdified constants return scalars; broadcast them to the input's shape."""

    def call(x):
        x = np.asarray(x, dtype=np.float64)
        return np.broadcast_to(np.asarray(fn(x), dtype=np.float64), x.shape).copy()

    return call


def _design_numeric(omega, rho, alpha, beta, d_at_1, activation, name) -> LossDesign:
    parts = {}
    for key, val, sym in (("omega", omega, R), ("rho", rho, T), ("alpha", alpha, T), ("beta", beta, T)):
        if val is None:
            parts[key] = None
        elif callable(val) and not isinstance(val, sympy.Basic):
            parts[key] = _vectorised(val, key)
        else:  # a sympy expression mixed with callables
            parts[key] = _broadcasting(sympy.lambdify(sym, _as_expr(val, sym, key), "numpy"))
    d_at_1 = float(d_at_1)
    om, rh = parts["omega"], parts["rho"]
    t1 = float(om(np.array(1.0)))
    if not np.isfinite(t1):
        raise ValueError(f"omega(1) = {t1} is not finite")

    def omega_inv(t):
        return _bisect_inverse(om, t)

    def psi(t):
        return _gauss_legendre_cumulative(rh, t, t1)

    def phi(t):
        return d_at_1 - _gauss_legendre_cumulative(lambda s: omega_inv(s) * rh(s), t, t1)

    if parts["alpha"] is None and parts["beta"] is None:
        conclusion, al, be = 1, phi, psi
    else:
        zero = _broadcasting(lambda t: 0.0)
        conclusion, al, be = 2, parts["alpha"] or zero, parts["beta"] or zero

    def d_dual(r):
        t = om(r)
        return phi(t) + np.asarray(r) * psi(t)

    def d(r):
        t = om(r)
        return al(t) + np.asarray(r) * be(t)

    np_fns = {"omega": om, "omega_inv": omega_inv, "rho": rh, "phi": phi, "psi": psi, "alpha": al, "beta": be,
              "d": d if conclusion == 2 else d_dual, "d_dual": d_dual}
    num = {k: NumericFunction(v, f"{k}") for k, v in np_fns.items()}
    return LossDesign(name=name, symbolic=False, omega=num["omega"], omega_inv=num["omega_inv"], rho=num["rho"],
                      phi=num["phi"], psi=num["psi"], alpha=num["alpha"], beta=num["beta"], d=num["d"],
                      d_dual=num["d_dual"], psi_offset=None, omega_at_1=t1, omega_range=_range(om),
                      conclusion=conclusion, activation=activation, _np=np_fns)
