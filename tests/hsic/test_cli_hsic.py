"""`kexue hsic ...` commands: output, files and one-line errors."""

import json

import numpy as np
import pandas as pd
import pytest

from kexue.cli.main import main


@pytest.fixture()
def table(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(120)
    df = pd.DataFrame({"x": x, "noise": rng.standard_normal(120), "y": x ** 2 + 0.3 * rng.standard_normal(120),
                       "group": np.where(x > 0, "up", "down")})
    df.loc[3, "y"] = np.nan
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_test_command_on_csv(table, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["hsic", "test", str(table), "--x", "x", "--y", "y", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "p-value (gamma)" in text and "1 rows with gaps dropped" in text
    r = json.loads(out.read_text())
    assert r["n"] == 119 and r["pvalue"] < 1e-6


def test_test_command_mixed_columns_and_permutation(table, capsys):
    assert main(["hsic", "test", str(table), "--x", "1", "--y", "group,y", "--method", "permutation",
                 "--permutations", "99"]) == 0
    p = float(capsys.readouterr().out.strip().splitlines()[-1].split("=")[1])
    assert 0.01 <= p <= 1


@pytest.mark.parametrize("args, msg", [
    (["--x", "nope", "--y", "y"], "no column"),
    (["--x", "x", "--y", "y", "--method", "exact"], "method"),
])
def test_test_command_errors_are_one_line(table, capsys, args, msg):
    assert main(["hsic", "test", str(table), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and msg in err and "\n" not in err


def test_missing_file_is_one_line_error(tmp_path, capsys):
    assert main(["hsic", "test", str(tmp_path / "none.csv"), "--x", "a", "--y", "b"]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_power_command_writes_plot_and_json(tmp_path, capsys):
    png, js = tmp_path / "p.png", tmp_path / "p.json"
    assert main(["hsic", "power", "--n", "40", "--reps", "4", "--noise", "0.5,4", "--no-hyppo",
                 "--permutations", "49", "--plot", str(png), "--json", str(js)]) == 0
    r = json.loads(js.read_text())
    assert png.stat().st_size > 1000 and r["noise"] == [0.5, 4.0] and len(r["gamma"]) == 2
    assert main(["hsic", "power", "--noise", "a,b"]) == 2


def test_article_and_calibrate_commands(capsys):
    assert main(["hsic", "article", "--n", "200", "--seeds", "2"]) == 0
    assert "population HSIC" in capsys.readouterr().out
    assert main(["hsic", "calibrate", "--n", "30", "--reps", "5", "--no-hyppo", "--permutations", "19"]) == 0
    assert "rejection rate" in capsys.readouterr().out
