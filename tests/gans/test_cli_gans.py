"""`kexue gan ...` end to end (small runs)."""

import json

from kexue.cli.main import main


def test_list_and_check(capsys):
    assert main(["gan", "list"]) == 0
    out = capsys.readouterr().out
    assert "nonsaturating" in out and "squared-hellinger" in out and "E_q[t]" in out
    assert main(["gan", "check", "f"]) == 0
    out = capsys.readouterr().out
    assert "lsgan: FAILED" in out and "[FAIL] beta o omega strictly increasing" in out


def test_check_custom_design_writes_json(tmp_path, capsys):
    path = tmp_path / "rep.json"
    assert main(["gan", "check", "--omega", "log(r)", "--rho", "exp(-t)", "--json", str(path)]) == 0
    rep = json.loads(path.read_text())
    assert rep["ok"] is True and len(rep["conditions"]) == 4
    assert "exp" in rep["psi"]


def test_value_prints_the_reference_number(capsys):
    assert main(["gan", "value", "a", "--p", "norm(0,1)", "--q", "norm(1,1)"]) == 0
    assert "-0.4703042162" in capsys.readouterr().out


def test_train_tiny_run_with_plot_and_json(tmp_path, capsys):
    png, js = tmp_path / "s.png", tmp_path / "m.json"
    assert main(["gan", "train", "--loss", "nonsaturating", "--data", "ring8", "--steps", "30",
                 "--plot", str(png), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "modes_covered" in out and png.stat().st_size > 1000
    rec = json.loads(js.read_text())
    assert rec["steps"] == 30 and rec["history"][-1]["step"] == 30


def test_compare_tiny_and_merge(tmp_path, capsys):
    md, js, npz, png = tmp_path / "t.md", tmp_path / "r.json", tmp_path / "s.npz", tmp_path / "g.png"
    assert main(["gan", "compare", "--data", "ring8", "--losses", "e,lsgan", "--seeds", "1", "--steps", "20",
                 "--md", str(md), "--json", str(js), "--samples", str(npz)]) == 0
    table = md.read_text()
    assert "| nonsaturating |" in table and "| lsgan |" in table
    merged = tmp_path / "m.md"
    assert main(["gan", "table", "--json", str(js), "--samples", str(npz), "--md", str(merged),
                 "--plot", str(png)]) == 0
    assert merged.read_text() == table and png.stat().st_size > 1000


def test_bad_inputs_are_one_line_errors(capsys):
    for argv in (["gan", "check", "nope"], ["gan", "check"], ["gan", "train", "--data", "cifar"],
                 ["gan", "value", "a", "--p", "gauss(0)"], ["gan", "check", "a", "--omega", "log(r)"],
                 ["gan", "compare", "--data", "mnist5k"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err
