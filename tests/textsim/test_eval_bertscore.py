"""BERTScore / MoverScore compatibility against the reference formulas, and the relaxed-WRD identity."""

import math

import numpy as np
import ot
import pytest
from hypothesis import given, settings, strategies as st
from scipy.spatial.distance import cdist

from kexue.textsim import get_embedder, wrd, wrd_relaxed
from kexue.textsim.bertscore import IDF, bertscore, estimate_baseline, rescale
from kexue.textsim.moverscore import moverscore


def test_hand_made_precision_recall_f():
    # candidate: e1, e2 ; reference: e1, (e1+e2)/√2
    x = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([[3.0, 0.0], [1.0, 1.0]])
    c = 1 / math.sqrt(2)
    # P: e1 → max(1, c) = 1 ; e2 → max(0, c) = c.   R: e1 → 1 ; (1,1) → c
    s = bertscore(x, y)
    assert s.precision == pytest.approx((1 + c) / 2)
    assert s.recall == pytest.approx((1 + c) / 2)
    w = bertscore(x, y, [3.0, 1.0], [1.0, 1.0])
    assert w.precision == pytest.approx((3 * 1 + c) / 4)
    assert w.f1 == pytest.approx(2 * w.precision * w.recall / (w.precision + w.recall))


def test_idf_formula_and_unseen_tokens():
    docs = [["a", "cat"], ["a", "dog"], ["a", "cat", "cat"]]
    idf = IDF().fit(docs)
    M = 3
    assert idf("a") == pytest.approx(math.log((M + 1) / (3 + 1)))
    assert idf("cat") == pytest.approx(math.log((M + 1) / (2 + 1)))  # document frequency, not count
    assert idf("emu") == pytest.approx(math.log(M + 1))
    with pytest.raises(ValueError, match="not fitted"):
        IDF()("a")
    with pytest.raises(TypeError):
        IDF().fit("a cat")


def test_baseline_rescaling():
    assert rescale(0.9311, 0.9311) == 0.0 and rescale(1.0, 0.8) == pytest.approx(1.0)
    assert rescale(0.95, 0.9) == pytest.approx(0.5)
    x, y = np.eye(3)[:2], np.eye(3)[1:]
    raw = bertscore(x, y)
    b = (0.2, 0.3, 0.25)
    r = bertscore(x, y, baseline=b)
    assert r.precision == pytest.approx((raw.precision - 0.2) / 0.8)
    assert r.f1 == pytest.approx((raw.f1 - 0.25) / 0.75)
    with pytest.raises(ValueError, match="below 1"):
        bertscore(x, y, baseline=(1.0, 0.2, 0.2))
    rng = np.random.default_rng(0)
    corpus = [rng.normal(size=(int(rng.integers(2, 6)), 4)) for _ in range(20)]
    base = estimate_baseline(corpus, n_pairs=200, random_state=0)
    assert -1 < base.f1 < 1 and base == estimate_baseline(corpus, n_pairs=200, random_state=0)


vec_seq = st.integers(1, 7).flatmap(lambda m: st.lists(
    st.lists(st.floats(-3, 3, allow_nan=False), min_size=4, max_size=4), min_size=m, max_size=m))


@settings(max_examples=150, deadline=None)
@given(vec_seq, vec_seq)
def test_relaxed_wrd_equals_one_minus_min_of_norm_weighted_p_r(xs, ys):
    x, y = np.array(xs), np.array(ys)
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    # the identity needs every token to have a direction: WRD gives a zero vector no mass, while greedy
    # matching lets it be matched at cosine 0 (documented in ``bertscore``)
    if nx.min() < 1e-6 or ny.min() < 1e-6:
        return
    s = bertscore(x, y, nx, ny)
    assert wrd_relaxed(x, y) == pytest.approx(1 - min(s.precision, s.recall), abs=1e-12)


def test_relaxed_bound_below_wrd_on_every_stsb_test_pair():
    from kexue.datasets import load_stsb

    data = load_stsb("test")
    emb = get_embedder("spacy-md")
    A, B = emb.embed(data.sentences1), emb.embed(data.sentences2)
    gaps = []
    for a, b in zip(A, B):
        x, y = a.vectors.astype(np.float64), b.vectors.astype(np.float64)
        exact, bound = wrd(x, y), wrd_relaxed(x, y)
        s = bertscore(x, y, np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1))
        assert bound == pytest.approx(1 - min(s.precision, s.recall), abs=1e-9)
        gaps.append(exact - bound)
    assert len(gaps) == 1379
    assert min(gaps) >= -1e-9


def _moverscore_union(x, y, wx, wy):
    """MoverScore v2 as its code sets it up: one support (ref ∪ hyp), masses on each half, POT's EMD."""
    z = np.vstack([x, y])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    D = cdist(z, z)
    c1 = np.concatenate([wx / wx.sum(), np.zeros(len(y))])
    c2 = np.concatenate([np.zeros(len(x)), wy / wy.sum()])
    return 1.0 / (1.0 + ot.emd2(c1, c2, D))


def test_moverscore_matches_union_formulation():
    rng = np.random.default_rng(1)
    for _ in range(50):
        m, n = rng.integers(1, 8, size=2)
        x, y = rng.normal(size=(m, 5)), rng.normal(size=(n, 5))
        wx, wy = rng.uniform(0.1, 2, m), rng.uniform(0.1, 2, n)
        assert moverscore(x, y, wx, wy) == pytest.approx(_moverscore_union(x, y, wx, wy), abs=1e-10)
    x = rng.normal(size=(4, 3))
    assert moverscore(x, 2 * x) == pytest.approx(1.0)
    assert moverscore(np.array([[1.0, 0]]), np.array([[-1.0, 0]])) == pytest.approx(1 / 3)  # EMD = 2


def test_bad_inputs():
    with pytest.raises(ValueError, match="different vector dimensions"):
        bertscore(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        moverscore(np.array([[np.nan, 1.0]]), np.ones((1, 2)))
    with pytest.raises(ValueError, match="one weight per vector"):
        bertscore(np.ones((2, 3)), np.ones((2, 3)), [1.0])
