import json

from kexue.cli.main import main


def test_angles_table_json_and_plot(tmp_path, capsys):
    plot, js = tmp_path / "a.png", tmp_path / "a.json"
    assert main(["angles", "--n", "3,100", "--samples", "2000", "--plot", str(plot), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "0.467401" in out and "0.0101007" in out  # the article's variance table entries
    rows = json.loads(js.read_text())["rows"]
    assert [r["n"] for r in rows] == [3, 100]
    assert all(r["ks_pvalue"] > 1e-3 for r in rows)
    assert abs(rows[1]["var_monte_carlo"] / rows[1]["var_exact"] - 1) < 0.1
    assert plot.stat().st_size > 1000


def test_angles_bad_input_is_one_line(capsys):
    for args in (["angles", "--n", "1,5"], ["angles", "--n", "three"]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err
