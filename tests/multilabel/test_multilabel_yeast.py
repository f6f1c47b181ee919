import numpy as np
import pytest

from kexue.multilabel.yeast import THRESHOLD_GRID, multilabel_scores, run_yeast, tune_threshold, yeast_split


@pytest.fixture(scope="module")
def split():
    return yeast_split()


def test_split_is_fixed_disjoint_and_standardised(split):
    assert (len(split.x_train), len(split.x_val), len(split.x_test)) == (1450, 483, 484)
    assert split.x_train.shape[1] == 103 and split.y_train.shape[1] == 14
    np.testing.assert_allclose(split.x_train.mean(0), 0, atol=1e-5)
    again = yeast_split()
    np.testing.assert_array_equal(again.x_test, split.x_test)
    rows = {tuple(r) for r in np.round(split.x_train, 4)}
    assert not any(tuple(r) in rows for r in np.round(split.x_test, 4))


def test_scores_by_hand():
    y = np.array([[1, 0, 1], [0, 1, 0]])
    p = np.array([[1, 0, 0], [0, 1, 1]])
    scores = multilabel_scores(y, p)
    # micro: tp=2, fp=1, fn=1 -> 2/3; per label F1: 1, 1, 0 -> 2/3; no row exactly right
    assert scores == pytest.approx({"micro_f1": 2 / 3, "macro_f1": 2 / 3, "exact_match": 0.0})
    assert multilabel_scores(y, y)["exact_match"] == 1.0


def test_tune_threshold_picks_the_best_grid_value():
    y = np.array([[1, 0], [0, 1], [1, 1]])
    prob = np.array([[0.32, 0.28], [0.1, 0.33], [0.4, 0.36]])  # only 0.3 separates them
    assert tune_threshold(prob, y) == 0.3
    assert 0.3 in THRESHOLD_GRID


def test_run_yeast_small(split):
    result = run_yeast(seeds=2, epochs=1, hidden=16, split=split)
    assert [(r["loss"], r["seed"]) for r in result["runs"]] == [
        ("zlpr", 0), ("bce", 0), ("bce-tuned", 0), ("zlpr", 1), ("bce", 1), ("bce-tuned", 1)]
    for r in result["runs"]:
        assert all(0 <= r[m] <= 1 for m in ("micro_f1", "macro_f1", "exact_match"))
    assert all(r["threshold"] in THRESHOLD_GRID for r in result["runs"] if r["loss"] == "bce-tuned")
    mean, std = result["summary"]["zlpr"]["micro_f1"]
    values = [r["micro_f1"] for r in result["runs"] if r["loss"] == "zlpr"]
    assert mean == pytest.approx(np.mean(values)) and std == pytest.approx(np.std(values, ddof=1))
    # same seed, same network: deterministic
    assert run_yeast(["zlpr"], seeds=1, epochs=1, hidden=16, split=split)["runs"][0] == result["runs"][0]


@pytest.mark.parametrize("kwargs,match", [({"losses": ["hinge"]}, "loss"), ({"losses": []}, "at least one"),
                                          ({"seeds": 0}, "seeds"), ({"lr": -1.0}, "lr")])
def test_run_yeast_rejects_bad_options(split, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_yeast(split=split, **kwargs)
