"""Variance-scaling, orthogonal initialisers and gains, against closed forms and torch.nn.init."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from kexue.init import (
    INITIALIZERS,
    TRUNCATED_NORMAL_VARIANCE,
    calculate_gain,
    compute_fans,
    fan_out_normal_,
    he_normal_,
    he_uniform_,
    initializer,
    lecun_normal_,
    orthogonal_,
    second_moment_gain,
    variance_scaling_,
    xavier_normal_,
    xavier_uniform_,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("shape", [(7, 5), (5, 7), (16, 8, 3, 3), (4, 6, 5)])
def test_fans_match_torch(shape):
    assert compute_fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_truncated_normal_constant():
    # reference §3.1 (kexue.fm/archives/8620): γ = 0.7737413
    assert TRUNCATED_NORMAL_VARIANCE == pytest.approx(stats.truncnorm(-2, 2).var(), rel=1e-12)
    assert round(TRUNCATED_NORMAL_VARIANCE, 7) == 0.7737413


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["normal", "truncated_normal", "uniform"])
def test_variance_scaling_variance(mode, distribution):
    w = variance_scaling_(torch.empty(600, 400), scale=2.0, mode=mode, distribution=distribution,
                          generator=gen())
    fan = {"fan_in": 400, "fan_out": 600, "fan_avg": 500}[mode]
    target = 2.0 / fan
    # sample variance of 240k draws: relative error ≈ √(2/240000) ≈ 0.3 %
    assert w.double().var().item() == pytest.approx(target, rel=0.02)
    assert abs(w.double().mean().item()) < 4 * math.sqrt(target / w.numel())
    bound = w.abs().max().item()
    if distribution == "uniform":
        assert bound <= math.sqrt(3 * target) and bound > 0.99 * math.sqrt(3 * target)
    if distribution == "truncated_normal":
        assert bound <= 2 * math.sqrt(target / TRUNCATED_NORMAL_VARIANCE) + 1e-7


def test_named_initialisers_match_torch_conventions():
    shape = (300, 500)
    cases = [
        (lambda t: xavier_normal_(t, gain=2.0, generator=gen()), torch.nn.init.xavier_normal_, {"gain": 2.0}),
        (lambda t: xavier_uniform_(t, generator=gen()), torch.nn.init.xavier_uniform_, {}),
        (lambda t: he_normal_(t, generator=gen()), torch.nn.init.kaiming_normal_, {"nonlinearity": "relu"}),
        (lambda t: he_uniform_(t, mode="fan_out", negative_slope=0.2, generator=gen()),
         torch.nn.init.kaiming_uniform_, {"a": 0.2, "mode": "fan_out"}),
    ]
    for ours, theirs, kwargs in cases:
        a = ours(torch.empty(shape)).double()
        b = theirs(torch.empty(shape), **kwargs).double()
        assert a.var().item() == pytest.approx(b.var().item(), rel=0.03)
    assert lecun_normal_(torch.empty(shape), generator=gen()).var().item() == pytest.approx(1 / 500, rel=0.02)
    assert fan_out_normal_(torch.empty(shape), generator=gen()).var().item() == pytest.approx(1 / 300, rel=0.02)


def test_dtype_device_and_reproducibility():
    w = torch.empty(32, 16, dtype=torch.float16)
    assert lecun_normal_(w, generator=gen(1)) is w and w.dtype == torch.float16
    a = xavier_uniform_(torch.empty(8, 8), generator=gen(3))
    b = xavier_uniform_(torch.empty(8, 8), generator=gen(3))
    assert torch.equal(a, b)
    p = torch.nn.Parameter(torch.empty(10, 10))
    orthogonal_(p)
    assert p.requires_grad and p.grad is None


@pytest.mark.parametrize("shape", [(256, 256), (300, 100), (100, 300), (32, 16, 3, 3)])
def test_orthogonal_float32_is_exact_to_1e6(shape):
    w = orthogonal_(torch.empty(shape, dtype=torch.float32), generator=gen())
    mat = w.reshape(shape[0], -1)
    gram = mat.T @ mat if mat.shape[0] >= mat.shape[1] else mat @ mat.T
    err = (gram - torch.eye(gram.shape[0])).abs().max().item()  # float32 arithmetic throughout
    assert err < 1e-6


def test_orthogonal_gain_and_haar_sign_fix():
    w = orthogonal_(torch.empty(20, 20, dtype=torch.float64), gain=3.0)
    assert torch.allclose(w.T @ w, 9 * torch.eye(20, dtype=torch.float64), atol=1e-12)
    # With the sign fix Q is Haar: every entry has mean 0 and variance 1/n. Without it the law of Q follows
    # LAPACK's sign convention (Householder makes R_00 = −sign(A_00)‖A e_1‖, so Q_00 ≤ 0 always).
    g = gen(5)
    q00 = np.array([orthogonal_(torch.empty(3, 3, dtype=torch.float64), generator=g)[0, 0].item()
                    for _ in range(3000)])
    assert abs(q00.mean()) < 4 * math.sqrt(1 / 3 / 3000)
    assert q00.var() == pytest.approx(1 / 3, rel=0.1)
    raw = np.array([torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64, generator=g))[0][0, 0].item()
                    for _ in range(3000)])
    assert abs(raw.mean()) > 0.3  # the unfixed factor is not Haar


def test_gains():
    for name in ["linear", "sigmoid", "tanh", "relu", "selu", "conv2d"]:
        assert calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    assert second_moment_gain("relu") == pytest.approx(math.sqrt(2), rel=1e-10)
    assert second_moment_gain("linear") == pytest.approx(1.0, rel=1e-10)
    assert 1 / second_moment_gain("sigmoid") ** 2 == pytest.approx(0.2933790, abs=5e-8)  # 8620
    z = np.random.default_rng(0).standard_normal(400_000)
    assert 1 / second_moment_gain("tanh") ** 2 == pytest.approx(np.mean(np.tanh(z) ** 2), rel=0.01)
    assert second_moment_gain(lambda x: 2 * x) == pytest.approx(0.5, rel=1e-10)


def test_module_apply():
    net = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Conv1d(4, 8, 3),
                              torch.nn.LayerNorm(8))
    net.apply(initializer("orthogonal", generator=gen()))
    w = net[0].weight
    assert torch.allclose(w.T @ w, torch.eye(32), atol=1e-5)
    assert torch.all(net[0].bias == 0) and torch.all(net[2].bias == 0)
    assert torch.all(net[3].weight == 1)  # LayerNorm untouched
    net.apply(initializer("he_normal", bias=None, mode="fan_out", truncated=True))
    assert torch.all(net[0].bias == 0)
    for name in INITIALIZERS:
        torch.nn.Linear(8, 8).apply(initializer(name, generator=gen()))


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: variance_scaling_(torch.empty(3, 3), mode="fan"), ValueError),
        (lambda: variance_scaling_(torch.empty(3, 3), distribution="cauchy"), ValueError),
        (lambda: variance_scaling_(torch.empty(3, 3), scale=-1.0), ValueError),
        (lambda: variance_scaling_(torch.empty(3), scale=1.0), ValueError),
        (lambda: variance_scaling_(np.zeros((3, 3))), TypeError),
        (lambda: variance_scaling_(torch.zeros(3, 3, dtype=torch.int64)), TypeError),
        (lambda: lecun_normal_(torch.empty(3, 3), truncated="yes"), TypeError),
        (lambda: orthogonal_(torch.empty(5)), ValueError),
        (lambda: orthogonal_(torch.empty(0, 3)), ValueError),
        (lambda: calculate_gain("swish"), ValueError),
        (lambda: initializer("glorot"), ValueError),
        (lambda: second_moment_gain("softmax"), ValueError),
    ],
)
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()
