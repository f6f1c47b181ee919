"""Exact gluing solver vs the article's grid method and vs adaptive quadrature (scipy.integrate.quad).

Run: PYTHONPATH=src python benchmarks/bench_ellipses.py
Prints, for a = 2, b = 1, the time and the error of x(l) and V for each method (error against the
reference values in the docs); the quad route uses brentq for the partner angle at every node.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import ellipe, ellipeinc

from kexue.ellipses import EllipseArc, glue
from kexue.ellipses.gluing import _Pairing
from kexue.ellipses.grid_method import grid_glue

REF = {"length": 1.5697573788, "volume": 3.1674635919}


def quad_reference(a: float, b: float):
    m = 1 - (b / a) ** 2
    l = a * ellipe(m)
    s = lambda t: a * (ellipe(m) - ellipeinc(np.pi / 2 - t, m))
    speed = lambda t: np.sqrt(a**2 * np.sin(t) ** 2 + b**2 * np.cos(t) ** 2)
    hp = lambda t: b * np.cos(t) / speed(t)

    def partner(t):
        target = l - s(t)
        return float(np.clip(brentq(lambda u: s(u) - target, 0, np.pi / 2, xtol=1e-15) if 0 < target < l
                             else (0.0 if target <= 0 else np.pi / 2), 0, np.pi / 2))

    root = lambda t: np.sqrt(max(1 - hp(t) ** 2 - hp(partner(t)) ** 2, 0.0))
    length = quad(lambda t: root(t) * speed(t), 0, np.pi / 2, epsabs=1e-13, limit=200)[0]
    vol = quad(lambda t: 4 * b * b * np.sin(t) * np.sin(partner(t)) * root(t) * speed(t), 0, np.pi / 2,
               epsabs=1e-13, limit=200)[0]
    return length, vol


def timed(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def main() -> None:
    rows = []
    r, t_ours = timed(lambda: glue(2, 1))
    rows.append(("kexue glue: everything (+ D scan, lemma, isometry)", t_ours, r.length, r.volume))
    arc = EllipseArc(2, 1)
    core, t = timed(lambda: _Pairing(arc, arc).integrate(np.array([0.0, arc.span])))
    rows.append(("kexue: x(l) and V only (Gauss-Legendre in t)", t, core["x"][-1], core["volume"][-1]))
    (ql, qv), t = timed(lambda: quad_reference(2, 1), repeat=1)
    rows.append(("scipy quad + brentq per node", t, ql, qv))
    for h in (1e-4, 1e-5, 1e-6):
        g, t = timed(lambda: grid_glue(2, 1, h))
        rows.append((f"article's grid method, h = {h:g}", t, g.length, g.volume))
    print(f"{'method':<55}{'time [s]':>10}{'x(l) error':>13}{'V error':>13}{'time / ours':>13}")
    for name, t, length, vol in rows:
        print(f"{name:<55}{t:>10.3f}{length - REF['length']:>13.2e}{vol - REF['volume']:>13.2e}{t / t_ours:>13.1f}")


if __name__ == "__main__":
    main()
