import struct

import numpy as np
import pytest

from kexue.textsim.embedders import SpacyVectors, WordVectorEmbedder, WordVectors, get_embedder, tokenize
from kexue.textsim.embedders.murmurhash import murmurhash64a


def test_murmurhash_known_values():
    # reference values of MurmurHash64A (seed 0 of empty input is 0; spaCy keys checked via vectors below)
    assert murmurhash64a(b"", seed=0) == 0
    assert murmurhash64a(b"hello", seed=1) != murmurhash64a(b"hello", seed=2)


def test_spacy_vectors_match_published_similarities():
    e = get_embedder("spacy-md")
    v = e.vectors

    def cos(a, b):
        x, y = v[a], v[b]
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cos("cat", "dog") == pytest.approx(0.822, abs=1e-3)
    assert cos("king", "queen") == pytest.approx(0.611, abs=1e-3)
    assert isinstance(v, SpacyVectors)


def test_tokenize_and_oov_reporting():
    assert tokenize("Hello, World!") == ["hello", "world"]
    vecs = WordVectors(["hello", "world"], np.eye(2))
    out = WordVectorEmbedder(vecs, stop_words={"world"})(["hello world qwerty"][0])
    assert out.tokens == ["hello"] and out.dropped == ["world", "qwerty"]
    assert out.vectors.dtype == np.float32 and out.vectors.shape == (1, 2)


@pytest.fixture()
def tiny_vectors():
    return ["cat", "dog", "car"], np.array([[1.0, 0.5, 0.0], [0.9, 0.6, 0.1], [-1.0, 0.0, 2.0]], dtype=np.float32)


def test_text_formats_round_trip(tmp_path, tiny_vectors):
    words, mat = tiny_vectors
    body = "".join(w + " " + " ".join(f"{x:.6f}" for x in row) + "\n" for w, row in zip(words, mat))
    (tmp_path / "w2v.txt").write_text(f"{len(words)} 3\n" + body)
    (tmp_path / "glove.txt").write_text(body)
    (tmp_path / "ft.vec").write_text(f"{len(words)} 3\n" + body)
    binary = f"{len(words)} 3\n".encode() + b"".join(
        w.encode() + b" " + struct.pack("<3f", *row) + b"\n" for w, row in zip(words, mat))
    (tmp_path / "w2v.bin").write_bytes(binary)
    for name, fmt in [("w2v.txt", "auto"), ("glove.txt", "glove"), ("glove.txt", "auto"), ("ft.vec", "fasttext"),
                      ("w2v.bin", "auto"), ("w2v.bin", "word2vec-binary")]:
        wv = WordVectors.load(tmp_path / name, format=fmt)
        np.testing.assert_allclose(wv["dog"], mat[1], atol=1e-6, err_msg=name)
        assert len(wv.index) == 3


def test_gensim_glove_sample_loads():
    from kexue.datasets import get_package

    path = get_package("lee").file("test/test_data/test_glove.txt")
    wv = WordVectors.load(path, format="glove")
    assert wv.dim == 50 and len(wv.index) > 50


def test_bad_vector_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        WordVectors.load(tmp_path / "missing.vec")
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match="expected 3"):
        WordVectors.load(bad)
    nan = tmp_path / "nan.txt"
    nan.write_text("a 1 nan\n")
    with pytest.raises(ValueError, match="NaN"):
        WordVectors.load(nan)


def test_unknown_embedder_and_bad_model(tmp_path):
    with pytest.raises(ValueError, match="unknown embedder"):
        get_embedder("bert-huge")
    with pytest.raises(ValueError, match="config.json"):
        get_embedder(model=tmp_path)


def test_minilm_tokens_drop_special_and_padding():
    e = get_embedder("minilm")
    short, long = e.embed(["Hi.", "A man is playing a guitar on the stage tonight."])
    assert short.tokens == ["hi", "."]
    assert "[CLS]" not in long.tokens and "[SEP]" not in long.tokens and "[PAD]" not in short.tokens
    assert long.vectors.shape == (len(long.tokens), 384)
    # layer choice: the input-embedding layer differs from the last layer
    e0 = get_embedder("minilm", layer=0)
    assert not np.allclose(e0("Hi.").vectors, short.vectors)
    with pytest.raises(ValueError, match="empty"):
        e.embed(["   "])
