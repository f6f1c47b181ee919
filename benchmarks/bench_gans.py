"""Timed comparison: kexue.gans preset losses vs the peer formulation in plain PyTorch.

* nonsaturating (e) vs torch.nn.functional.binary_cross_entropy_with_logits (the usual non-saturating GAN);
* every preset's stable form vs the formula lambdified straight from sympy (same math, no softplus/expm1):
  time per call and whether each stays finite at logits of +-100 and +-1e4 in float32.

Run: PYTHONPATH=src python benchmarks/bench_gans.py
"""

from __future__ import annotations

import math
import timeit

import torch

from kexue.gans import get_loss, list_losses, soft_clamp
from kexue.gans.design import _torch_from_sympy

torch.set_num_threads(1)
ACT = {"identity": lambda v: v, "sigmoid": torch.sigmoid, "soft_clamp": soft_clamp, "tanh": torch.tanh}


def bench(fn, number=200):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main():
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(4096, generator=gen)
    fake = torch.randn(4096, generator=gen)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ns = get_loss("nonsaturating")
    ours = bench(lambda: ns.discriminator_loss(real, fake) + ns.generator_loss(fake))
    peer = bench(lambda: bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake))
                 + bce(fake, torch.zeros_like(fake)))
    diff = float((ns.discriminator_loss(real, fake) + ns.generator_loss(fake))
                 - (bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake)) - math.log(2)
                    + bce(fake, torch.zeros_like(fake))))
    print(f"nonsaturating D+G loss, 4096 logits: kexue {ours:.1f} us, torch BCE {peer:.1f} us, "
          f"ratio {ours / peer:.2f}, value difference {diff:.2e}")
    print()
    print(f"{'preset':>18} | stable us | sympy us | ratio | finite @100 stable/sympy | finite @1e4 stable/sympy")
    for info in list_losses():
        name = info.name if info.name != "alpha" else "alpha:0.5"
        des = get_loss(name)
        act = ACT[des.activation]
        naive = {k: _torch_from_sympy(getattr(des, k)) for k in ("phi", "psi", "beta")}

        def stable_loss(v, des=des):
            return des.discriminator_loss(v, v) + des.generator_loss(v)

        def naive_loss(v, naive=naive, act=act):
            t = act(v)
            return -(naive["phi"](t).mean() + naive["psi"](t).mean()) + naive["beta"](t).mean()

        t_s, t_n = bench(lambda: stable_loss(real)), bench(lambda: naive_loss(real))
        fin = []
        for big in (100.0, 1e4):
            v = torch.tensor([-big, big], dtype=torch.float32)
            with torch.no_grad():
                fin.append(f"{bool(torch.isfinite(stable_loss(v)))}/{bool(torch.isfinite(naive_loss(v)))}")
        print(f"{des.name:>18} | {t_s:9.1f} | {t_n:8.1f} | {t_s / t_n:5.2f} | {fin[0]:>24} | {fin[1]:>23}")


if __name__ == "__main__":
    main()
