"""`broadcasting explain` from the command line: output, JSON, exit codes, one-line errors."""
import json
import subprocess
import sys

import pytest

from broadcasting.cli import main
from broadcasting.cli import parse_expression


def run(*args):
    return subprocess.run([sys.executable, "-m", "broadcasting", *args], capture_output=True,
                          text=True, timeout=60)


def test_explain_text_and_no_torch_import():
    # nor numpy, nor another sub-command's package: only the chosen sub-command is registered
    code = ("import sys\nfrom broadcasting.cli import main\nmain(['explain', 'a(3) * B(2,3)'])\n"
            "heavy = [m for m in ('torch', 'numpy', 'libcst', 'broadcasting.corpus', "
            "'broadcasting.docs', 'broadcasting.derive', 'broadcasting.audit') if m in sys.modules]\n"
            "assert not heavy, f'explain imported {heavy}'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "C[i,j] = a[j] * B[i,j]" in r.stdout
    assert "C = B \\, \\operatorname{diag}(a)" in r.stdout
    assert "j,ij->ij" in r.stdout and 'einops "j, i j -> i j"' in r.stdout


def test_json_names_and_result(capsys):
    assert main(["explain", "x(2) @ W(2,3)", "--result", "h", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["index"] == "h[j] = Σ_i x[i] * W[i,j]" and d["einsum"] == "i,ij->j"
    assert d["matrix"] == "h = W^\\top x"


@pytest.mark.parametrize("expr, op", [("(3,) + (2, 3)", "+"), ("(4,4) / (4,)", "/"),
                                      ("(2,1) < (3,)", "<"), ("a() ** b(3)", "**")])
def test_other_operators(expr, op, capsys):
    assert main(["explain", expr, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["op"] == op


@pytest.mark.parametrize("expr, message", [
    ("(2, 3) * (2,)", "axis -1 has 3 vs 2 (neither is 1); did you mean b[:, None]"),
    ("(2,3) * (2,", "cannot read"),
    ("(2, x) * (3,)", "is not a list of integers"),
    ("a(3) * (3,)", "name all or none"),
    ("(3,) * (3,) + (3,)", "mixes operators"),
    ("(3,) @ ()", "0-d"),
    ("(3,) *", "ends without an operand"),
])
def test_bad_input_exit_2_one_line(expr, message):
    r = run("explain", expr)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and message in lines[0]


def test_help_has_examples():
    r = run("explain", "--help")
    assert r.returncode == 0 and 'broadcasting explain "a(3) * B(2,3)"' in r.stdout


def test_svg_option(tmp_path, capsys):
    out = tmp_path / "d.svg"
    assert main(["explain", "a(3) * B(2,3)", "--svg", str(out)]) == 0
    import xml.etree.ElementTree as ET
    root = ET.fromstring(out.read_text())
    assert root.tag.endswith("svg") and "a(3,) * B(2, 3)" in out.read_text()


def test_parse_expression():
    assert parse_expression("a(3) * B(2,3)") == (((3,), (2, 3)), "*", ("a", "B"))
    assert parse_expression("(3,)+()") == (((3,), ()), "+", None)
    assert parse_expression("(2,3,)") == (((2, 3),), "*", None)


def _ones(n):
    return "(" + ",".join(["1"] * n) + ")"


def test_beyond_52_axes_prints_what_exists_and_writes_the_svg_after(tmp_path, capsys):
    """Issue 13.4: 53 axes: the notations that exist are printed, the others named with their
    reason, exit 0; the --svg file is written (atomically) once the text is built."""
    svg = tmp_path / "d.svg"
    assert main(["explain", f"a{_ones(53)} * b{_ones(53)}", "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "C[i,j,k," in out and "no einsum" in out and "52 letters" in out
    assert svg.read_text().startswith("<svg") and [p.name for p in tmp_path.iterdir()] == ["d.svg"]
    assert main(["explain", f"a{_ones(53)} * b{_ones(53)}", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["einsum"] is None and d["adjoints"] is None and "52 letters" in d["unavailable"]["einsum"]


def test_svg_target_checked_before_anything_is_written(tmp_path, capsys):
    keep = tmp_path / "keep.svg"
    keep.write_text("keep")
    assert main(["explain", "a(2,3) * b(3,2)", "--svg", str(keep)]) == 2  # does not broadcast
    assert keep.read_text() == "keep"
    assert main(["explain", "a(3) * b(3)", "--svg", str(tmp_path)]) == 2
    assert "not a regular file" in capsys.readouterr().err
