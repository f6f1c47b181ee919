"""`kexue gelu table|plot|fit`."""

import json

from kexue.cli.main import main


def test_table_reproduces_acceptance_numbers(capsys, tmp_path):
    out_json = tmp_path / "gelu.json"
    assert main(["gelu", "table", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    for text in ("0.0455399241", "0.0447149112", "1.7017449253", "1.7893e-04", "4.7324e-04", "2.6989", "2.0335e-02"):
        assert text in out, text
    data = json.loads(out_json.read_text())
    rows = {r["name"]: r for r in data["errors"]}
    assert round(rows["tanh"]["gelu_max_error"], 6) == 0.000473
    assert all(rows[n]["gelu_max_error"] < rows["tanh"]["gelu_max_error"] for n in ("tanh_gelu", "tanh_joint", "tanh5"))
    consts = {r["constant"]: r for r in data["constants"]}
    assert abs(consts["λ in σ(λx), min-max Φ"]["value"] - 1.7017449) < 1e-6


def test_plot_writes_png(tmp_path, capsys):
    png = tmp_path / "err.png"
    assert main(["gelu", "plot", "--out", str(png), "--forms", "tanh,tanh5", "--kind", "phi"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size < 300_000


def test_fit_command(capsys):
    assert main(["gelu", "fit", "tanh3", "--fix", "a=0.7978845608028654"]) == 0
    out = capsys.readouterr().out
    assert "0.035677337" in out and "(fixed)" in out and "certified lower bound" in out


def test_bad_input_is_one_line(capsys, tmp_path):
    for argv in (["gelu", "plot", "--out", str(tmp_path / "x.png"), "--forms", "relu"],
                 ["gelu", "plot", "--out", str(tmp_path / "x.png"), "--kind", "erf"],
                 ["gelu", "fit", "cosine"],
                 ["gelu", "fit", "tanh3", "--fix", "a"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err
