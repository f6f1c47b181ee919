"""Small, fast run of the HSIC-bottleneck demo's code path (the MNIST-5k numbers are in docs/hsic.md)."""

import numpy as np

from kexue.hsic.bottleneck import run_bottleneck


def test_bottleneck_learns_separable_toy_data():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 100)
    centers = rng.uniform(0, 255, (3, 20))
    X = np.clip(centers[y] + 20 * rng.standard_normal((300, 20)), 0, 255)
    r = run_bottleneck(hidden=(16, 8), epochs=6, beta=20.0, batch_size=60, lr=1e-2, n_test=60, data=(X, y), seed=0)
    assert r.n_test == 60 and r.n_train == 240
    assert r.hsic_test_accuracy > 0.9 and r.backprop_test_accuracy > 0.9
