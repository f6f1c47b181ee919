import json

from kexue.cli.main import main


def test_init_report_small(tmp_path, capsys):
    js, spec, norms = tmp_path / "r.json", tmp_path / "s.png", tmp_path / "n.png"
    args = ["init", "report", "--width", "16", "--depth", "6", "--batch", "8", "--trials", "2",
            "--inits", "orthogonal,lecun_normal,he_normal", "--activations", "linear,relu", "--demo-n", "20",
            "--demo-trials", "30", "--json", str(js), "--plot-spectra", str(spec), "--plot-norms", str(norms)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Article demo" in out and "Spectra" in out and "Depth" in out
    data = json.loads(js.read_text())
    assert abs(data["demo"]["relative_difference"]) < 0.2
    runs = {(r["activation"], r["init"]): r for r in data["depth_runs"]}
    assert runs[("linear", "orthogonal")]["max_norm_drift"] < 1e-12
    assert runs[("relu", "lecun_normal")]["final_mean_square_ratio"] < 0.1
    assert data["spectra"]["orthogonal 64×16"]["singular_min"] > 0.999999
    assert spec.stat().st_size > 1000 and norms.stat().st_size > 1000


def test_init_report_rejects_unknown_names(capsys):
    assert main(["init", "report", "--inits", "glorot"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "glorot" in err and "\n" not in err


def test_init_report_gains(tmp_path, capsys):
    js = tmp_path / "g.json"
    args = ["init", "report", "--width", "32", "--depth", "8", "--batch", "16", "--trials", "1",
            "--inits", "orthogonal,he_normal", "--activations", "relu", "--gain", "conventional",
            "--demo-n", "10", "--demo-trials", "2", "--json", str(js)]
    assert main(args) == 0
    runs = {r["init"]: r for r in json.loads(js.read_text())["depth_runs"]}
    assert runs["orthogonal"]["gain"] == 2 ** 0.5 and runs["he_normal"]["gain"] == 1.0
    assert 0.2 < runs["orthogonal"]["final_mean_square_ratio"] < 5
    assert main(args[:-2] + ["--gain", "double"]) == 2
