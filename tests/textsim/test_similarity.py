import json

import numpy as np
import pytest

from kexue.cli.main import main
from kexue.textsim import compare

GUITAR_A = "A man is playing a guitar."
GUITAR_B = "A man plays the guitar."
STOCKS = "The stock market fell sharply today."


def test_default_model_ranks_paraphrase_above_unrelated():
    close = compare(GUITAR_A, GUITAR_B)
    far = compare(GUITAR_A, STOCKS)
    assert close.wrd_similarity > far.wrd_similarity + 0.5
    assert close.wmd < far.wmd
    assert close.alignment(top=1)[0][2] > 0
    assert -1 <= far.wrd_similarity <= 1


def test_cli_json_keys_and_guitar_case(capsys):
    assert main(["similarity", GUITAR_A, GUITAR_B, "--json"]) == 0
    close = json.loads(capsys.readouterr().out)
    assert set(close) >= {"wrd", "wrd_similarity", "wmd", "cosine", "tokens_a", "tokens_b", "alignment"}
    assert all(len(row) == 3 for row in close["alignment"])
    assert main(["similarity", GUITAR_A, STOCKS, "--json"]) == 0
    far = json.loads(capsys.readouterr().out)
    assert close["wrd_similarity"] > far["wrd_similarity"] + 0.5


def test_cli_table_and_plot(tmp_path, capsys):
    png = tmp_path / "plan.png"
    assert main(["similarity", GUITAR_A, GUITAR_B, "-e", "spacy-md", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "WRD similarity" in out and "guitar" in out
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("args, message", [
    (["", "x"], "empty"),
    (["qqqzzx", "guitar", "-e", "spacy-md"], "none of its words"),
    (["a", "b", "--vectors", "/no/such/file.vec"], "cannot read vectors file"),
    (["a", "b", "-e", "nonsense"], "unknown embedder"),
    (["a", "b", "-m", "nonsense"], "unknown measure"),
    (["only-one"], "two texts"),
])
def test_cli_errors_are_one_line(args, message, capsys):
    assert main(["similarity", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_cli_mismatched_dimensions_and_nan(tmp_path, capsys):
    vec = tmp_path / "v.txt"
    vec.write_text("a 1 nan\nb 0 1\n")
    assert main(["similarity", "a", "b", "--vectors", str(vec)]) == 2
    assert "NaN" in capsys.readouterr().err
    from kexue.textsim import wrd
    with pytest.raises(ValueError, match="dimension"):
        wrd(np.ones((2, 3)), np.ones((2, 4)))


def test_cli_pairs_file_keeps_what_finished(tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{GUITAR_A}\t{GUITAR_B}\nno tab here\n{GUITAR_A}\t{STOCKS}\n")
    out = tmp_path / "out.jsonl"
    status = main(["similarity", "--pairs", str(pairs), "--out", str(out), "-e", "spacy-md"])
    assert status == 2  # one line failed; the others are still written
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert "error" in rows[1] and rows[0]["wrd_similarity"] > rows[2]["wrd_similarity"]
    assert "1 failed" in capsys.readouterr().err
