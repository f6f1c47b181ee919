"""`kexue eval sts` and `kexue eval knn` through the main entry point."""

import json

from kexue.cli.main import main


def test_eval_sts_table_json_plot_and_saved_converter(tmp_path, capsys):
    png = tmp_path / "bars.png"
    folder = tmp_path / "conv"
    assert main(["eval", "sts", "--limit", "80", "-m", "wrd", "-m", "wrd+sif+ccr", "--json",
                 "--plot", str(png), "--save-converters", str(folder)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first["results"]["wrd+sif+ccr"]) == {"spearman", "pearson", "n"} and png.stat().st_size > 1000
    assert main(["eval", "sts", "--limit", "80", "-m", "wrd+saved", "--json",
                 "--converter", str(folder / "sif+ccr.npz")]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["results"]["wrd+saved"] == first["results"]["wrd+sif+ccr"]
    assert main(["eval", "sts", "--limit", "80", "-m", "wrd", "-m", "wmd", "-m", "wrd+saved",
                 "--converter", str(folder / "sif+ccr.npz")]) == 0
    out = capsys.readouterr().out
    assert "stsb-en test" in out and "saved" in out and "wmd" in out
    assert f"{first['results']['wrd']['spearman']:.2f}" in out


def test_eval_sts_errors_are_one_line(capsys):
    assert main(["eval", "sts", "--dataset", "stsb-zh", "-m", "wrd"]) == 2
    assert "Chinese-capable" in capsys.readouterr().err
    assert main(["eval", "sts", "-m", "cosinus"]) == 2
    assert "unknown measure" in capsys.readouterr().err


def test_eval_knn_small(capsys):
    assert main(["eval", "knn", "-d", "trec", "--n-docs", "40", "--splits", "2", "-m", "bow", "-m", "wrd"]) == 0
    out = capsys.readouterr().out
    assert "trec" in out and "kNN test error" in out and "run time" in out
    assert main(["eval", "knn", "-d", "trec", "--n-docs", "40", "--splits", "2", "-m", "tfidf", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert len(res["trec"]["tfidf"]["errors"]) == 2
