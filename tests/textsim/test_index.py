import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kexue.textsim import Index, wmd, wrd


def corpus(rng, n_docs, d=12, clustered=True):
    centres = rng.normal(size=(5, d))
    docs = []
    for _ in range(n_docs):
        m = int(rng.integers(1, 9))
        base = centres[rng.integers(5)] if clustered else 0
        docs.append((base + rng.normal(size=(m, d))).astype(np.float32))
    return docs


@pytest.mark.parametrize("measure", ["wrd", "wmd"])
def test_search_equals_brute_force(measure):
    rng = np.random.default_rng(1)
    docs = corpus(rng, 150)
    index = Index(docs, measure=measure, batch_size=8)
    f = wrd if measure == "wrd" else wmd
    for q in range(100 if measure == "wrd" else 60):
        query = docs[q] if q % 4 == 0 else corpus(rng, 1)[0]
        ids, dist = index.search(query, k=10)
        brute = np.array([f(query, doc) for doc in docs])
        ref = np.lexsort((np.arange(len(docs)), brute))[:10]
        np.testing.assert_allclose(dist, brute[ref], atol=1e-12)
        np.testing.assert_allclose(brute[ids], dist, atol=1e-12)
        assert index.last_stats.exact_solves <= len(docs)
    assert 0 <= index.last_stats.pruned_fraction <= 1


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["wrd", "wmd"]), st.integers(1, 12))
def test_bounds_are_bounds_and_search_is_exact(seed, measure, k):
    rng = np.random.default_rng(seed)
    docs = corpus(rng, 30, d=6, clustered=bool(seed % 2))
    docs[3] = np.zeros_like(docs[3]) if measure == "wmd" else docs[3]  # a zero document (WMD only)
    index = Index(docs, measure=measure, batch_size=4)
    query = corpus(rng, 1, d=6)[0]
    centroid, relaxed = index.bounds(query)
    exact = index.exact(query, np.arange(len(docs)))
    assert np.all(centroid <= exact + 1e-12) and np.all(relaxed <= exact + 1e-12)
    ids, dist = index.search(query, k=k)
    ref_ids, ref_d = index.brute_force(query, k=k)
    np.testing.assert_allclose(dist, ref_d, atol=1e-12)


def test_identical_document_first_and_stats():
    rng = np.random.default_rng(2)
    docs = corpus(rng, 200)
    index = Index(docs)
    ids, dist = index.search(docs[17], k=5)
    assert ids[0] == 17 and dist[0] == 0.0
    st_ = index.last_stats.as_dict()
    assert st_["n_documents"] == 200 and st_["exact_solves"] >= 5
    assert set(st_["pruned_by"]) == {"centroid", "relaxed", "combined"}
    assert index.nbytes > 0


def test_index_validation():
    with pytest.raises(ValueError, match="empty"):
        Index([])
    with pytest.raises(ValueError, match="dimension"):
        Index([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="measure"):
        Index([np.ones((2, 3))], measure="cos")
    index = Index([np.ones((2, 3))])
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        index.search(np.array([[np.nan, 1, 1]]))
    ids, d = index.search(np.ones((1, 3)), k=10)  # k larger than the corpus
    assert len(ids) == 1


def test_from_texts():
    texts = ["A man is playing a guitar.", "The stock market fell sharply today.", "A woman plays the violin.",
             "Shares dropped on Wall Street."]
    index = Index.from_texts(texts, "spacy-md")
    ids, dist = index.search(index.embedder(texts[1]).vectors, k=2)
    assert ids[0] == 1 and dist[0] == 0.0 and dist[1] > 0
    with pytest.raises(ValueError, match="corpus text 1"):
        Index.from_texts(["guitar", "qqqzzx"], "spacy-md")


def test_search_cli(tmp_path, capsys):
    import json

    from kexue.cli.main import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("A man is playing a guitar.\nThe stock market fell sharply today.\n\nqqqzzx\n"
                      "Shares dropped on Wall Street.\n")
    assert main(["search", "The stock market fell sharply today.", "--corpus", str(corpus), "-k", "2",
                 "-e", "spacy-md", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["results"][0]["line"] == 2 and out["results"][0]["distance"] == 0.0
    assert out["skipped_lines"] == 1
    assert main(["search", "x", "--corpus", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read corpus" in capsys.readouterr().err


@pytest.mark.parametrize("measure", ["wrd", "wmd"])
def test_save_and_load_memory_mapped(tmp_path, measure):
    rng = np.random.default_rng(5)
    docs = corpus(rng, 60)
    weights = [rng.uniform(0.5, 2.0, len(d)) for d in docs]
    index = Index(docs, measure=measure, weights_list=weights)
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert isinstance(loaded.vectors, np.memmap) and loaded.nbytes == index.nbytes
    assert loaded.nbytes_in_memory < index.nbytes_in_memory == index.nbytes
    query = corpus(rng, 1)[0]
    for a, b in zip(index.search(query, k=5), loaded.search(query, k=5)):
        np.testing.assert_array_equal(a, b)
    in_memory = Index.load(tmp_path / "ix", mmap_vectors=False)
    assert in_memory.nbytes_in_memory == index.nbytes


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot read an index"):
        Index.load(tmp_path / "nothing")
    Index([np.ones((2, 3))]).save(tmp_path / "ix")
    (tmp_path / "ix" / "bound_codes.npy").unlink()
    with pytest.raises(ValueError, match="incomplete or damaged"):
        Index.load(tmp_path / "ix")


def test_search_cli_saved_index(tmp_path, capsys):
    import json

    from kexue.cli.main import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("A man is playing a guitar.\n\nThe stock market fell sharply today.\nqqqzzx\n"
                      "Shares dropped on Wall Street.\n")
    folder = tmp_path / "ix"
    assert main(["search", "stocks fell", "--corpus", str(corpus), "-e", "spacy-md", "--save-index", str(folder),
                 "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["search", "stocks fell", "--index", str(folder), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["results"] == first["results"] and again["skipped_lines"] == 1
    assert main(["search", "x", "--index", str(tmp_path)]) == 2
    assert "not an index" in capsys.readouterr().err
    assert main(["search", "x"]) == 2
    assert "either --corpus" in capsys.readouterr().err
    assert main(["search", "x", "--index", str(folder), "--save-index", str(tmp_path / "again")]) == 2
    assert "already saved" in capsys.readouterr().err


def test_load_refuses_other_formats(tmp_path):
    import json

    Index([np.ones((2, 3))]).save(tmp_path / "ix")
    meta_path = tmp_path / "ix" / "index.json"
    meta = json.loads(meta_path.read_text())
    meta["format"] = 1
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="build the index again"):
        Index.load(tmp_path / "ix")
