"""Training code path on tiny budgets, and the mixture metrics against hand-made samples."""

import numpy as np
import pytest

from kexue.gans import get_loss
from kexue.gans.training import grid25, ring8, train_gan


def test_mixture_metrics_on_exact_and_collapsed_samples():
    mix = ring8()
    exact = mix.rvs(4000, random_state=0)
    m = mix.metrics(exact)
    assert m["modes_covered"] == 8 and m["high_quality"] > 0.98  # 3 sigma holds 98.9 % in 2-D
    collapsed = np.repeat(mix.centers[:3], 100, axis=0)
    m = mix.metrics(collapsed)
    assert m["modes_covered"] == 3 and m["high_quality"] == 1.0
    far = np.full((50, 2), 10.0)
    assert mix.metrics(far)["high_quality"] == 0.0
    assert grid25().metrics(grid25().rvs(5000, random_state=1))["modes_covered"] == 25
    with pytest.raises(ValueError, match="shape"):
        mix.metrics(np.zeros((5, 3)))


def test_training_runs_and_reports_metrics():
    res = train_gan(get_loss("nonsaturating"), "ring8", steps=40, seed=3, log_every=20, n_eval=500)
    assert res.samples.shape == (500, 2) and len(res.history) == 2
    assert set(res.metrics) >= {"modes_covered", "high_quality", "log_ratio_real", "log_ratio_fake"}
    again = train_gan(get_loss("nonsaturating"), "ring8", steps=40, seed=3, log_every=20, n_eval=500)
    np.testing.assert_array_equal(res.samples, again.samples)  # seeded


def test_training_rejects_bad_arguments():
    with pytest.raises(ValueError, match="data"):
        train_gan(get_loss("e"), "cifar10")
    with pytest.raises(TypeError, match="LossDesign"):
        train_gan("nonsaturating", "ring8")
    with pytest.raises(ValueError, match="lr"):
        train_gan(get_loss("e"), "ring8", lr=5.0)
