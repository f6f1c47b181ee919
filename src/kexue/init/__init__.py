"""Initialisation seen geometrically (kexue.fm/archives/7180).

A matrix of i.i.d. zero-mean entries with variance 1/m is nearly orthogonal, which is why variance-scaling
initialisers (LeCun, the article's fan-out dual, Xavier, He) roughly preserve norms; an exact QR-orthogonal
matrix preserves them exactly. In-place initialisers follow ``torch.nn.init`` naming (trailing ``_``).

- :func:`variance_scaling_` and the named ``lecun_*_``, ``fan_out_*_``, ``xavier_*_``, ``he_*_``
- :func:`orthogonal_` -- (semi-)orthogonal by QR with sign fix
- :func:`calculate_gain`, :func:`second_moment_gain` -- activation gains
- :func:`initializer` -- a hook for ``module.apply``
- :func:`orthogonality_report`, :func:`propagate` -- diagnostics
"""

from kexue.init.diagnostics import (
    OrthogonalityReport,
    PropagationResult,
    marchenko_pastur_edges,
    orthogonality_report,
    propagate,
)
from kexue.init.gains import ACTIVATION_NAMES, calculate_gain, get_activation, second_moment_gain
from kexue.init.orthogonal import orthogonal_
from kexue.init.registry import INITIALIZERS, get_initializer, initializer
from kexue.init.variance_scaling import (
    TRUNCATED_NORMAL_VARIANCE,
    compute_fans,
    fan_out_normal_,
    fan_out_uniform_,
    he_normal_,
    he_uniform_,
    lecun_normal_,
    lecun_uniform_,
    variance_scaling_,
    xavier_normal_,
    xavier_uniform_,
)

__all__ = [
    "variance_scaling_", "lecun_normal_", "lecun_uniform_", "fan_out_normal_", "fan_out_uniform_",
    "xavier_normal_", "xavier_uniform_", "he_normal_", "he_uniform_", "orthogonal_",
    "compute_fans", "TRUNCATED_NORMAL_VARIANCE",
    "calculate_gain", "second_moment_gain", "get_activation", "ACTIVATION_NAMES",
    "INITIALIZERS", "get_initializer", "initializer",
    "orthogonality_report", "OrthogonalityReport", "marchenko_pastur_edges", "propagate", "PropagationResult",
]
