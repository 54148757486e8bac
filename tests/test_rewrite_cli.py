"""``broadcasting rewrite`` (broadcasting.rewrite.cli), notebooks, --no-exec and the magic."""
import json

import nbformat
import numpy as np

from broadcasting.cli import main
from broadcasting.rewrite.api import markdown_of
from broadcasting.rewrite.magic import explicit_cell, load_ipython_extension
from broadcasting.rewrite.static import UNKNOWN, rewrite_static

PROGRAM = "import numpy as np\nx = np.arange(3.0)\nW = np.ones((2, 3))\ny = x * W  # keep me\n"


def test_prints_rewrite_and_never_touches_input(tmp_path, capsys):
    src = tmp_path / "p.py"
    src.write_text(PROGRAM)
    assert main(["rewrite", str(src)]) == 0
    out = capsys.readouterr()
    assert 'y = einops.einsum(x, W, "j, ... j -> ... j")  # keep me' in out.out
    assert "rewrote 1" in out.err and src.read_text() == PROGRAM
    assert main(["rewrite", str(src), "--style", "numpy", "--no-annotate", "-o", str(tmp_path / "o.py")]) == 0
    assert (tmp_path / "o.py").read_text().endswith('y = np.einsum("j,...j->...j", x, W)  # keep me\n')
    assert main(["rewrite", str(src), "--in-place"]) == 0
    assert "einops.einsum" in src.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_program_error_exit_1_nothing_written(tmp_path, capsys):
    src = tmp_path / "bad.py"
    src.write_text("import numpy as np\n\ny = np.ones(3) * np.ones(2)\n")
    assert main(["rewrite", str(src), "-o", str(tmp_path / "out.py")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and f'"{src}", line 3' in err and "broadcasting/" not in err
    assert not (tmp_path / "out.py").exists()


def test_bad_input_exit_2_one_line(tmp_path, capsys):
    src = tmp_path / "syn.py"
    src.write_text("y = 1\ny = (a *\n")
    assert main(["rewrite", str(src)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{src}:2:5: syntax error" in err
    assert main(["rewrite", str(src), "-o", str(src)]) == 2
    assert main(["rewrite", str(tmp_path / "missing.py")]) == 2
    assert main(["rewrite", str(src), "--no-exec", "--shape", "W=two"]) == 2
    assert "--shape" in capsys.readouterr().err


def test_help_says_the_program_runs(capsys):
    try:
        main(["rewrite", "--help"])
    except SystemExit:
        pass
    out = capsys.readouterr().out
    assert "EXECUTED" in out and "--no-exec" in out and "examples:" in out


def test_no_exec_from_given_shapes(tmp_path, capsys):
    src = tmp_path / "p.py"
    src.write_text("y = 0.5 * x * W\nz = x * load()\n")
    assert main(["rewrite", str(src), "--no-exec", "--shape", "x=3", "--shape", "W=2,3"]) == 0
    out = capsys.readouterr()
    assert 'y = einops.einsum(0.5 * x, W, "j, ... j -> ... j")' in out.out
    assert "z = x * load()" in out.out and UNKNOWN in out.err
    rw = rewrite_static("t = a * b", {"a": (2, 1), "b": (3,)}, style="torch")
    assert 'torch.einsum("i,j->ij"' not in rw.source and "torch.outer(a[:, 0], b)" in rw.source


def test_notebook_in_and_out(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nv = np.arange(2.0)"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("M = v[:, None] * v", outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "array(...)"}, execution_count=2)])])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "o.ipynb"
    assert main(["rewrite", str(path), "-o", str(out)]) == 0
    new = nbformat.read(str(out), as_version=4)
    assert new.cells[0].source == nb.cells[0].source  # IPython syntax: left as written
    assert new.cells[2].source.startswith('import einops\nM = einops.einsum(v, v, "i, j -> i j")')
    assert new.cells[2].outputs == nb.cells[2].outputs
    assert "".join(json.loads(path.read_text())["cells"][2]["source"]) == "M = v[:, None] * v"


class FakeIPython:
    def __init__(self):
        self.user_ns, self.magics = {"a": np.ones(3), "B": np.ones((2, 3))}, {}

    def register_magic_function(self, fn, magic_kind, magic_name):
        self.magics[(magic_kind, magic_name)] = fn


def test_magic_runs_cell_and_explains(monkeypatch):
    import broadcasting
    ip = FakeIPython()
    broadcasting.load_ipython_extension(ip)
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    ip.magics[("cell", "explicit")]("--style numpy", "C = a * B")
    assert ip.user_ns["C"].shape == (2, 3)
    text = shown[0].data
    assert 'np.einsum("j,...j->...j", a, B)' in text and "$$C_{ij} = a_{j} B_{ij}$$" in text
    rw = explicit_cell("D = a * B * 2.0", ip.user_ns)
    assert "$$D_{ij} = a_{j} B_{ij} 2.0$$" in markdown_of(rw).replace("\\mathrm{2.0}", "2.0")
    direct = FakeIPython()  # the rewrite package's own entry point registers the same magic
    load_ipython_extension(direct)
    assert set(direct.magics) == {("cell", "explicit")}
