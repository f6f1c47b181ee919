import json

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from kexue.cli.main import main  # noqa: E402
from kexue.textsim import Index  # noqa: E402
from kexue.textsim.distributed import ShardedIndex, score_pair_file_dask, score_pairs_dask  # noqa: E402
from kexue.textsim.embedders.base import Embedder  # noqa: E402
from kexue.textsim.pairs import score_lines, score_pairs  # noqa: E402
from kexue.textsim.wmd import wmd  # noqa: E402
from kexue.textsim.wrd import wrd  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as c:
        yield c


def random_docs(rng, n, d=8):
    return [rng.normal(size=(rng.integers(1, 9), d)).astype(np.float32) for _ in range(n)]


@pytest.mark.parametrize("measure, exact", [("wrd", wrd), ("wmd", wmd)])
def test_score_pairs_matches_local(client, measure, exact):
    rng = np.random.default_rng(0)
    xs, ys = random_docs(rng, 45), random_docs(rng, 45)
    got = score_pairs_dask(xs, ys, measure, client=client, chunk_size=10)
    local = np.array([exact(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(got, local, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, score_pairs(xs, ys, measure), rtol=0, atol=1e-12)
    assert len(score_pairs_dask([], [], measure, client=client)) == 0


def test_sharded_index_matches_local_search(client):
    rng = np.random.default_rng(1)
    docs = random_docs(rng, 120)
    local = Index(docs, "wrd")
    sharded = ShardedIndex(docs, "wrd", client, n_shards=3)
    assert len(sharded) == 120
    for q in random_docs(rng, 6) + [docs[17]]:
        ids, dist = sharded.search(q, k=7)
        lids, ldist = local.search(q, k=7)
        bids, bdist = local.brute_force(q, k=7)
        np.testing.assert_array_equal(ids, lids)
        np.testing.assert_allclose(dist, ldist, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(ids, bids)
    assert sharded.last_stats.n_documents == 120 and sharded.last_stats.exact_solves >= 7
    ids, _ = sharded.search(docs[3], k=500)  # k larger than the corpus
    assert sorted(ids.tolist()) == list(range(120))
    sharded.close()


def test_sharded_index_wmd_and_errors(client):
    rng = np.random.default_rng(2)
    docs = random_docs(rng, 40)
    q = random_docs(rng, 1)[0]
    ids, dist = ShardedIndex(docs, "wmd", client, n_shards=2).search(q, k=5)
    lids, ldist = Index(docs, "wmd").search(q, k=5)
    np.testing.assert_array_equal(ids, lids)
    np.testing.assert_allclose(dist, ldist, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="different vector dimensions"):
        ShardedIndex(docs[:3] + [np.ones((2, 5))], "wrd", client, n_shards=1)
    with pytest.raises(ValueError, match="unknown measure"):
        ShardedIndex(docs, "cosine", client)


PAIRS = ("A man is playing a guitar.\tA person plays the guitar.\n"
         "no tab here\n"
         "\n"
         "Stocks fell sharply today.\tThe market dropped.\n"
         "qwzx vbnm\tA man is playing a guitar.\n"
         "A dog runs.\tA cat sleeps.\textra\n"
         "A woman is slicing an onion.\tSomeone cuts an onion.\n")


def test_pair_file_matches_cli_rows(client, tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(PAIRS, encoding="utf-8")
    local_out, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert main(["similarity", "--pairs", str(pairs), "--out", str(local_out), "-e", "spacy-md"]) == 2
    n_ok, n_bad = score_pair_file_dask(pairs, dask_out, "spacy-md", client=client, chunk_lines=2)
    local = [json.loads(line) for line in local_out.read_text().splitlines()]
    remote = [json.loads(line) for line in dask_out.read_text().splitlines()]
    assert [r["line"] for r in remote] == [1, 2, 4, 5, 6, 7]
    assert (n_ok, n_bad) == (sum("error" not in r for r in local), sum("error" in r for r in local))
    assert n_bad >= 2
    assert len(local) == len(remote)
    for lr, rr in zip(local, remote):
        assert lr.keys() == rr.keys()
        for key in lr:
            if isinstance(lr[key], float):
                assert rr[key] == pytest.approx(lr[key], abs=1e-12)
            else:
                assert rr[key] == lr[key]


def test_pair_file_errors(client, tmp_path):
    with pytest.raises(ValueError, match="cannot read pairs file"):
        score_pair_file_dask(tmp_path / "missing.tsv", tmp_path / "o.jsonl", "spacy-md", client=client)
    with pytest.raises(TypeError, match="embedder"):
        score_pair_file_dask(tmp_path / "missing.tsv", tmp_path / "o.jsonl", 3, client=client)
    with pytest.raises(ValueError, match="unknown measure"):
        score_pairs_dask([np.ones((1, 2))], [np.ones((1, 2))], "cos", client=client)


def test_cli_scheduler_flag(client, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("A man is playing a guitar.\nStocks fell sharply.\nA dog runs in the park.\n"
                      "Someone plays an instrument.\nThe market dropped today.\n", encoding="utf-8")
    args = ["search", "A person plays the guitar.", "--corpus", str(corpus), "-k", "3", "-e", "spacy-md", "--json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(args + ["--scheduler", client.scheduler.address]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["results"] == local["results"]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("A man is playing a guitar.\tA person plays the guitar.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["similarity", "--pairs", str(pairs), "--out", str(out), "-e", "spacy-md",
                 "--scheduler", client.scheduler.address]) == 0
    assert json.loads(out.read_text())["wrd"] > 0
    assert main(["similarity", "a", "b", "--scheduler", "local"]) == 2
    assert "--pairs FILE only" in capsys.readouterr().err


class _Lookup(Embedder):
    """Precomputed embeddings of the test texts: an Embedder object that is cheap to ship to the workers."""

    name = "lookup"

    def __init__(self, emb, lines):
        texts = sorted({t for line in lines for t in line.split("\t") if t.strip()})
        self.table, self._dim = dict(zip(texts, emb.embed(texts))), emb.dim

    @property
    def dim(self):
        return self._dim

    def embed(self, texts):
        return [self.table[t] for t in texts]


def test_pair_file_with_an_embedder_object(client, tmp_path):
    from kexue.textsim.embedders import get_embedder

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(PAIRS, encoding="utf-8")
    lines = PAIRS.splitlines()
    lookup = _Lookup(get_embedder("spacy-md"), lines)
    out = tmp_path / "obj.jsonl"
    n_ok, n_bad = score_pair_file_dask(pairs, out, lookup, client=client, chunk_lines=3)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == json.loads(json.dumps(score_lines(lines, 1, lookup, ("wrd", "wmd", "cosine"))))
    assert n_ok + n_bad == len(rows) and n_bad >= 2
