"""GAN losses designed from a likelihood ratio (kexue.fm/archives/7210): a checked loss factory,
the article's presets (a)-(f), the f-GAN family, and small CPU training demos.

Convention: p = data, q = generator, r = q/p; the discriminator's logit grows with q/p.
"""

from kexue.gans.design import CheckReport, Condition, LossDesign, NumericFunction, design_loss
from kexue.gans.modules import DiscriminatorLoss, GeneratorLoss
from kexue.gans.presets import CLAMP, PresetInfo, get_loss, list_losses, soft_clamp

__all__ = ["design_loss", "LossDesign", "CheckReport", "Condition", "NumericFunction", "get_loss",
           "list_losses", "PresetInfo", "soft_clamp", "CLAMP", "DiscriminatorLoss", "GeneratorLoss"]
