"""Thin ``nn.Module`` wrappers around a designed loss (for code that composes losses as modules)."""

from __future__ import annotations

import torch

from kexue.gans.design import LossDesign
from kexue.gans.presets import get_loss


def _resolve(loss: str | LossDesign) -> LossDesign:
    if isinstance(loss, LossDesign):
        return loss
    return get_loss(loss)


class DiscriminatorLoss(torch.nn.Module):
    """``-(E_p[phi(t)] + E_q[psi(t)])`` of a preset name or a :class:`LossDesign`, from logits.

    Examples
    --------
    >>> crit = DiscriminatorLoss("nonsaturating")
    >>> crit(torch.zeros(3), torch.zeros(3))
    tensor(0.6931)
    """

    def __init__(self, loss: str | LossDesign = "nonsaturating", reduction: str = "mean"):
        super().__init__()
        self.design = _resolve(loss)
        self.reduction = reduction

    def forward(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        return self.design.discriminator_loss(real_logits, fake_logits, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"loss={self.design.name!r}, reduction={self.reduction!r}"


class GeneratorLoss(torch.nn.Module):
    """``E_q[beta(t)]`` of a preset name or a :class:`LossDesign`, from the logits of generated samples."""

    def __init__(self, loss: str | LossDesign = "nonsaturating", reduction: str = "mean"):
        super().__init__()
        self.design = _resolve(loss)
        self.reduction = reduction

    def forward(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return self.design.generator_loss(fake_logits, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"loss={self.design.name!r}, reduction={self.reduction!r}"
