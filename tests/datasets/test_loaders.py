import numpy as np
import pytest

from kexue import DataNotInstalledError
from kexue.datasets import (get_package, load_lee, load_mnist5k, load_stsb, load_text_classification,
                            load_yeast)
from kexue.datasets.registry import DataPackage


def test_stsb_counts():
    assert [len(load_stsb(s)) for s in ("train", "dev", "test")] == [5749, 1500, 1379]
    zh = load_stsb("test", lang="zh")
    assert len(zh) == 1361 and zh.scores.max() == 5


def test_lee():
    lee = load_lee()
    assert len(lee.documents) == 50 and lee.pairs.shape == (1225, 2) and lee.scores.shape == (1225,)


def test_yeast_and_mnist():
    X, Y = load_yeast()
    assert X.shape == (2417, 103) and Y.shape == (2417, 14)
    assert abs(Y.sum(1).mean() - 4.24) < 0.01
    X, y = load_mnist5k()
    assert X.shape == (5000, 784) and np.all(np.bincount(y) == 500)


@pytest.mark.parametrize("name", ["tweets", "amazon", "trec"])
def test_text_classification(name):
    texts, labels = load_text_classification(name)
    assert len(texts) == len(labels) > 1000


def test_missing_package_names_install_command():
    pkg = DataPackage("fake", "fake-pkg==1", "kexue_no_such_module", True, "a fake data set")
    with pytest.raises(DataNotInstalledError, match="kexue data install fake"):
        pkg.directory()


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown data set"):
        get_package("nope")
