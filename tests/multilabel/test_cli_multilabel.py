import json

from kexue.cli.main import main


def test_train_prints_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "yeast.json"
    code = main(["multilabel", "train", "--dataset", "yeast", "--loss", "zlpr", "--loss", "bce-tuned",
                 "--seeds", "1", "--epochs", "1", "--hidden", "8", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "zlpr" in text and "bce-tuned" in text and "micro-F1" in text and "exact match" in text
    result = json.loads(out.read_text())
    assert set(result["summary"]) == {"zlpr", "bce-tuned"}
    assert result["config"]["split"] == {"seed": 0, "train": 1450, "val": 483, "test": 484}


def test_help_lists_train(capsys):
    assert main(["multilabel", "--help"]) == 0
    assert "train" in capsys.readouterr().out


def test_bad_options_are_one_line_errors(capsys):
    for argv in (["multilabel", "train", "--dataset", "mnist"], ["multilabel", "train", "--loss", "hinge"],
                 ["multilabel", "train", "--seeds", "0"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err
