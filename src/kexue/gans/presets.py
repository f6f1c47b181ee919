"""Ready-made GAN losses: the article's examples (a)-(f) and the f-GAN family, in numerically stable forms.

Every preset is a :class:`~kexue.gans.design.LossDesign` derived symbolically by :func:`design_loss` (so its
``check()`` and formulas come from the recipe) whose torch losses are replaced by hand-written stable forms
of the raw logit ``v`` (softplus, expm1, log1p). The tests assert that both agree.

f-GAN presets use the log-ratio parametrisation ``omega(r) = log r`` (the logit estimates ``log q/p``) with
``rho(t) = e^t d''(e^t)`` for the divergence ``int p d(q/p)``, ``d(r) = r f(1/r)`` for the f-GAN generator ``f``
of ``D_f(P||Q) = int q f(p/q)`` (P = data). Then ``phi = d(r) - r d'(r)``, ``psi = d'(r)`` at ``r = e^t``, self-
normalised so that the optimal value is the divergence itself.

Exponential losses pass the logit through a soft clamp to ``[-20, 20]`` (ratios up to e^20 ~ 5e8), so every
loss stays finite for logits of any size, in float32 too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy

from kexue.gans.design import R, T, LossDesign, TorchForms, design_loss

#: the soft clamp's level for exponential losses: exp(3 * 20) stays far below float32's max
CLAMP = 20.0
LOG2 = math.log(2.0)


def soft_clamp(v, level: float = CLAMP):
    """Smooth clamp to ``[-level, level]``: ``v - softplus(v - level) + softplus(-v - level)``.

    Equals ``v`` up to ``exp(-(level - |v|))`` in the middle and saturates at the ends; finite for any v.
    """
    import torch.nn.functional as F

    return v - F.softplus(v - level) + F.softplus(-v - level)


@dataclass(frozen=True)
class PresetInfo:
    name: str
    family: str
    summary: str
    aliases: tuple[str, ...] = ()


def _softplus(x):
    import torch.nn.functional as F

    return F.softplus(x)


def _ident(v):
    return v


# ------------------------------------------------------------------------------------- article (a)-(f)

_RHO_A = 1 / (1 + sympy.exp(T))


def _original() -> LossDesign:
    des = design_loss(sympy.log(R), _RHO_A, d_at_1=-sympy.log(2), name="original")
    des._torch = TorchForms(phi=lambda v: -_softplus(v), psi=lambda v: LOG2 - _softplus(-v),
                            alpha=lambda v: -_softplus(v), beta=lambda v: LOG2 - _softplus(-v), log_ratio=_ident)
    return des


def _original_sigmoid() -> LossDesign:
    des = design_loss(R / (R + 1), 1 / T, d_at_1=-sympy.log(2), activation="sigmoid", name="original-sigmoid")
    # t = sigmoid(v): log(1 - t) = -softplus(v), log t = -softplus(-v), t / (1 - t) = e^v
    des._torch = TorchForms(phi=lambda v: -_softplus(v), psi=lambda v: LOG2 - _softplus(-v),
                            alpha=lambda v: -_softplus(v), beta=lambda v: LOG2 - _softplus(-v), log_ratio=_ident)
    return des


def _exponential() -> LossDesign:
    import torch

    des = design_loss(sympy.log(R) / 2, sympy.exp(-T), d_at_1=-1, activation="soft_clamp", name="exponential")

    def phi(v):
        return -torch.exp(soft_clamp(v))

    def psi(v):
        return -torch.expm1(-soft_clamp(v))

    des._torch = TorchForms(phi=phi, psi=psi, alpha=phi, beta=psi, log_ratio=lambda v: 2 * soft_clamp(v))
    return des


def _kl_generator() -> LossDesign:
    des = design_loss(sympy.log(R), _RHO_A, alpha=0, beta=T, d_at_1=-sympy.log(2), name="kl-generator")
    des._torch = TorchForms(phi=lambda v: -_softplus(v), psi=lambda v: LOG2 - _softplus(-v),
                            alpha=lambda v: 0 * v, beta=_ident, log_ratio=_ident)
    return des


def _nonsaturating() -> LossDesign:
    sp = sympy.log(1 + sympy.exp(T))
    des = design_loss(sympy.log(R), _RHO_A, alpha=sp, beta=sp, d_at_1=-sympy.log(2), name="nonsaturating")
    des._torch = TorchForms(phi=lambda v: -_softplus(v), psi=lambda v: LOG2 - _softplus(-v),
                            alpha=_softplus, beta=_softplus, log_ratio=_ident)
    return des


def _lsgan(a: float = -1.0, b: float = 1.0) -> LossDesign:
    import torch

    if not b > a:
        raise ValueError(f"LSGAN needs b > a, got a={a}, b={b}")
    a_, b_ = sympy.nsimplify(a), sympy.nsimplify(b)
    beta = ((2 * T - a_ - b_) / (b_ - a_)) ** 2
    t1 = (a_ + b_) / 2
    des = design_loss((a_ + b_ * R) / (1 + R), 2 * (b_ - T), alpha=beta, beta=beta, d_at_1=-(t1 - a_) ** 2,
                      name="lsgan")
    shift = ((b - a) / 2) ** 2

    def beta_t(v):
        return ((2 * v - a - b) / (b - a)) ** 2

    def log_ratio(v):
        # r = (t - a) / (b - t) exists only inside Omega = (a, b); outside it reads 0 or infinity
        t = torch.clamp(v, a, b)
        return torch.log(t - a) - torch.log(b - t)

    des._torch = TorchForms(phi=lambda v: -(v - a) ** 2, psi=lambda v: shift - (v - b) ** 2,
                            alpha=beta_t, beta=beta_t, log_ratio=log_ratio)
    return des


# ------------------------------------------------------------------------------------- f-GAN family


def _fgan(name: str, d: sympy.Expr, phi: Callable, psi: Callable, *, clamp: bool) -> LossDesign:
    """f-GAN preset for ``int p d(q/p)`` in the log-ratio parametrisation (see the module docstring)."""
    rho = sympy.simplify((sympy.exp(T) * sympy.diff(d, R, 2)).subs(R, sympy.exp(T)))
    des = design_loss(sympy.log(R), rho, d_at_1=d.subs(R, 1), activation="soft_clamp" if clamp else "identity",
                      name=name)
    act = soft_clamp if clamp else _ident
    des._torch = TorchForms(phi=lambda v: phi(act(v)), psi=lambda v: psi(act(v)),
                            alpha=lambda v: phi(act(v)), beta=lambda v: psi(act(v)), log_ratio=act)
    return des


def _kl() -> LossDesign:
    import torch

    return _fgan("kl", -sympy.log(R), lambda t: -t, lambda t: -torch.expm1(-t), clamp=True)


def _reverse_kl() -> LossDesign:
    import torch

    return _fgan("reverse-kl", R * sympy.log(R), lambda t: -torch.expm1(t), _ident, clamp=True)


def _js() -> LossDesign:
    d = (R * sympy.log(R) - (1 + R) * sympy.log((1 + R) / 2)) / 2
    return _fgan("js", d, lambda t: (LOG2 - _softplus(t)) / 2, lambda t: (LOG2 - _softplus(-t)) / 2, clamp=False)


def _gan() -> LossDesign:
    # int p d(q/p) = 2 JS - log 4: (a)'s d minus log 2, so d(1) = -log 4 and d'(1) = 0
    d = R * sympy.log(R) - (1 + R) * sympy.log(1 + R) + (R - 1) * sympy.log(2)
    return _fgan("gan", d, lambda t: -_softplus(t) - LOG2, lambda t: LOG2 - _softplus(-t), clamp=False)


def _pearson() -> LossDesign:
    import torch

    return _fgan("pearson", (1 - R) ** 2 / R, lambda t: 2 * torch.expm1(-t), lambda t: -torch.expm1(-2 * t),
                 clamp=True)


def _neyman() -> LossDesign:
    import torch

    return _fgan("neyman", (R - 1) ** 2, lambda t: -torch.expm1(2 * t), lambda t: 2 * torch.expm1(t), clamp=True)


def _squared_hellinger() -> LossDesign:
    import torch

    return _fgan("squared-hellinger", (sympy.sqrt(R) - 1) ** 2, lambda t: -torch.expm1(t / 2),
                 lambda t: -torch.expm1(-t / 2), clamp=True)


def _jeffrey() -> LossDesign:
    import torch

    return _fgan("jeffrey", (R - 1) * sympy.log(R), lambda t: -t - torch.expm1(t), lambda t: t - torch.expm1(-t),
                 clamp=True)


def _alpha(alpha: float = 0.5) -> LossDesign:
    import torch

    alpha = float(alpha)
    if not (-2.0 <= alpha <= 3.0) or alpha in (0.0, 1.0):
        raise ValueError(f"alpha must lie in [-2, 3] and differ from 0 and 1 (the KL limits), got {alpha}")
    a = sympy.nsimplify(alpha)
    d = (R ** (1 - a) - R - a + a * R) / (a * (a - 1))
    des = _fgan(f"alpha:{alpha:g}", d, lambda t: torch.expm1((1 - alpha) * t) / (alpha - 1),
                lambda t: -torch.expm1(-alpha * t) / alpha, clamp=True)
    return des


def _total_variation() -> LossDesign:
    """TV is a limit of the recipe: the optimal critic ``t* = sign(r - 1)`` is a step, not a strictly
    increasing ``omega``. The pair ``phi = -t/2``, ``psi = t/2`` on ``[-1, 1]`` gives ``d = |r - 1| / 2``."""
    import torch

    phi, psi = -T / 2, T / 2
    d = sympy.Abs(R - 1) / 2
    lam = {
        "rho": lambda t: np.full(np.shape(t), 0.5),
        "phi": sympy.lambdify(T, phi, "numpy"), "psi": sympy.lambdify(T, psi, "numpy"),
        "alpha": sympy.lambdify(T, phi, "numpy"), "beta": sympy.lambdify(T, psi, "numpy"),
        "d": sympy.lambdify(R, d, "numpy"), "d_dual": sympy.lambdify(R, d, "numpy"),
    }
    des = LossDesign(name="total-variation", symbolic=True, omega=None, omega_inv=sympy.Integer(1),
                     rho=sympy.Rational(1, 2), phi=phi, psi=psi, alpha=phi, beta=psi, d=d, d_dual=d,
                     psi_offset=sympy.Integer(0), omega_at_1=0.0, omega_range=(-1.0, 1.0), conclusion=1,
                     activation="tanh", _np=lam)
    des._notes["omega"] = ("-phi'/psi' = 1 for every t, so no strictly increasing omega exists; the optimal "
                           "critic is the step t* = sign(r - 1) and TV is only a limit of the recipe")
    des._notes["omega_point"] = "0"
    des._torch = TorchForms(phi=lambda v: -torch.tanh(v) / 2, psi=lambda v: torch.tanh(v) / 2,
                            alpha=lambda v: -torch.tanh(v) / 2, beta=lambda v: torch.tanh(v) / 2, log_ratio=None)
    return des


_BUILDERS: dict[str, tuple[Callable[..., LossDesign], PresetInfo]] = {
    "original": (_original, PresetInfo("original", "article", "(a) original GAN, omega = log r, saturating G",
                                       ("a",))),
    "original-sigmoid": (_original_sigmoid, PresetInfo("original-sigmoid", "article",
                                                       "(b) original GAN with t = r/(r+1) in (0, 1)", ("b",))),
    "exponential": (_exponential, PresetInfo("exponential", "article",
                                             "(c) exponential / Hellinger GAN, -E_p e^t - E_q e^-t", ("c",))),
    "kl-generator": (_kl_generator, PresetInfo("kl-generator", "article",
                                               "(d) D as (a), G minimises E_q[t]: KL(q||p)", ("d",))),
    "nonsaturating": (_nonsaturating, PresetInfo("nonsaturating", "article",
                                                 "(e) D as (a), G minimises E_q softplus(t)", ("e",))),
    "lsgan": (_lsgan, PresetInfo("lsgan", "article", "(f) LSGAN, a=-1, b=1 (beta o omega not monotone)", ("f",))),
    "kl": (_kl, PresetInfo("kl", "f-GAN", "KL(p||q) = int p log(p/q)")),
    "reverse-kl": (_reverse_kl, PresetInfo("reverse-kl", "f-GAN", "KL(q||p) = int q log(q/p)")),
    "js": (_js, PresetInfo("js", "f-GAN", "Jensen-Shannon")),
    "gan": (_gan, PresetInfo("gan", "f-GAN", "2 JS - log 4 (Goodfellow's objective)")),
    "pearson": (_pearson, PresetInfo("pearson", "f-GAN", "Pearson chi2(p||q) = int (p-q)^2/q")),
    "neyman": (_neyman, PresetInfo("neyman", "f-GAN", "Neyman chi2(p||q) = int (p-q)^2/p")),
    "squared-hellinger": (_squared_hellinger, PresetInfo("squared-hellinger", "f-GAN",
                                                         "int (sqrt p - sqrt q)^2")),
    "jeffrey": (_jeffrey, PresetInfo("jeffrey", "f-GAN", "KL(p||q) + KL(q||p)")),
    "total-variation": (_total_variation, PresetInfo("total-variation", "f-GAN",
                                                     "1/2 int |p - q| (a limit of the recipe)", ("tv",))),
    "alpha": (_alpha, PresetInfo("alpha", "f-GAN", "alpha-divergence, 'alpha:A' with A in [-2, 3] \\ {0, 1}")),
}

_ALIASES = {alias: name for name, (_, info) in _BUILDERS.items() for alias in info.aliases}


def list_losses() -> list[PresetInfo]:
    """All preset names with their family and a one-line summary."""
    return [info for _, info in _BUILDERS.values()]


def _parse(name: str) -> tuple[str, dict]:
    if not isinstance(name, str):
        raise TypeError(f"loss name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    params: dict = {}
    if ":" in key:
        key, _, arg = key.partition(":")
        if key != "alpha":
            raise ValueError(f"only the alpha preset takes a parameter ('alpha:0.5'), got {name!r}")
        try:
            params["alpha"] = float(arg)
        except ValueError:
            raise ValueError(f"bad alpha value in {name!r}; write e.g. 'alpha:0.5'") from None
    key = _ALIASES.get(key, key)
    if key not in _BUILDERS:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(_BUILDERS)} (or a-f, 'alpha:0.5')")
    return key, params


@lru_cache(maxsize=64)
def _cached(key: str, params: tuple) -> LossDesign:
    return _BUILDERS[key][0](**dict(params))


def get_loss(name: str, **params) -> LossDesign:
    """A preset loss by name: ``original`` .. ``lsgan`` (or ``a`` .. ``f``), the f-GAN family, ``alpha:A``.

    Examples
    --------
    >>> import torch; from kexue.gans import get_loss
    >>> ns = get_loss("nonsaturating")
    >>> ns.generator_loss(torch.tensor([1e4, -1e4]))   # finite for huge logits
    tensor(5000.)
    """
    key, parsed = _parse(name)
    parsed.update(params)
    return _cached(key, tuple(sorted(parsed.items())))
