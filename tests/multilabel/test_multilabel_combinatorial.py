import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from kexue.multilabel import (
    combinatorial_softmax_crossentropy,
    multilabel_categorical_crossentropy,
    padded_combinatorial_crossentropy,
    padded_combinatorial_predict,
    padded_subset_log_partition,
    subset_log_partition,
)


def brute_subset_log_z(s, k):
    return logsumexp([sum(c) for c in itertools.combinations(s, k)]) if k <= len(s) else -np.inf


def brute_multisets(n, size):
    """K-multisets of labels 1..n (distinct) plus any number of copies of the threshold class 0."""
    for j in range(size + 1):
        for labels in itertools.combinations(range(n), j):
            yield labels, size - j


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), scale=st.floats(0.1, 3.0))
def test_newton_identities_match_brute_force_subset_sums(seed, n, scale):
    s = np.random.default_rng(seed).normal(scale=scale, size=n)
    k_max = min(n, 4)
    ours = subset_log_partition(s, k_max)
    expected = [brute_subset_log_z(s, k) for k in range(k_max + 1)]
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-9)


def test_subset_partition_counts_and_masking():
    np.testing.assert_allclose(np.exp(subset_log_partition(np.zeros(7), 4)), [1, 7, 21, 35, 35])
    # a masked label is absent: Z_k of 3 live labels, and Z_4 = 0
    s = np.array([0.3, -np.inf, -1.2, 2.0])
    ours = subset_log_partition(s, 4)
    live = s[np.isfinite(s)]
    np.testing.assert_allclose(ours[:4], [brute_subset_log_z(live, k) for k in range(4)], atol=1e-12)
    assert ours[4] == -np.inf


def test_padded_recursion_matches_multiset_enumeration():
    rng = np.random.default_rng(3)
    s, s0 = rng.normal(size=6), 0.4
    ours = padded_subset_log_partition(s, 4, threshold_logit=s0)
    for size in range(5):
        expected = logsumexp([sum(s[list(lab)]) + pad * s0 for lab, pad in brute_multisets(6, size)])
        assert ours[size] == pytest.approx(expected, abs=1e-10)
    # Z̄_K = Z_K + e^{s0} Z̄_{K−1}
    z = subset_log_partition(s, 4)
    np.testing.assert_allclose(ours[1:], np.logaddexp(z[1:], s0 + ours[:-1]))


def test_k1_combinatorial_softmax_is_softmax_cross_entropy_and_the_unified_loss():
    logits = torch.randn(5, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    label = torch.tensor([0, 3, 8, 2, 2])
    onehot = torch.nn.functional.one_hot(label, 9)
    ce = torch.nn.functional.cross_entropy(logits, label, reduction="none").numpy()
    np.testing.assert_allclose(combinatorial_softmax_crossentropy(logits.numpy(), onehot.numpy()), ce, rtol=1e-12)
    unified = multilabel_categorical_crossentropy(logits, onehot, threshold=None, reduction="none")
    np.testing.assert_allclose(unified.numpy(), ce, rtol=1e-12)


def test_combinatorial_loss_is_the_subset_softmax():
    rng = np.random.default_rng(4)
    s = rng.normal(size=7)
    y = np.array([1, 0, 1, 0, 0, 1, 0])
    subsets = list(itertools.combinations(range(7), 3))
    log_probs = np.array([s[list(c)].sum() for c in subsets])
    log_probs -= logsumexp(log_probs)
    assert combinatorial_softmax_crossentropy(s, y) == pytest.approx(-log_probs[subsets.index((0, 2, 5))])


def test_padded_loss_is_the_multiset_softmax_and_predict_is_its_argmax():
    rng = np.random.default_rng(5)
    for trial in range(20):
        s, s0, max_k = rng.normal(scale=2, size=6), rng.normal(), 3
        y = np.zeros(6, dtype=int)
        y[rng.choice(6, size=rng.integers(0, max_k + 1), replace=False)] = 1
        multisets = list(brute_multisets(6, max_k))
        scores = np.array([s[list(lab)].sum() + pad * s0 for lab, pad in multisets])
        target = multisets.index((tuple(np.flatnonzero(y)), max_k - y.sum()))
        assert padded_combinatorial_crossentropy(s, y, max_k, s0) == pytest.approx(
            logsumexp(scores) - scores[target], abs=1e-10)
        best_labels = multisets[int(np.argmax(scores))][0]
        expected = np.zeros(6, dtype=bool)
        expected[list(best_labels)] = True
        np.testing.assert_array_equal(padded_combinatorial_predict(s, max_k, s0), expected)


def test_bad_input():
    with pytest.raises(ValueError, match="at least one positive"):
        combinatorial_softmax_crossentropy(np.zeros((2, 3)), np.array([[1, 0, 0], [0, 0, 0]]))
    with pytest.raises(ValueError, match="max_k"):
        padded_combinatorial_crossentropy(np.zeros(3), np.ones(3), 2)
    with pytest.raises(ValueError, match="0/1"):
        combinatorial_softmax_crossentropy(np.zeros(3), np.array([2, 0, 0]))
    with pytest.raises(ValueError, match="NaN"):
        subset_log_partition([0.0, math.nan], 1)
    with pytest.raises(TypeError, match="integer"):
        subset_log_partition([0.0, 1.0], 1.5)
