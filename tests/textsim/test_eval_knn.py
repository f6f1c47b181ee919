"""kNN with the WMD paper's protocol: fall-back voting, k by cross-validation, the split loop."""

import numpy as np
import pytest

from kexue.textsim.embedders import EmbeddedText
from kexue.textsim.knn import distance_matrix, evaluate_knn, fallback_vote, knn_predict, select_k


def test_fallback_vote_drops_k_by_two_until_a_majority():
    assert fallback_vote([1, 1, 0]) == 1
    assert fallback_vote([0, 1, 1, 0, 2]) == 1      # 2-2-1 tie at k=5 → k=3: [0, 1, 1] → 1
    assert fallback_vote([0, 1, 2]) == 0            # no majority at k=3 → k=1
    assert fallback_vote([2, 1, 1, 2]) == 2         # tie at 4 → k=2 tie → k=1 → nearest
    assert fallback_vote([5]) == 5


def test_knn_predict_and_select_k_on_separable_data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(6, 1, (30, 2))])
    y = np.repeat([0, 1], 30)
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    k, errors = select_k(D, y, random_state=0)
    assert errors[k] == 0.0 and set(errors) == set(range(1, 20, 2))
    test = np.array([[0.0, 0.0], [6.0, 6.0]])
    Dt = np.linalg.norm(test[:, None] - X[None], axis=2)
    assert knn_predict(Dt, y, k).tolist() == [0, 1]
    with pytest.raises(ValueError, match="shape"):
        knn_predict(Dt, y[:5], 3)


def test_bow_and_tfidf_distances_are_l1_of_l1_normalised_vectors():
    docs = [EmbeddedText("", toks, np.ones((len(toks), 2), np.float32)) for toks in
            (["a", "b"], ["a", "a", "c"], ["b"])]
    D = distance_matrix("bow", docs)
    # a b c : [.5 .5 0], [2/3 0 1/3], [0 1 0]
    assert D[0, 1] == pytest.approx(1 / 6 + 1 / 2 + 1 / 3)
    assert D[0, 2] == pytest.approx(1.0) and np.allclose(D, D.T) and np.all(np.diag(D) == 0)
    assert distance_matrix("tfidf", docs).shape == (3, 3)


def test_evaluate_knn_small_pool_runs_every_measure():
    res = evaluate_knn("trec", n_docs=60, n_splits=2)
    info = res.pop("_info")
    assert info["n_pool"] == 60 and info["n_train"] + info["n_test"] == 60
    for m in ("bow", "tfidf", "wmd", "wrd"):
        assert len(res[m]["errors"]) == 2 and 0 <= res[m]["error_mean"] <= 100 and res[m]["seconds"] >= 0
    kept = evaluate_knn("trec", ["bow"], n_docs=60, n_splits=2, stop_words=False)
    assert kept["bow"]["errors"] != res["bow"]["errors"] or kept["bow"]["ks"] != res["bow"]["ks"]
    with pytest.raises(ValueError, match="unknown measure"):
        evaluate_knn("trec", ["cosine"])
    with pytest.raises(ValueError, match="unknown data set"):
        evaluate_knn("imdb")
