"""``GELU``: a ``torch.nn.Module`` for every form of :func:`kexue.gelu.gelu`."""

from __future__ import annotations

import torch

from kexue.gelu.functional import _form, gelu
from kexue.gelu.names import resolve_activation


class GELU(torch.nn.Module):
    """``torch.nn.GELU`` with every form of :func:`kexue.gelu.gelu`.

    Parameters
    ----------
    approximate : str
        As in :func:`kexue.gelu.gelu` (default ``"none"``, like PyTorch).

    Examples
    --------
    >>> import torch
    >>> from kexue.gelu import GELU
    >>> act = GELU.from_name("gelu_new", framework="huggingface")
    >>> act
    GELU(approximate='tanh')
    >>> act(torch.zeros(2))
    tensor([0., 0.])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = _form(approximate).name

    @classmethod
    def from_name(cls, name: str, framework: str) -> "GELU":
        """The module for an activation as ``framework`` names it (see :func:`kexue.gelu.resolve_activation`)."""
        return cls(resolve_activation(name, framework))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"
