"""evaluate_sts: correlations, converters fitted on train, reload gives identical scores, clear errors."""

import numpy as np
import pytest
from scipy import stats

from kexue.datasets import load_stsb
from kexue.textsim import cosine, get_embedder, wmd, wrd
from kexue.textsim.converters import load_converter
from kexue.textsim.embedders import EmbeddedText, Embedder
from kexue.textsim.evaluation import BASE_MEASURES, default_measures, evaluate_sts, exact_distances, plot_sts

LIMIT = 150


def test_cosine_and_wrd_rows_match_direct_computation():
    res = evaluate_sts("stsb-en", "test", "spacy-md", ["cosine", "wrd", "wmd"], limit=LIMIT)
    data = load_stsb("test")
    emb = get_embedder("spacy-md")
    A, B = emb.embed(data.sentences1[:LIMIT]), emb.embed(data.sentences2[:LIMIT])
    gold = data.scores[:LIMIT]
    for name, f in (("cosine", cosine), ("wrd", lambda x, y: 1 - wrd(x, y)), ("wmd", lambda x, y: -wmd(x, y))):
        sim = [f(a.vectors, b.vectors) for a, b in zip(A, B)]
        assert res[name]["spearman"] == pytest.approx(100 * stats.spearmanr(sim, gold).statistic)
        assert res[name]["pearson"] == pytest.approx(100 * stats.pearsonr(sim, gold).statistic)
        assert res[name]["n"] == LIMIT


def test_every_measure_runs_with_a_converter_and_relaxed_is_close_to_wrd():
    measures = [*BASE_MEASURES, *(f"{m}+sif" for m in BASE_MEASURES)]
    res = evaluate_sts("stsb-en", "test", "spacy-md", measures, limit=LIMIT)
    assert list(res) == measures
    for r in res.values():
        assert -100 <= r["spearman"] <= 100 and r["n"] == LIMIT
    assert res["wrd+sif"]["spearman"] > res["wrd"]["spearman"]  # SIF's down-weighting of function words helps
    assert len(default_measures()) == 6 * len(BASE_MEASURES)


def test_saved_converter_reloads_with_identical_scores(tmp_path):
    first = evaluate_sts("stsb-en", "test", "spacy-md", ["wrd+sif+ccr", "cosine+whiten"], limit=LIMIT,
                         save_converters=tmp_path)
    loaded = {"a": load_converter(tmp_path / "sif+ccr.npz"), "b": load_converter(tmp_path / "whiten.npz")}
    again = evaluate_sts("stsb-en", "test", "spacy-md", ["wrd+a", "cosine+b"], converters=loaded, limit=LIMIT)
    assert again["wrd+a"] == first["wrd+sif+ccr"]
    assert again["cosine+b"] == first["cosine+whiten"]


def test_exact_distances_folds_wrd_weights_into_vectors():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(int(rng.integers(1, 6)), 4)) for _ in range(20)]
    ys = [rng.normal(size=(int(rng.integers(1, 6)), 4)) for _ in range(20)]
    wx = [rng.uniform(0.1, 3, len(x)) for x in xs]
    wy = [rng.uniform(0.1, 3, len(y)) for y in ys]
    got = exact_distances("wrd", xs, ys, wx, wy)
    assert got == pytest.approx([wrd(x, y, a, b) for x, y, a, b in zip(xs, ys, wx, wy)], abs=1e-12)
    assert exact_distances("wmd", xs, ys, wx, wy) == pytest.approx(
        [wmd(x, y, a, b) for x, y, a, b in zip(xs, ys, wx, wy)], abs=1e-12)


def test_lee_corpus_scores_1225_pairs():
    res = evaluate_sts("lee", "test", "spacy-md", ["cosine+sif"])
    assert res["cosine+sif"]["n"] == 1225 and res["cosine+sif"]["spearman"] > 20


class CharEmbedder(Embedder):
    """A toy Chinese-capable embedder: one random vector per character."""

    name = "chars"

    def __init__(self):
        self.table = {}
        self.rng = np.random.default_rng(0)

    @property
    def dim(self):
        return 8

    def embed(self, texts):
        out = []
        for t in texts:
            chars = [c for c in t if not c.isspace()]
            vecs = [self.table.setdefault(c, self.rng.normal(size=8)) for c in chars]
            out.append(EmbeddedText(t, chars, np.array(vecs, np.float32).reshape(-1, 8)))
        return out


def test_chinese_stsb_needs_a_chinese_capable_embedder():
    with pytest.raises(ValueError, match="Chinese-capable"):
        evaluate_sts("stsb-zh", "test", "spacy-md", ["wrd"])
    with pytest.raises(ValueError, match="Chinese-capable"):
        evaluate_sts("stsb-zh", "test", get_embedder("spacy-md"), ["wrd"])
    res = evaluate_sts("stsb-zh", "test", CharEmbedder(), ["wrd", "cosine+sif"], limit=100)
    assert res["wrd"]["n"] == 100


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown measure 'cos'"):
        evaluate_sts(measures=["cos"])
    with pytest.raises(ValueError, match="unknown converter 'pca'"):
        evaluate_sts(measures=["wrd+pca"])
    with pytest.raises(ValueError, match="unknown dataset"):
        evaluate_sts("sick", measures=["wrd"])
    with pytest.raises(ValueError, match="split='test'"):
        evaluate_sts("lee", "dev", measures=["wrd"])
    with pytest.raises(ValueError, match="unknown split"):
        evaluate_sts("stsb-en", "train", measures=["wrd"])
    with pytest.raises(TypeError, match="Embedder"):
        evaluate_sts(embedder=3, measures=["wrd"])


def test_plot(tmp_path):
    res = {"wrd": {"spearman": 60.0, "pearson": 61, "n": 3}, "wrd+sif": {"spearman": 70.0, "pearson": 1, "n": 3},
           "cosine": {"spearman": 50.0, "pearson": 1, "n": 3}}
    path = plot_sts(res, tmp_path / "bars.png")
    assert path.stat().st_size > 1000
    with pytest.raises(ValueError, match="must end in"):
        plot_sts(res, tmp_path / "bars.txt")
