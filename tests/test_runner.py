"""Running the user's program (issue 12): one runner for rewrite and audit, in a child process.
Each test is one of the issue's reproductions (or a case in their spirit); they run the command
line as a user would (``python -m broadcasting …``) where the tool's own stdout/exit matter."""
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from broadcasting.cli import main

ROOT = Path(__file__).resolve().parent.parent
OUTER = "import numpy as np\nx = np.arange(3.0)\nW = np.ones((2, 3))\ny = x * W\n"
REWRITTEN = 'y = einops.einsum(x, W, "j, ... j -> ... j")'


def tool(*args, cwd, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "broadcasting", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, **kw)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- 1. a program that changes directory cannot move the output --------------------------------

def test_chdir_cannot_redirect_in_place_or_o(tmp_path):
    prog = write(tmp_path / "prog.py", OUTER + "import os\nos.chdir('other')\n")
    decoy = write(tmp_path / "other" / "prog.py", "decoy = 1\n")
    r = tool("rewrite", "prog.py", "--in-place", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert REWRITTEN in prog.read_text() and decoy.read_text() == "decoy = 1\n"
    write(prog, OUTER + "import os\nos.chdir('other')\n")
    r = tool("rewrite", "prog.py", "-o", "out.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert REWRITTEN in (tmp_path / "out.py").read_text() and not (tmp_path / "other" / "out.py").exists()


def test_chdir_to_the_programs_folder_idiom(tmp_path):
    write(tmp_path / "sub" / "prog.py", "import os\nos.chdir(os.path.dirname(os.path.abspath(__file__)))\n"
          + OUTER + "assert open('data.txt').read() == 'ok'\n")
    write(tmp_path / "sub" / "data.txt", "ok")
    r = tool("rewrite", "sub/prog.py", cwd=tmp_path)
    assert r.returncode == 0 and REWRITTEN in r.stdout and "Traceback" not in r.stderr


# -- 2. special files, symlinks, folders, read-only paths ----------------------------------------

def test_o_refuses_devices_and_fifos_leaving_them_alone(tmp_path):
    prog = write(tmp_path / "prog.py", OUTER)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/full"), Path("/dev/null")):
        if not target.exists():
            continue
        kind = stat.S_IFMT(os.stat(target).st_mode)
        assert main(["rewrite", str(prog), "-o", str(target)]) == 2
        assert stat.S_IFMT(os.stat(target).st_mode) == kind


def test_symlink_target_is_rewritten_the_link_stays(tmp_path, capsys):
    real = write(tmp_path / "real.py", OUTER)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    assert main(["rewrite", str(link), "--in-place"]) == 0
    assert link.is_symlink() and REWRITTEN in real.read_text()
    out_real = write(tmp_path / "out_real.py", "old\n")
    out_link = tmp_path / "out_link.py"
    out_link.symlink_to(out_real)
    write(real, OUTER)
    assert main(["rewrite", str(real), "-o", str(out_link)]) == 0
    assert out_link.is_symlink() and REWRITTEN in out_real.read_text()


@pytest.mark.parametrize("where, needle", [
    ("missing/out.py", "does not exist"), (".", "is a folder"), ("ro.py", "read-only")])
def test_bad_output_paths_are_one_line_exit_2_before_running(tmp_path, capsys, monkeypatch, where, needle):
    prog = write(tmp_path / "prog.py", OUTER + "open('ran', 'w').close()\n")
    ro = write(tmp_path / "ro.py", "keep\n")
    ro.chmod(0o444)
    monkeypatch.chdir(tmp_path)
    assert main(["rewrite", str(prog), "-o", where]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err
    assert not (tmp_path / "ran").exists() and ro.read_text() == "keep\n"


def test_svg_into_a_missing_folder_is_exit_2(tmp_path, capsys):
    assert main(["explain", "a(3) * B(2,3)", "--svg", str(tmp_path / "no" / "a.svg")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_new_file_gets_the_umask_mode_and_no_temp_is_left(tmp_path):
    prog = write(tmp_path / "prog.py", OUTER)
    old = os.umask(0o027)
    try:
        assert main(["rewrite", str(prog), "-o", str(tmp_path / "new.py")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.py").st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.py", "prog.py"]


# -- 3. the program's stdout never mixes into the rewritten source --------------------------------

def test_stdout_is_exactly_the_rewritten_source(tmp_path):
    write(tmp_path / "prog.py", "print(32033)\n" + OUTER)
    r = tool("rewrite", "prog.py", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("import einops\n") and "32033" in r.stderr
    compile(r.stdout, "out.py", "exec")


def test_a_program_that_reassigns_sys_stdout_cannot_swallow_the_output(tmp_path):
    write(tmp_path / "prog.py", OUTER + "import io, sys\nsys.stdout = io.StringIO()\n")
    r = tool("rewrite", "prog.py", cwd=tmp_path)
    assert r.returncode == 0 and REWRITTEN in r.stdout


# -- 4. exit statuses ----------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["import sys\ndef main():\n    pass\nsys.exit(main())\n",
                                    "import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"])
def test_a_program_exiting_with_status_0_is_rewritten(tmp_path, ending):
    write(tmp_path / "prog.py", OUTER + ending)
    r = tool("rewrite", "prog.py", cwd=tmp_path)
    assert r.returncode == 0 and REWRITTEN in r.stdout and "rewrote 1" in r.stderr


def test_non_zero_status_is_exit_1_and_nothing_written(tmp_path):
    write(tmp_path / "prog.py", OUTER + "import sys\nsys.exit(3)\n")
    r = tool("rewrite", "prog.py", "-o", "out.py", cwd=tmp_path)
    assert r.returncode == 1 and "the program exited with status 3" in r.stderr
    assert not (tmp_path / "out.py").exists() and r.stdout == ""


def test_audit_of_a_program_ending_in_os_exit_reports_the_outer_product(tmp_path):
    write(tmp_path / "prog.py", "import numpy as np, os\npred = np.ones((4, 1))\ny = np.arange(4.0)\n"
          "e = pred - y\nos._exit(0)\n")
    r = tool("audit", "prog.py", cwd=tmp_path)
    assert r.returncode == 1 and "accidental-outer-product" in r.stdout


def test_a_base_exception_subclass_is_reported_not_a_tool_traceback(tmp_path, capsys):
    prog = write(tmp_path / "prog.py", OUTER + "class Stop(BaseException):\n    pass\nraise Stop('halt')\n")
    assert main(["rewrite", str(prog)]) == 1
    err = capsys.readouterr().err
    assert "the program raised Stop at line 7: halt" in err and "broadcasting/" not in err
    assert main(["audit", str(prog), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["error"] == {"type": "Stop", "message": "halt", "line": 7}


# -- 5. notebooks: a function from one cell called in another computes what the plain run does ---

def _notebook(tmp_path, *cells) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_cross_cell_calls_use_their_own_cells_operators(tmp_path, capsys):
    path = _notebook(tmp_path, "import numpy as np\ndef diff(a, b):\n    return a - b",
                     "print('value', diff(5, 3) * np.ones(1))", "print('again', diff(7, 2))")
    assert main(["rewrite", str(path), "-o", str(tmp_path / "o.ipynb")]) == 0
    err = capsys.readouterr().err
    assert "value [2.]" in err and "again 5" in err


def test_cross_cell_calls_in_process(tmp_path):
    from broadcasting.rewrite.notebook import rewrite_notebook
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\ndef cmp(a, b):\n    return np.abs(a - b).max()"),
        nbformat.v4.new_code_cell("g = np.arange(4.0)\nd = cmp(g, g * 1.0)\nh = g[:, None] * g")])
    ns = {}
    new, rewrites = rewrite_notebook(nb, ns)
    assert ns["d"] == 0.0 and np.array_equal(ns["h"], np.outer(np.arange(4.0), np.arange(4.0)))
    assert "einsum" in new.cells[1].source


def test_ipython_syntax_runs_as_ipython_runs_it(tmp_path, capsys, monkeypatch):
    path = _notebook(tmp_path, "import numpy as np\nfiles = !echo hi\nnp.ones?\n%time t = 1",
                     "%%writefile made.txt\nwritten", 's = """\n%notmagic\n"""\nv = np.arange(2.0)',
                     "M = v[:, None] * v\nprint(files, t, repr(s))", "%%bash\necho bashed > bashed.txt")
    monkeypatch.chdir(tmp_path)
    assert main(["rewrite", str(path), "-o", str(tmp_path / "o.ipynb")]) == 0
    err = capsys.readouterr().err
    assert "['hi'] 1 '\\n%notmagic\\n'" in err and (tmp_path / "made.txt").read_text() == "written\n"
    assert (tmp_path / "bashed.txt").read_text() == "bashed\n"
    new = nbformat.read(str(tmp_path / "o.ipynb"), as_version=4)
    assert new.cells[0].source.startswith("import numpy as np\nfiles = !echo hi")
    assert "einsum" in new.cells[3].source


def test_audit_of_a_notebook_says_what_works(tmp_path, capsys):
    path = _notebook(tmp_path, "x = 1")
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nbconvert" in err


# -- 6. fork and multiprocessing -----------------------------------------------------------------

def test_a_forking_program_prints_the_rewrite_once(tmp_path):
    write(tmp_path / "prog.py", OUTER + "import os\npid = os.fork()\nif pid == 0:\n    print('child')\n"
          "else:\n    os.waitpid(pid, 0)\n")
    r = tool("rewrite", "prog.py", "-o", "out.py", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr.count("rewrote 1") == 1 and "child" in r.stderr
    r = tool("rewrite", "prog.py", cwd=tmp_path)
    assert r.stdout.count("import einops") == 1


def test_multiprocessing_spawn_pickles_functions_of_main(tmp_path):
    write(tmp_path / "prog.py", OUTER + "import multiprocessing as mp\n"
          "def square(v):\n    return v * v\n"
          "if __name__ == '__main__':\n"
          "    with mp.get_context('spawn').Pool(2) as pool:\n"
          "        print('squares', pool.map(square, [1, 2, 3]))\n")
    r = tool("rewrite", "prog.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "squares [1, 4, 9]" in r.stderr and REWRITTEN in r.stdout


# -- clear errors, arguments, interrupts -------------------------------------------------------

def test_program_arguments_after_double_dash_are_untouched(tmp_path):
    write(tmp_path / "prog.py", OUTER + "import sys\nprint('argv', sys.argv[1:])\n")
    r = tool("audit", "prog.py", "--", "--json", "-w", cwd=tmp_path)
    assert "argv ['--json', '-w']" in r.stderr
    assert not r.stdout.lstrip().startswith("{")
    r = tool("rewrite", "prog.py", "--", "-o", "x", cwd=tmp_path)
    assert r.returncode == 0 and "argv ['-o', 'x']" in r.stderr and not (tmp_path / "x").exists()


def test_sigint_during_audit_prints_findings_so_far_exit_130(tmp_path):
    write(tmp_path / "prog.py", "import numpy as np, time\npred = np.ones((4, 1))\ny = np.arange(4.0)\n"
          "e = pred - y\nopen('ready', 'w').close()\ntime.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "broadcasting", "audit", "prog.py"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 60
    while not (tmp_path / "ready").exists() and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "accidental-outer-product" in out


def test_bom_and_coding_line_are_valid_python(tmp_path, capsys):
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + OUTER.encode())
    assert main(["rewrite", str(bom), "--in-place"]) == 0
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf") and REWRITTEN in bom.read_text("utf-8-sig")
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n# caf\xe9\n" + OUTER).encode("latin-1"))
    assert main(["rewrite", str(latin), "--in-place"]) == 0
    assert "# caf\xe9" in latin.read_text("latin-1") and REWRITTEN in latin.read_text("latin-1")
    assert main(["audit", str(latin)]) == 0


# -- real programs are modules -----------------------------------------------------------------

def test_run_command_traces_a_library_module_driven_by_a_script(tmp_path):
    lib = write(tmp_path / "layers.py", "import numpy as np\ndef scale(a, B):\n    return a * B\n")
    write(tmp_path / "train.py", "import sys\nfrom layers import scale\nimport numpy as np\n"
          "for _ in range(int(sys.argv[2])):\n    out = scale(np.ones(3), np.ones((2, 3)))\n"
          "print('trained', out.shape)\n")
    r = tool("rewrite", "layers.py", "--in-place", "--run", "python train.py --epochs 2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'return einops.einsum(a, B, "j, ... j -> ... j")' in lib.read_text() and "trained (2, 3)" in r.stderr


def test_run_pytest_and_audit(tmp_path):
    write(tmp_path / "model.py", "import numpy as np\ndef loss(pred, y):\n    return ((pred - y) ** 2).mean()\n")
    write(tmp_path / "test_model.py", "import numpy as np\nfrom model import loss\n"
          "def test_loss():\n    assert loss(np.ones((4, 1)), np.ones(4)) == 0\n")
    r = tool("audit", "model.py", "--run", "pytest -q -p no:cacheprovider test_model.py", cwd=tmp_path)
    assert r.returncode == 1 and "accidental-outer-product" in r.stdout and "1 passed" in r.stderr


def test_package_with_relative_imports(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "helper.py", "import numpy as np\nW = np.ones((2, 3))\n")
    write(tmp_path / "pkg" / "sibling.py", "NAME = 'sibling'\n")
    mod = write(tmp_path / "pkg" / "main.py", "import numpy as np\nfrom .helper import W\n"
                "from sibling import NAME  # as `python pkg/main.py` allows\n"
                "x = np.arange(3.0)\ny = x * W\n")
    r = tool("rewrite", str(mod), cwd=tmp_path / "pkg")
    assert r.returncode == 0, r.stderr
    assert REWRITTEN in r.stdout


def test_a_failed_write_leaves_the_target_and_no_temp_file(tmp_path, capsys, monkeypatch):
    prog = write(tmp_path / "prog.py", OUTER)

    def full_disk(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", full_disk)
    assert main(["rewrite", str(prog), "--in-place"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert prog.read_text() == OUTER and [p.name for p in tmp_path.iterdir()] == ["prog.py"]


def test_explicit_magic_cells_keep_their_own_operators():
    # issue 12, item 5 for %%explicit: cell 2 calling cell 1's function used cell 2's site ids
    from broadcasting.rewrite.magic import explicit_cell
    ns = {"np": np}
    explicit_cell("def diff(a, b):\n    return a - b", ns)
    explicit_cell("y = diff(5, 3) * np.ones(1)\nz = diff(9, 4)", ns)
    assert np.array_equal(ns["y"], np.array([2.0])) and ns["z"] == 5


def test_the_program_sees_the_path_python_gives_it(tmp_path, capsys):
    path = tmp_path / "prog.py"
    prog = write(path, OUTER + f"import sys\nassert sys.path[0] == {str(tmp_path)!r}, sys.path\n"
                 f"assert {str(ROOT)!r} not in sys.path, sys.path\nassert __file__ == {str(path)!r}\n"
                 "assert sys.modules['__main__'].__dict__ is globals()\n")
    assert main(["rewrite", str(prog)]) == 0, capsys.readouterr().err


def test_run_chains_a_shadowed_sitecustomize(tmp_path):
    lib = write(tmp_path / "lib.py", "import numpy as np\ndef f(a, B):\n    return a * B\n")
    write(tmp_path / "site" / "sitecustomize.py", "import builtins\nbuiltins.MARK = 'user site ran'\n")
    write(tmp_path / "drive.py", "import numpy as np\nfrom lib import f\nf(np.ones(3), np.ones((2, 3)))\nprint(MARK)\n")
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{tmp_path / 'site'}")
    r = subprocess.run([sys.executable, "-m", "broadcasting", "rewrite", "lib.py", "--in-place", "--run",
                        "python drive.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "user site ran" in r.stderr and "einops.einsum(a, B" in lib.read_text()
    assert "Error in sitecustomize" not in r.stderr


def test_run_that_never_imports_the_file_is_exit_2(tmp_path):
    lib = write(tmp_path / "lib.py", OUTER)
    write(tmp_path / "other.py", "print('no import')\n")
    r = tool("rewrite", "lib.py", "--in-place", "--run", "python other.py", cwd=tmp_path)
    assert r.returncode == 2 and "never imported" in r.stderr and lib.read_text() == OUTER


def test_executions_shipped_between_processes_hash_as_their_own():
    # the runner pickles sites in the program's process; a cached hash of strings from another
    # process (hash randomization) made equal executions miss each other in dict lookups
    code = ("import pickle, sys\nfrom broadcasting.trace import Execution, Operand\n"
            "e = Execution(Operand('numpy', 'ndarray', (3,), 'float64'), Operand('number', 'float'))\n"
            "d = {e: 1}\nsys.stdout.buffer.write(pickle.dumps(d))\n")
    data = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="123")).stdout
    from broadcasting.trace import Execution, Operand
    import pickle
    here = Execution(Operand("numpy", "ndarray", (3,), "float64"), Operand("number", "float"))
    assert pickle.loads(data).get(here) == 1


@pytest.mark.parametrize("command", [["rewrite"], ["audit"], ["audit", "lib.py", "--run", "python x.py", "--", "a"]])
def test_missing_program_or_misplaced_arguments_are_one_line_exit_2(command, capsys):
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
