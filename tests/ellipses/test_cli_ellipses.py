import json

import pytest

from kexue.cli.main import main


def test_default_text_output(capsys):
    assert main(["ellipse", "--a", "2", "--b", "1"]) == 0
    out = capsys.readouterr().out
    assert "2.4221120551" in out and "1.5697573788" in out and "3.1674635919" in out
    assert "verdict: gluable" in out and "holds" in out
    assert "watertight yes" in out and "outward normals yes" in out


def test_json_and_files(capsys, tmp_path):
    files = {ext: tmp_path / f"solid.{ext}" for ext in ("stl", "obj", "svg", "png")}
    args = ["ellipse", "--a", "3", "--b", "1", "--json", "--resolution", "200"]
    for ext, path in files.items():
        args += [f"--{ext}", str(path)]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["length"] == pytest.approx(2.6572933486, abs=1e-9)
    assert out["volume"] == pytest.approx(5.7372689989, abs=1e-9)
    assert out["mesh"]["watertight"] and out["mesh"]["outward_normals"]
    assert abs(out["mesh"]["volume_rel_error"]) < 1e-4
    for path in files.values():
        assert path.stat().st_size > 0
    assert sorted(out["written"]) == sorted(str(p) for p in files.values())


def test_minor_axis_verdict(capsys):
    assert main(["ellipse", "--a", "1", "--b", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gluable"] is False and out["discriminant"] == pytest.approx(-0.7596, abs=5e-5)
    assert "minor axis" in out["verdict"]


def test_grid_method_table(capsys):
    assert main(["ellipse", "--grid-method", "--grid-step", "1e-4"]) == 0
    out = capsys.readouterr().out
    assert "grid method (step 0.0001) vs exact" in out and "2.3943889564" in out


def test_superellipse_option(capsys):
    assert main(["ellipse", "--p", "2.5", "--json", "--resolution", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gluable"] and out["profile_lengths"] == pytest.approx([2, 2], rel=1e-6)


@pytest.mark.parametrize("args, msg", [
    (["--a", "-1"], "a must be a finite positive number"),
    (["--a", "1", "--b", "2", "--stl", "x.stl"], "no solid"),
    (["--a", "1", "--b", "1", "--png", "x.png"], "flat"),
    (["--p", "0.5"], "p must be > 1"),
    (["--p", "3", "--grid-method"], "drop --p"),
])
def test_errors_are_one_line(capsys, args, msg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["ellipse", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and msg in err
