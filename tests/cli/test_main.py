import subprocess
import sys

from kexue.cli.main import main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "data" in out


def test_bad_input_is_one_line_and_nonzero(capsys):
    assert main(["data", "install", "no-such-data"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err


def test_console_script_runs():
    res = subprocess.run([sys.executable, "-m", "kexue", "data", "list"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "stsb" in res.stdout


def test_usage_errors_are_short_not_tracebacks(capsys):
    for argv in (["no-such-command"], ["similarity", "--no-such-option"], ["data", "list", "extra-arg"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Error:" in err and "Traceback" not in err, argv
