"""``broadcasting audit``: output formats, exit codes, errors on one line, program arguments."""
import json
import pathlib
import subprocess
import sys

import pytest

from broadcasting.cli import main

PROGRAMS = pathlib.Path(__file__).parent / "audit_programs"
BUGGY = "import numpy as np\npred = np.ones((4, 1))\ny = np.arange(4.0)\nerr = (pred - y) * 2\nprint('done')\n"


@pytest.fixture
def buggy(tmp_path):
    path = tmp_path / "buggy.py"
    path.write_text(BUGGY)
    return str(path)


def test_text_output_grouped_by_line_with_caret(buggy, capsys):
    assert main(["audit", buggy]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"{buggy}:4:"
    assert lines[1] == "     4 | err = (pred - y) * 2"
    assert lines[2] == "       | " + " " * 12 + "^"
    assert "warning [accidental-outer-product] col 13" in lines[3]
    assert lines[4].strip().startswith("fix: ")
    assert lines[-1] == "1 warning, 1 info (2 operator sites ran)"
    assert "[scalar]" not in out and "done" in err  # the program's prints go to stderr


def test_json_output_is_exactly_the_findings(buggy, capsys):
    assert main(["audit", buggy, "--json"]) == 1
    out = capsys.readouterr().out
    data = json.loads(out)
    assert list(data) == ["findings"]
    first, second = data["findings"]
    assert list(first) == ["line", "col", "op", "shapes", "kind", "severity", "message", "suggestion"]
    assert (first["line"], first["col"], first["op"], first["shapes"]) == (4, 13, "-", [[4, 1], [4]])
    assert (first["kind"], first["severity"]) == ("accidental-outer-product", "warning")
    assert (second["kind"], second["severity"], second["shapes"]) == ("scalar", "info", [[4, 4], []])


def test_clean_program_exits_zero_and_options(capsys):
    path = str(PROGRAMS / "clean_np_standardize.py")
    assert main(["audit", path]) == 0
    assert "0 warnings" in capsys.readouterr().out
    assert main(["audit", "-w", path]) == 0
    assert capsys.readouterr().out.startswith("0 warnings")
    assert main(["audit", path, "--all"]) == 0
    assert "[scalar]" in capsys.readouterr().out


@pytest.mark.parametrize("content, needle", [
    (None, "cannot read"), ("x = (1 +\n", "syntax error"), (b"\xff\xfe\x00bad", "cannot read")])
def test_bad_input_is_one_line_exit_two(tmp_path, capsys, content, needle):
    path = tmp_path / "bad.py"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    assert main(["audit", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and needle in err


def test_program_that_raises_exit_one_findings_kept(tmp_path, capsys):
    path = tmp_path / "crash.py"
    path.write_text(BUGGY + "raise RuntimeError('bad data')\n")
    assert main(["audit", str(path), "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["findings"][0]["line"] == 4
    assert "the program raised RuntimeError at line 6: bad data" in err
    assert "Traceback" not in err


def test_program_exit_code_and_arguments(tmp_path, capsys):
    path = tmp_path / "args.py"
    path.write_text("import sys\nprint(sys.argv[1:], file=sys.stderr)\nsys.exit(int(sys.argv[1]))\n")
    assert main(["audit", str(path), "--json", "--", "0", "--epochs"]) == 0
    assert "['0', '--epochs']" in capsys.readouterr().err
    assert main(["audit", str(path), "4"]) == 1
    assert "the program exited with status 4" in capsys.readouterr().err


def test_help_documents_exit_codes_and_is_reachable_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "broadcasting", "audit", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "broadcasting audit train.py" in out and "or the program raised" in out


def _marked(path) -> set[int]:
    return {n for n, line in enumerate(path.read_text().splitlines(), 1) if "# BUG" in line}


#: programs whose bugs only the call recorders see (distributions, an axis passed as a
#: parameter, numpy method reductions, torch.min(a, b)): the command line must run them in the
#: child process as the in-process audit does (it ran none of them before)
RECORDED = ["bug_torch_distribution", "bug_torch_bernoulli", "bug_torch_softmax_param",
            "bug_np_softmax_axis", "bug_torch_twin_q_min", "clean_torch_softmax_param"]


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("name", RECORDED)
def test_command_line_sees_what_the_call_recorders_see(name, capsys):
    path = PROGRAMS / f"{name}.py"
    code = main(["audit", str(path), "--json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {f["line"] for f in findings if f["severity"] == "warning"} == _marked(path)
    assert code == (1 if _marked(path) else 0)


@pytest.mark.parametrize("command", ["audit", "rewrite"])
def test_run_without_files_names_what_is_missing(command, capsys):
    assert main([command, "--run", "python train.py"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"broadcasting {command}: error: --run 'python train.py' given without a file "
                   f"to trace: name the files whose broadcasts to trace, e.g. broadcasting "
                   f"{command} model.py --run \"python train.py\"")


MODEL = '''import torch
from torch.distributions import Normal


def nll(loc, y):
    return -Normal(loc, 1.0).log_prob(y).mean()


def softmax(x, dim):
    e = (x - x.max(dim=dim).values).exp()
    return e / e.sum(dim=dim)
'''


def test_run_mode_records_calls_of_the_traced_module(tmp_path, capsys, monkeypatch):
    """--run: a module driven by a script gets the call recorders too (distributions, an axis
    passed as a parameter)."""
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "train.py").write_text("import torch\nfrom model import nll, softmax\n"
                                       "nll(torch.zeros(8, 1), torch.zeros(8))\n"
                                       "softmax(torch.randn(4, 4), 1)\n")
    monkeypatch.chdir(tmp_path)
    code = main(["audit", "model.py", "--run", f"{sys.executable} train.py", "--json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert sorted((f["line"], f["kind"]) for f in findings if f["severity"] == "warning") == [
        (6, "accidental-outer-product"), (10, "ambiguous-alignment"), (11, "ambiguous-alignment")]
    assert code == 1
