"""orthogonality_report and propagate against the article's demo and the reference acceptance points."""

import math

import numpy as np
import pytest
import torch

from kexue.init import marchenko_pastur_edges, orthogonal_, orthogonality_report, propagate


def test_article_demo_mse_for_n_100():
    """kexue.fm/archives/7180 demo: W = randn(n, n)/√n, MSE(WᵀW, I) ≈ (n + 1)/n² = 0.0101."""
    rng = np.random.default_rng(0)
    n = 100
    mses = [orthogonality_report(rng.standard_normal((n, n)) / math.sqrt(n), n_probes=4, random_state=rng).mse
            for _ in range(300)]
    assert np.mean(mses) == pytest.approx((n + 1) / n**2, rel=0.02)


def test_mse_decays_like_one_over_n():
    rng = np.random.default_rng(1)
    m = {n: np.mean([orthogonality_report(rng.standard_normal((n, n)) / math.sqrt(n), n_probes=4).mse
                     for _ in range(10)]) for n in (50, 400)}
    assert m[50] / m[400] == pytest.approx((51 / 50**2) / (401 / 400**2), rel=0.1)


def test_report_on_square_gaussian_matches_theory():
    rng = np.random.default_rng(2)
    n = 400
    rep = orthogonality_report(rng.standard_normal((n, n)) / math.sqrt(n), n_probes=2000, random_state=3)
    assert rep.offdiag_std == pytest.approx(1 / math.sqrt(n), rel=0.03)
    assert rep.diag_mean == pytest.approx(1, abs=0.02)
    # square: quarter-circle on [0, 2]; σ_min → 0, so it is *not* spectrally orthogonal
    assert rep.mp_lower == pytest.approx(0, abs=1e-2) and rep.mp_upper == pytest.approx(2, rel=0.02)
    assert rep.singular_min < 0.05 and rep.singular_max == pytest.approx(2, rel=0.05)
    # ‖Wx‖²/‖x‖² ~ χ²_n/n for fixed x: mean 1, variance 2/n, so the ratio has std ≈ 1/√(2n)
    assert rep.norm_ratio_mean == pytest.approx(1, abs=0.01)
    assert rep.norm_ratio_std == pytest.approx(1 / math.sqrt(2 * n), rel=0.15)


def test_tall_gaussian_fills_marchenko_pastur_interval():
    """Reference §3.2: m = 2000, n = 500, variance 1/m: singular values in ≈ [0.5, 1.5]."""
    rng = np.random.default_rng(4)
    m, n = 2000, 500
    rep = orthogonality_report(rng.standard_normal((m, n)) / math.sqrt(m), n_probes=200, random_state=5)
    assert (rep.mp_lower, rep.mp_upper) == pytest.approx((0.5, 1.5), rel=0.01)
    assert rep.singular_min == pytest.approx(0.5, abs=0.03) and rep.singular_max == pytest.approx(1.5, abs=0.03)
    assert marchenko_pastur_edges(500, 2000, 1 / 2000) == pytest.approx((0.5, 1.5))


def test_report_on_orthogonal_weight():
    w = orthogonal_(torch.empty(128, 64), generator=torch.Generator().manual_seed(0))
    rep = orthogonality_report(w, random_state=0)
    assert rep.mse < 1e-13 and rep.condition_number == pytest.approx(1, abs=1e-6)
    assert rep.norm_ratio_std < 1e-6 and rep.shape == (128, 64)
    d = rep.as_dict()
    assert len(d["singular_values"]) == 64 and d["shape"] == [128, 64]


def test_linear_chain_orthogonal_is_exact_and_gaussian_drifts():
    ortho = propagate(50, 256, "linear", "orthogonal", batch=64, random_state=0)
    assert ortho.max_norm_drift < 1e-4
    assert np.abs(ortho.norm_ratio_std).max() < 1e-10  # every sample, not just on average
    assert np.abs(ortho.grad_ratio - 1).max() < 1e-4
    gauss = [propagate(50, 256, "linear", "lecun_normal", batch=64, random_state=s) for s in range(3)]
    # log‖h_L‖ has variance ≈ L/(2n)·… ; over 50 layers every draw moves by a few percent or more
    assert min(g.max_norm_drift for g in gauss) > 0.02
    assert min(g.max_norm_drift for g in gauss) > 1000 * ortho.max_norm_drift


def test_he_relu_keeps_mean_square_roughly_constant():
    he = [propagate(50, 256, "relu", "he_normal", batch=32, random_state=s) for s in range(4)]
    lecun = propagate(50, 256, "relu", "lecun_normal", batch=32, random_state=0)
    # LeCun halves E[h²] at every ReLU: 2^-50 ≈ 1e-15 after 50 layers
    assert lecun.mean_square[-1] / lecun.mean_square[0] < 1e-12
    # He: within a factor e^{±1.5} of the input at every layer for every draw
    assert max(r.mean_square_drift for r in he) < 1.5
    # and per layer the mean square is preserved in expectation: E[ms_l / ms_{l-1}] = 1
    steps = np.concatenate([r.mean_square[1:] / r.mean_square[:-1] for r in he])
    assert steps.mean() == pytest.approx(1, abs=0.03)


def test_propagate_accepts_callables_and_validates():
    res = propagate(3, 8, torch.tanh, lambda t, generator=None: torch.nn.init.eye_(t), batch=4, random_state=1)
    assert res.norm_ratio.shape == (4,) and res.init == "<lambda>"
    s = res.summary()
    assert set(s) >= {"final_norm_ratio", "max_norm_drift", "mean_square_drift", "input_grad_ratio"}
    with pytest.raises(ValueError):
        propagate(0, 8)
    with pytest.raises(ValueError):
        propagate(3, 8, "softplus")
    with pytest.raises(ValueError):
        propagate(3, 8, init="kaiming")
    with pytest.raises(TypeError):
        propagate(3, 8, random_state="0")
    with pytest.raises(ValueError):
        orthogonality_report(np.ones(5))
    with pytest.raises(ValueError):
        orthogonality_report(np.full((3, 3), np.nan))
