"""Vector converters: the reference formulas on hand-made corpora, composition, save/load."""

import numpy as np
import pytest

from kexue.textsim.converters import (AllButTheTop, CommonComponentRemoval, ConverterPipeline, SIFWeighting,
                                      USIFWeighting, WeightedText, Whitening, load_converter, make_converter,
                                      sentence_vectors)
from kexue.textsim.embedders import EmbeddedText

VOCAB = ["the", "a"] + [f"w{i}" for i in range(198)]
ZIPF = 1.0 / np.arange(1, len(VOCAB) + 1)


def _corpus(n_texts=300, d=6, seed=0):
    """Texts over a Zipf-distributed vocabulary of 200 words; frequent words share a common direction."""
    rng = np.random.default_rng(seed)
    table = {w: rng.normal(size=d) + (3.0 if w in ("the", "a") else 0.0) for w in VOCAB}
    texts = []
    for _ in range(n_texts):
        toks = list(rng.choice(VOCAB, size=int(rng.integers(2, 9)), p=ZIPF / ZIPF.sum()))
        texts.append(EmbeddedText(" ".join(toks), toks, np.array([table[t] for t in toks], np.float32)))
    return texts


def test_sif_weights_follow_a_over_a_plus_p():
    toks = [["the", "cat"], ["the", "dog", "the"]]
    corpus = [EmbeddedText(" ".join(t), t, np.ones((len(t), 2), np.float32)) for t in toks]
    sif = SIFWeighting(a=0.1).fit(corpus)
    p = {"the": 3 / 5, "cat": 1 / 5, "dog": 1 / 5, "emu": 0.0}
    assert sif.token_weights(list(p)) == pytest.approx([0.1 / (0.1 + v) for v in p.values()])
    out = sif.transform(corpus[1])
    assert isinstance(out, WeightedText) and np.array_equal(out.vectors, corpus[1].vectors)  # a norm converter
    assert out.weights == pytest.approx([0.1 / 0.7, 0.1 / 0.3, 0.1 / 0.7])


def test_usif_parameter_from_corpus():
    corpus = _corpus(200)
    usif = USIFWeighting(n=3).fit(corpus)
    assert 0 < np.mean(usif.probs_ > 1 - (1 - 1 / len(usif.vocab_)) ** 3) < 1
    V = len(usif.vocab_)
    thr = 1 - (1 - 1 / V) ** 3
    alpha = np.mean(usif.probs_ > thr)
    a = (1 - alpha) / (alpha * V / 2)
    assert usif.a_ == pytest.approx(a)
    assert usif.token_weights(["w5"]) == pytest.approx(a / (a / 2 + usif.probability(["w5"])))
    tiny = [EmbeddedText("x y", ["x", "y"], np.ones((2, 2), np.float32))]
    with pytest.raises(ValueError, match="larger corpus"):
        USIFWeighting(n=11).fit(tiny)


def test_common_component_removal_is_sif_step_two_by_linearity():
    corpus = SIFWeighting().fit_transform(_corpus())
    ccr = CommonComponentRemoval(1).fit(corpus)
    S = sentence_vectors(corpus)
    u = np.linalg.svd(S, full_matrices=False)[2][0]
    after = sentence_vectors(ccr.transform(corpus))
    assert after == pytest.approx(S - np.outer(S @ u, u), abs=1e-9)  # SIF's v_s − u uᵀ v_s
    assert np.abs(after @ u).max() < 1e-9
    scaled = CommonComponentRemoval(3, scaled=True).fit(corpus)
    assert scaled.lambdas_.sum() == pytest.approx(1.0) and np.all(np.diff(scaled.lambdas_) <= 0)


def test_all_but_the_top_centres_and_removes_top_directions():
    corpus = _corpus()
    abtt = AllButTheTop(2).fit(corpus)
    out = abtt.transform(corpus)
    vocab = np.unique(np.vstack([t.vectors for t in out]), axis=0)
    assert np.abs(vocab.mean(axis=0)).max() < 1e-9
    assert np.abs(vocab @ abtt.components_.T).max() < 1e-9


def test_whitening_gives_identity_covariance_of_sentence_vectors():
    corpus = _corpus(200)
    w = Whitening().fit(corpus)
    S = sentence_vectors(w.transform(corpus))
    assert S.mean(axis=0) == pytest.approx(np.zeros(6), abs=1e-9)
    assert np.cov(S, rowvar=False) == pytest.approx(np.eye(6), abs=1e-8)
    assert Whitening(n_components=3).fit(corpus).transform(corpus[0]).vectors.shape[1] == 3
    tok = Whitening(level="token").fit(corpus)
    T = np.vstack([t.vectors for t in tok.transform(corpus)])
    assert np.cov(T, rowvar=False) == pytest.approx(np.eye(6), abs=1e-8)


def test_pipeline_fits_each_step_on_previous_output():
    corpus = _corpus()
    pipe = make_converter("sif+ccr").fit(corpus)
    assert isinstance(pipe, ConverterPipeline)
    sif = SIFWeighting().fit(corpus)
    ccr = CommonComponentRemoval(1).fit(sif.transform(corpus))
    a, b = pipe.transform(corpus[3]), ccr.transform(sif.transform(corpus[3]))
    assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.weights, b.weights)


@pytest.mark.parametrize("spec", ["sif", "usif", "ccr", "abtt", "whiten", "sif+ccr+whiten", "usif+abtt"])
def test_save_load_roundtrip_is_exact(spec, tmp_path):
    corpus = _corpus(300)
    conv = make_converter(spec).fit(corpus)
    path = conv.save(tmp_path / f"{spec}.npz")
    again = load_converter(path)
    for t in corpus[:10] + [EmbeddedText("emu", ["emu"], np.ones((1, 6), np.float32))]:
        a, b = conv.transform(t), again.transform(t)
        assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.weights, b.weights)


def test_converter_errors(tmp_path):
    corpus = _corpus()
    with pytest.raises(ValueError, match="not fitted"):
        SIFWeighting().transform(corpus)
    with pytest.raises(ValueError, match="6-d"):
        AllButTheTop(1).fit(corpus).transform(EmbeddedText("x", ["x"], np.ones((1, 4), np.float32)))
    with pytest.raises(ValueError, match="unknown converter 'pca'"):
        make_converter("sif+pca")
    with pytest.raises(ValueError, match="positive"):
        SIFWeighting(a=-1)
    with pytest.raises(TypeError, match="EmbeddedText"):
        SIFWeighting().fit([np.ones((2, 2))])
    with pytest.raises(ValueError, match="no tokens"):
        SIFWeighting().fit([EmbeddedText("", [], np.zeros((0, 3), np.float32))])
    with pytest.raises(ValueError, match="components"):
        CommonComponentRemoval(50).fit(corpus)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a converter")
    with pytest.raises(ValueError, match="cannot read a converter"):
        load_converter(bad)
    with pytest.raises(ValueError, match="cannot read a converter"):
        load_converter(tmp_path / "missing.npz")
