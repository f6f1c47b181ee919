"""The presets' stable torch losses: equal to the derived formulas, finite for huge logits, torch-style API."""

import math

import pytest
import torch

from kexue.gans import get_loss, list_losses, soft_clamp
from kexue.gans.design import _torch_from_sympy

NAMES = [i.name for i in list_losses() if i.name != "alpha"] + ["alpha:0.5", "alpha:-1", "alpha:2.5"]
ACTIVATIONS = {"identity": lambda v: v, "sigmoid": torch.sigmoid, "soft_clamp": soft_clamp, "tanh": torch.tanh}


@pytest.mark.parametrize("name", NAMES)
def test_stable_forms_equal_the_derived_formulas(name):
    des = get_loss(name)
    v = torch.linspace(-12, 12, 97, dtype=torch.float64)
    if des.activation == "identity" and des.name == "lsgan":
        v = torch.linspace(-0.99, 0.99, 97, dtype=torch.float64)
    t = ACTIVATIONS[des.activation](v)
    forms = des._torch_forms()
    for key in ("phi", "psi", "alpha", "beta"):
        derived = _torch_from_sympy(getattr(des, key))(t)
        torch.testing.assert_close(getattr(forms, key)(v), derived, rtol=1e-9, atol=1e-9, msg=f"{name}.{key}")
    if forms.log_ratio is not None:
        derived = _torch_from_sympy(__import__("sympy").log(des.omega_inv))(t)
        torch.testing.assert_close(des.log_ratio(v), derived, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", NAMES)
def test_losses_and_gradients_stay_finite_for_huge_logits(name, dtype):
    des = get_loss(name)
    v = torch.tensor([-1e4, -300.0, -30.0, 0.0, 30.0, 300.0, 1e4], dtype=dtype, requires_grad=True)
    loss = des.discriminator_loss(v, v.flip(0)) + des.generator_loss(v)
    assert loss.dtype == dtype and torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(v.grad).all()


def test_reductions_and_pairs():
    des = get_loss("nonsaturating")
    real, fake = torch.randn(5), torch.randn(7)
    lr, lf = des.discriminator_loss(real, fake, reduction="none")
    assert lr.shape == (5,) and lf.shape == (7,)
    torch.testing.assert_close(des.discriminator_loss(real, fake), lr.mean() + lf.mean())
    torch.testing.assert_close(des.discriminator_loss(real, fake, reduction="sum"), lr.sum() + lf.sum())
    assert des.generator_loss(fake, reduction="none").shape == (7,)


def test_nonsaturating_matches_binary_cross_entropy():
    """(e) is the usual non-saturating GAN with the fake class labelled 1 (independent reference: torch BCE)."""
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    des = get_loss("nonsaturating")
    real, fake = torch.randn(64, dtype=torch.float64), torch.randn(64, dtype=torch.float64)
    d_ref = bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake)) - math.log(2)
    torch.testing.assert_close(des.discriminator_loss(real, fake), d_ref)
    torch.testing.assert_close(des.generator_loss(fake), bce(fake, torch.zeros_like(fake)))


def test_readout_recovers_the_ratio_at_the_optimum():
    r = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    for name in ("original", "nonsaturating", "kl", "pearson", "jeffrey"):
        torch.testing.assert_close(get_loss(name).ratio(torch.log(r)), r)
    torch.testing.assert_close(get_loss("exponential").ratio(torch.log(r) / 2), r)
    torch.testing.assert_close(get_loss("lsgan").ratio((r - 1) / (r + 1)), r)
    torch.testing.assert_close(get_loss("original-sigmoid").ratio(torch.log(r)), r)


def test_generic_design_losses_use_autograd():
    import sympy

    from kexue.gans import design_loss
    from kexue.gans.design import R, T

    des = design_loss(sympy.log(R) / 2, sympy.exp(-T), d_at_1=-1)
    v = torch.tensor([0.5, -0.25], dtype=torch.float64, requires_grad=True)
    des.discriminator_loss(v[:1], v[1:]).backward()
    # d/dv of -phi(v) = e^v and of -psi(v) = -rho(v) = -e^-v
    torch.testing.assert_close(v.grad, torch.tensor([math.exp(0.5), -math.exp(0.25)], dtype=torch.float64))


def test_bad_logits_are_rejected():
    des = get_loss("original")
    with pytest.raises(TypeError, match="torch.Tensor"):
        des.generator_loss([0.0, 1.0])
    with pytest.raises(TypeError, match="floating"):
        des.generator_loss(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="NaN"):
        des.discriminator_loss(torch.tensor([float("nan")]), torch.zeros(1))
    with pytest.raises(ValueError, match="reduction"):
        des.generator_loss(torch.zeros(2), reduction="avg")


def test_module_wrappers():
    from kexue.gans import DiscriminatorLoss, GeneratorLoss

    real, fake = torch.randn(6, requires_grad=True), torch.randn(6)
    des = get_loss("lsgan")
    torch.testing.assert_close(DiscriminatorLoss("f")(real, fake), des.discriminator_loss(real, fake))
    torch.testing.assert_close(GeneratorLoss(des, reduction="sum")(fake), des.generator_loss(fake, reduction="sum"))
    DiscriminatorLoss("lsgan")(real, fake).backward()
    assert real.grad is not None
    assert "lsgan" in repr(GeneratorLoss("f"))
