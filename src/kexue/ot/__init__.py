"""Exact optimal transport: ``emd`` for one problem, ``emd_batch`` for many.

Formulas
--------
``EMD(a, b, C) = min Σ γ_ij C_ij`` over plans ``γ ≥ 0`` with row sums ``a`` and column sums ``b``.
"""

from kexue.ot.batch import emd_batch
from kexue.ot.emd import emd
from kexue.ot.masses import check_masses, normalise_weights

__all__ = ["emd", "emd_batch", "check_masses", "normalise_weights"]
