"""PyTorch backend: agreement with NumPy, gradcheck in float64, batching, dtype/device."""

import numpy as np
import pytest
import torch

from kexue.hsic import HSICLoss, cka, cka_torch, hsic, hsic_torch


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "linear"])
def test_matches_numpy(kernel, estimator):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 3))
    y = np.tanh(x[:, :2]) + 0.5 * rng.standard_normal((60, 2))
    t = hsic_torch(torch.tensor(x), torch.tensor(y), kernel_x=kernel, kernel_y=kernel, estimator=estimator)
    assert float(t) == pytest.approx(hsic(x, y, kernel_x=kernel, kernel_y=kernel, estimator=estimator), abs=1e-12)
    assert float(cka_torch(torch.tensor(x), torch.tensor(y))) == pytest.approx(cka(x, y), abs=1e-9)


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "linear"])
def test_gradcheck_float64(kernel, estimator):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(10, 2, dtype=torch.float64, generator=g, requires_grad=True)
    y = torch.randn(10, 1, dtype=torch.float64, generator=g, requires_grad=True)
    f = lambda a, b: hsic_torch(a, b, kernel_x=kernel, kernel_y=kernel, bandwidth_x=0.9,  # noqa: E731
                                bandwidth_y=1.3, estimator=estimator)
    assert torch.autograd.gradcheck(f, (x, y))
    assert torch.autograd.gradcheck(lambda a, b: cka_torch(a, b, bandwidth_x=0.9, bandwidth_y=1.3), (x, y))


def test_batched_reductions_dtype_and_device():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 4, 25, 2, generator=g)
    y = torch.randn(3, 4, 25, 1, generator=g)
    none = hsic_torch(x, y, reduction="none")
    assert none.shape == (3, 4) and none.dtype == torch.float32 and none.device == x.device
    assert float(hsic_torch(x[1, 2], y[1, 2])) == pytest.approx(float(none[1, 2]), rel=1e-5)
    assert float(hsic_torch(x, y, reduction="sum")) == pytest.approx(float(none.sum()), rel=1e-5)
    loss = HSICLoss(normalized=True)
    z = torch.randn(32, 8, generator=g, requires_grad=True)
    out = loss(z, z.detach() ** 2)
    out.backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()


def test_torch_validation():
    with pytest.raises(ValueError, match="same number"):
        hsic_torch(torch.randn(5, 2), torch.randn(6, 2))
    with pytest.raises(ValueError, match="reduction"):
        hsic_torch(torch.randn(5, 2), torch.randn(5, 2), reduction="avg")
    with pytest.raises(TypeError):
        hsic_torch(np.ones((5, 2)), torch.randn(5, 2))
