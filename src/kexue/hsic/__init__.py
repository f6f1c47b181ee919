"""HSIC: kernel dependence measures, independence tests, large-n approximations and a PyTorch loss.

From Su Jianlin's "HSIC简介" (kexue.fm/archives/6910); formulas in ``docs/hsic.md``.

>>> import numpy as np
>>> from kexue.hsic import hsic, hsic_test
>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal(300)
>>> hsic_test(x, np.sin(3 * x) + 0.3 * rng.standard_normal(300)).pvalue < 0.001
True
"""

from kexue.hsic.approximations import hsic_block, hsic_nystrom, hsic_rff
from kexue.hsic.estimators import cka, cka_gram, hsic, hsic_gram
from kexue.hsic.independence_test import HSICTestResult, hsic_test, hsic_test_gram
from kexue.hsic.kernels import (CallableKernel, DeltaKernel, GaussianKernel, Kernel, LaplaceKernel, LinearKernel,
                                PolynomialKernel, ProductKernel, gram_matrix, make_kernel)

__all__ = [
    "hsic", "cka", "hsic_gram", "cka_gram", "hsic_test", "hsic_test_gram", "HSICTestResult",
    "hsic_rff", "hsic_nystrom", "hsic_block",
    "Kernel", "GaussianKernel", "LaplaceKernel", "LinearKernel", "PolynomialKernel", "DeltaKernel",
    "ProductKernel", "CallableKernel", "gram_matrix", "make_kernel",
    "hsic_torch", "cka_torch", "gram_torch", "HSICLoss",
]

_TORCH_NAMES = {"hsic_torch", "cka_torch", "gram_torch", "HSICLoss"}


def __getattr__(name):  # the torch backend is imported on first use, so `import kexue.hsic` stays light
    if name in _TORCH_NAMES:
        from kexue.hsic import torch_backend

        return getattr(torch_backend, name)
    raise AttributeError(f"module 'kexue.hsic' has no attribute {name!r}")
