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
