"""Where the GELU constants come from: Taylor and min-max fits of Φ by tanh and sigmoid forms.

* Taylor at 0 (article, "局部拟合"): match ``logit Φ(x)`` term by term. For ½(1 + tanh(a(x + c x³))) this gives
  ``a = √(2/π)`` and ``c = (4 − π)/(6π) = 0.0455399``; for σ(λx) it gives ``λ = 4/√(2π) = 1.59577``.
* Min-max (article, "混合拟合"/"全局拟合"): keep ``a = √(2/π)`` and choose c to minimise ``max |Φ − Φ̂|`` →
  ``c = 0.0447149`` (PyTorch's 0.044715); choose λ to minimise ``max |Φ − σ(λx)|`` → ``λ = 1.7017449``.

Note the criterion: these classic constants minimise the error of **Φ**. The error of GELU is ``x`` times the
error of Φ, so it peaks further out (x ≈ 2.7 for the tanh form) and is *not* minimised by them; pass
``target="gelu"`` to minimise the GELU error instead.
"""

from __future__ import annotations

import math

import numpy as np

from kexue._validation import check_choice, check_positive_int
from kexue.gelu.minimax import FAMILIES, TARGETS, Fit, fit_minimax, max_abs_error

CRITERIA = ("taylor", "minimax")

#: √(2/π), the slope that makes tanh forms match Φ to first order at 0
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def logit_phi_taylor(n_terms: int) -> np.ndarray:
    """Taylor coefficients of ``logit Φ(x) = log(Φ/(1 − Φ))`` at 0: ``[k1, k3, k5, …]`` of x, x³, x⁵, ….

    Uses ``Φ(x) − ½ = u(x) = (1/√(2π)) Σ_j (−1)^j x^(2j+1) / (2^j j! (2j+1))`` and
    ``logit(½ + u) = 2 artanh(2u) = Σ_m 2(2u)^(2m+1)/(2m+1)``, composed as truncated power series.

    Examples
    --------
    >>> k = logit_phi_taylor(2)
    >>> round(float(k[0]), 6), round(float(k[1] / k[0]), 7)   # 4/√(2π), and (4 − π)/(6π)
    (1.595769, 0.0455399)
    """
    n_terms = check_positive_int(n_terms, "n_terms")
    order = 2 * n_terms  # keep powers 0 … 2n − 1
    P = np.polynomial.polynomial
    u = np.zeros(order)
    for j in range(n_terms):
        u[2 * j + 1] = (-1) ** j / (2.0**j * math.factorial(j) * (2 * j + 1)) / math.sqrt(2.0 * math.pi)
    out = np.zeros(order)
    power = u.copy()  # u^(2m+1), truncated
    u2 = P.polymul(u, u)[:order]
    for m in range(n_terms):
        out += 2.0 * 2.0 ** (2 * m + 1) / (2 * m + 1) * power
        power = P.polymul(power, u2)[:order]
    return out[1::2].copy()


def _taylor_fit(family_name: str, theta: list[float], target: str) -> Fit:
    family = FAMILIES[family_name]
    err, arg = max_abs_error(family, theta, target)
    return Fit(family=family, params=dict(zip(family.params, map(float, theta))), fixed=(), criterion="taylor",
               target=target, max_error=err, argmax=arg)


def fit_tanh_cubic(criterion: str = "minimax", *, joint: bool = False, target: str = "phi") -> Fit:
    """Fit Φ(x) ≈ ½(1 + tanh(a(x + c x³))), the form behind ``F.gelu(x, approximate="tanh")``.

    Parameters
    ----------
    criterion : {"minimax", "taylor"}
        ``"taylor"``: match the Taylor series of Φ at 0 through x³ (a = √(2/π), c = (4 − π)/(6π)).
        ``"minimax"``: minimise the max error (certified Remez exchange, :func:`fit_minimax`).
    joint : bool
        Min-max only. ``False`` (the article's hybrid fit) keeps a = √(2/π) and fits c; ``True`` fits a and c.
    target : {"phi", "gelu"}
        Min-max only: minimise ``max |Φ − Φ̂|`` (the article's criterion, gives c = 0.0447149) or
        ``max |GELU − xΦ̂|``. Taylor fits report their error on this target.

    Returns
    -------
    Fit
        ``fit.params["a"]``, ``fit.params["c"]``, ``fit.max_error``, ``fit.argmax``.

    Examples
    --------
    >>> from kexue.gelu import fit_tanh_cubic
    >>> round(fit_tanh_cubic("taylor").params["c"], 7)
    0.0455399
    >>> round(fit_tanh_cubic("minimax").params["c"], 7)
    0.0447149
    """
    check_choice(criterion, "criterion", CRITERIA)
    check_choice(target, "target", TARGETS)
    if criterion == "taylor":
        if joint:
            raise ValueError("joint=True only applies to criterion='minimax' (Taylor fixes both a and c)")
        k1, k3 = logit_phi_taylor(2)
        # ½(1 + tanh(w)) = σ(2w), so 2a = k1 and 2ac = k3
        return _taylor_fit("tanh_cubic", [k1 / 2.0, k3 / k1], target)
    fixed = None if joint else {"a": SQRT_2_OVER_PI}
    return fit_minimax("tanh_cubic", target=target, fixed=fixed)


def fit_sigmoid(criterion: str = "minimax", *, target: str = "phi") -> Fit:
    """Fit Φ(x) ≈ σ(λx), the form behind ``x·σ(1.702x)`` (QuickGELU).

    Parameters
    ----------
    criterion : {"minimax", "taylor"}
        ``"minimax"`` minimises the max error (λ = 1.7017449 for target "phi", Bowling et al. 2009);
        ``"taylor"`` matches the slope at 0 (λ = 4/√(2π) = 1.59577).
    target : {"phi", "gelu"}
        Error minimised by the min-max fit (and reported by both).

    Returns
    -------
    Fit
        ``fit.params["lam"]``, ``fit.max_error``, ``fit.argmax``.

    Examples
    --------
    >>> from kexue.gelu import fit_sigmoid
    >>> round(fit_sigmoid().params["lam"], 7)
    1.7017449
    """
    check_choice(criterion, "criterion", CRITERIA)
    check_choice(target, "target", TARGETS)
    if criterion == "taylor":
        return _taylor_fit("sigmoid1", [logit_phi_taylor(1)[0]], target)
    return fit_minimax("sigmoid1", target=target)
