"""The Playground's Python side: what it shows is what ``broadcasting explain`` computes, its
errors are the command line's one-line errors, its page has what the issue asks, and
``docs build --playground`` fetches (npm, cached), checks and copies the runtime, or says in one
line why it cannot. The browser side: ``test_docs_playground_browser.py``."""
from __future__ import annotations

import html
import json
import stat
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.cli import main
from broadcasting.docs import PATTERNS, render
from broadcasting.docs.playground import (DEFAULT, PYODIDE_VERSION, RUNTIME_DIR, SCRIPT,
                                          examples, playground_page, render_view)
from broadcasting.docs.runtime import (PACKAGE_ZIP, RUNTIME_FILES, check_zip, fetch_pyodide,
                                       package_zip, precompile, write_runtime)
from broadcasting.errors import UsageError


def _cli_error(expression: str, capsys) -> str:
    assert main(["explain", expression]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err.strip()


def _expression(shapes, op="*") -> str:
    return f" {op} ".join(f"({', '.join(map(str, s))}{',' if len(s) == 1 else ''})" for s in shapes)


def _shows(view_html: str, e) -> None:
    """Every notation of the explanation is in the view (HTML-escaped, as the browser gets it)."""
    text = html.unescape(view_html)
    for line in e.table():
        assert line in text
    assert e.index in text and f'data-latex="{e.latex}"' in text
    if e.einsum is not None:
        assert f"<code>{e.einsum}</code>" in text and f"<code>{e.einops}</code>" in text
    for formula, adjoint in zip(e.backward, e.adjoints):
        assert f"<code>{formula}</code>" in text and f"<code>{adjoint}</code>" in text
    if e.matrix is not None:
        assert f'data-latex="{e.matrix}"' in text
    for w in e.warnings:
        assert w.message in text
    assert e.svg() in view_html and "<math" in view_html
    assert str(e) in text  # the command line's text, whole


def test_every_example_shows_what_explain_computes():
    assert [x for _, x in examples()] == [p.expression for p in PATTERNS]
    for p in PATTERNS:
        view = render_view(p.expression)
        assert view.error is None, p.slug
        e = bc.explain(*p.shapes, op=p.op, names=p.names[:len(p.shapes)])
        _shows(view.html, e)


@settings(max_examples=30, deadline=None)
@given(st.data(), st.integers(1, 4), st.sampled_from(["*", "+", "-", "/", "==", "**"]))
def test_any_broadcastable_shapes_show_what_explain_computes(data, n, op):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=n, max_dims=4, max_side=4))
    op = op if n > 1 else "*"  # one operand: no operator written, explain's default
    view = render_view(_expression(shapes.input_shapes, op))
    assert view.error is None
    _shows(view.html, bc.explain(*shapes.input_shapes, op=op))


@pytest.mark.parametrize("expression", ["a(3) * B(2,4)", "a(3) *", "a(3) * (2,3)", "a(3) + b(3) * c(3)",
                                        "a(x) * b(3)", "x(2) @ W(3,3)", "x(2) @ W()", "3 * a(2)"])
def test_a_bad_expression_shows_the_cli_one_line_error(expression, capsys):
    view = render_view(expression)
    assert view.html == "" and view.error == _cli_error(expression, capsys)


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    return render()


def test_the_page_has_input_output_examples_notes_and_script(site):
    page = playground_page()
    assert page == site["playground.md"]
    for part in ('id="bc-input"', 'id="bc-output"', f'value="{DEFAULT}"',
                 f'src="{SCRIPT}"', f'data-runtime="../{RUNTIME_DIR}/"',
                 "broadcasting docs build --playground", f"pyodide@{PYODIDE_VERSION}",
                 "python -m http.server", "file://", "WebAssembly"):
        assert part in page, part
    buttons = [html.unescape(x) for x in __import__("re").findall(r'data-expr="([^"]*)"', page)]
    assert buttons == [p.expression for p in PATTERNS]
    assert any(len(p.shapes) == 5 for p in PATTERNS)  # the seed's chain is one of them
    assert site[SCRIPT].splitlines()[1].startswith("// The Playground page's script")


def test_the_script_ports_no_rule(site):
    """The page's script only starts Pyodide and shows what Python returns: no shape logic."""
    script = site[SCRIPT]
    assert "render_view" in script and "loadPyodide" in script
    for word in ("einsum", "broadcast_shapes", "stretched", "diag", ".split(\",\")"):
        assert word not in script, word


def test_the_zip_runs_without_numpy_torch_libcst_einops(tmp_path):
    path = tmp_path / PACKAGE_ZIP
    package_zip(path)
    names = zipfile.ZipFile(path).namelist()
    assert "broadcasting/explain.py" in names and "broadcasting/docs/playground.py" in names
    assert "latex2mathml/converter.py" in names and "latex2mathml/unimathsymbols.txt" in names
    assert not [n for n in names if "__pycache__" in n]
    check_zip(path)  # raises if the playground imports one of them


def test_check_zip_says_in_one_line_when_the_core_imports_numpy(tmp_path):
    good, bad = tmp_path / "good.zip", tmp_path / PACKAGE_ZIP
    package_zip(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data + b"\nimport numpy\n" if name == "broadcasting/shapes.py" else data)
    with pytest.raises(UsageError, match="does not run without numpy") as err:
        check_zip(bad)
    assert len(str(err.value).splitlines()) == 1 and "import of numpy halted" in str(err.value)


def _fake_npm(folder: Path, body: str) -> Path:
    """An ``npm`` on PATH that runs ``body`` (a Python program) instead of the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "npm"
    exe.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


#: a stand-in npm: installs a package folder with the runtime's file names, counting its calls
INSTALLS = """import sys, pathlib
prefix = pathlib.Path(sys.argv[sys.argv.index("--prefix") + 1])
pkg = prefix / "node_modules" / "pyodide"
pkg.mkdir(parents=True)
for name in {files!r}:
    (pkg / name).write_text("fake " + name)
log = pathlib.Path({log!r})
log.write_text(log.read_text() + " ".join(sys.argv[1:]) + "\\n" if log.exists() else " ".join(sys.argv[1:]) + "\\n")
"""


def test_pyodide_is_fetched_once_with_npm_then_cached(tmp_path, monkeypatch):
    log = tmp_path / "npm.log"
    bin_dir = tmp_path / "bin"
    _fake_npm(bin_dir, INSTALLS.format(files=RUNTIME_FILES, log=str(log)))
    monkeypatch.setenv("PATH", str(bin_dir))
    cache = tmp_path / "cache" / f"pyodide-{PYODIDE_VERSION}"
    first = fetch_pyodide(cache)
    assert first == cache / "node_modules" / "pyodide"
    assert sorted(p.name for p in first.iterdir()) == sorted(RUNTIME_FILES)
    assert fetch_pyodide(cache) == first
    calls = log.read_text().splitlines()
    assert len(calls) == 1 and f"pyodide@{PYODIDE_VERSION}" in calls[0]
    assert not [p for p in cache.parent.iterdir() if p.name.startswith(".npm-")]  # no leftovers
    rt = write_runtime(tmp_path / "docs", first, compiled=False)  # a fake Pyodide cannot compile
    folder = tmp_path / "docs" / RUNTIME_DIR
    assert rt.folder == folder and sorted(p.name for p in folder.iterdir()) == sorted(rt.files)
    assert (folder / "pyodide.asm.wasm").read_text() == "fake pyodide.asm.wasm"
    manifest = json.loads((folder / "runtime.json").read_text())
    assert manifest == {"pyodide": PYODIDE_VERSION, "package": PACKAGE_ZIP, "files": list(rt.files)}


def test_without_npm_the_build_says_so_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("BROADCASTING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "docs"
    assert main(["docs", "build", "--playground", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "needs npm" in err and f"pyodide@{PYODIDE_VERSION}" in err
    assert not out.exists()


def test_a_failing_npm_gives_its_reason_in_one_line(tmp_path, monkeypatch, capsys):
    _fake_npm(tmp_path / "bin", "import sys\nsys.stderr.write('npm error code E404\\nnpm error 404 "
              "Not Found - GET https://registry.npmjs.org/pyodide\\nnpm error A complete log of "
              "this run can be found in: /x.log\\n')\nsys.exit(1)\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("BROADCASTING_CACHE", str(tmp_path / "cache"))
    assert main(["docs", "build", "--playground", "--out", str(tmp_path / "docs")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.strip().endswith("failed (exit 1): npm error 404 Not Found - GET https://registry.npmjs.org/pyodide")
    assert not (tmp_path / "cache" / f"pyodide-{PYODIDE_VERSION}").exists()
    assert not [p for p in (tmp_path / "cache").iterdir()]  # the half download is gone


def test_a_file_in_the_runtime_folders_place_is_refused(tmp_path):
    (tmp_path / RUNTIME_DIR).write_text("mine")
    with pytest.raises(UsageError, match="is not a folder"):
        write_runtime(tmp_path, tmp_path)
    assert (tmp_path / RUNTIME_DIR).read_text() == "mine"


def test_without_node_the_package_cannot_be_compiled_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="needs Node.js"):
        precompile(tmp_path / PACKAGE_ZIP, tmp_path)


def test_runtime_is_ignored_by_git():
    root = Path(__file__).resolve().parents[1]
    assert f"{RUNTIME_DIR}/" in (root / ".gitignore").read_text().split()
