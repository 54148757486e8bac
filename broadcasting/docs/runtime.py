"""The Playground's runtime, put into the docs folder by ``broadcasting docs build --playground``:
the WebAssembly Python of the npm package ``pyodide`` (pinned, fetched with ``npm`` into a cache
outside the checkout) and a zip of this package's modules (plus ``latex2mathml``, pure Python,
which typesets the math as on the other pages). None of it is committed (``.gitignore``).

>>> sorted(RUNTIME_FILES)[:2]
['pyodide-lock.json', 'pyodide.asm.js']
>>> cache_dir({"BROADCASTING_CACHE": "/c"}).as_posix()
'/c/pyodide-0.29.3'
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .playground import PYODIDE_VERSION, RUNTIME_DIR

__all__ = ["RUNTIME_FILES", "PACKAGE_ZIP", "Runtime", "cache_dir", "fetch_pyodide",
           "package_zip", "check_zip", "precompile", "write_runtime", "npm_reason"]

#: what the browser loads from the npm package (the rest of it is for Node)
RUNTIME_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
#: the zip of this package's modules, unpacked into Pyodide's file system at page load
PACKAGE_ZIP = "broadcasting.zip"
#: modules the playground must import without (checked at build time, in a fresh interpreter)
NOT_IN_BROWSER = ("numpy", "torch", "libcst", "einops")


@dataclass(frozen=True)
class Runtime:
    """What :func:`write_runtime` wrote: the folder, the Pyodide version and the file names."""

    folder: Path
    pyodide: str
    files: tuple[str, ...]


def cache_dir(environ=None) -> Path:
    """Where the npm download is kept between builds: ``$BROADCASTING_CACHE``, else
    ``$XDG_CACHE_HOME/broadcasting``, else ``~/.cache/broadcasting``; one folder per version."""
    env = os.environ if environ is None else environ
    root = env.get("BROADCASTING_CACHE") or (
        Path(env["XDG_CACHE_HOME"]) / "broadcasting" if env.get("XDG_CACHE_HOME")
        else Path.home() / ".cache" / "broadcasting")
    return Path(root) / f"pyodide-{PYODIDE_VERSION}"


def _package_folder(prefix: Path) -> Path:
    return prefix / "node_modules" / "pyodide"


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in RUNTIME_FILES)


def _npm_install(prefix: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError(f"--playground needs npm to fetch pyodide@{PYODIDE_VERSION} and npm is "
                         f"not installed; install Node.js and npm (apt-get install npm), or "
                         f"build without --playground")
    proc = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                           "--ignore-scripts", "--no-save", f"pyodide@{PYODIDE_VERSION}"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise UsageError(f"--playground: `npm install pyodide@{PYODIDE_VERSION}` failed "
                         f"(exit {proc.returncode}): {npm_reason(proc.stderr)}")


_NPM_NOISE = re.compile(r"^npm (?:error|ERR!)\s*(?:(?:code|errno|syscall)\s+\S+\s*$|.*complete log|"
                        r".*log files|$)")


def npm_reason(stderr: str) -> str:
    """The line of npm's error output that says what went wrong.

    >>> npm_reason("npm error code E404\\nnpm error 404 Not Found - pyodide@9\\n"
    ...            "npm error A complete log of this run can be found in: /x.log")
    'npm error 404 Not Found - pyodide@9'
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    useful = [line for line in lines if not _NPM_NOISE.match(line)]
    return (useful or lines or ["no message"])[0]


def fetch_pyodide(cache: Path | None = None) -> Path:
    """The folder of the pinned npm package ``pyodide``, fetched with npm on first use (into a
    temporary folder, then moved into place, so an interrupted download is never used)."""
    cache = cache_dir() if cache is None else Path(cache)
    if _complete(_package_folder(cache)):
        return _package_folder(cache)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".npm-"))
    try:
        _npm_install(tmp)
        if not _complete(_package_folder(tmp)):
            raise UsageError(f"--playground: npm installed pyodide@{PYODIDE_VERSION} but it "
                             f"lacks one of {', '.join(RUNTIME_FILES)}")
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(tmp, cache)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _package_folder(cache)


def package_zip(path: Path) -> None:
    """Write the zip Pyodide unpacks: the ``broadcasting`` package's Python modules and
    ``latex2mathml``, whose ``__init__`` (it only reads the version, through
    ``importlib.metadata``, slow to import in the browser) is replaced by the version itself."""
    try:
        import latex2mathml
        from importlib.metadata import version
        l2m_version = version("latex2mathml")
    except ImportError:
        raise UsageError("--playground needs latex2mathml (pip install '.[docs]')") from None
    package = Path(__file__).resolve().parents[1]
    with zipfile.ZipFile(path, "w") as z:
        for arcname, file in _tree(package, "broadcasting", {".py"}):
            _write(z, arcname, file.read_bytes())
        for arcname, file in _tree(Path(latex2mathml.__file__).parent, "latex2mathml", {".py", ".txt"}):
            if arcname != "latex2mathml/__init__.py":
                _write(z, arcname, file.read_bytes().replace(SAX_IMPORT, SAX_FREE))
        _write(z, "latex2mathml/__init__.py", f'__version__ = "{l2m_version}"\n'.encode())


#: latex2mathml's one use of ``xml.sax.saxutils``, which imports ``urllib.request`` (a second of
#: start-up in the browser), and the same function written out (:func:`check_zip` compares
#: every example's view with this interpreter's)
SAX_IMPORT = b"from xml.sax.saxutils import unescape\n"
SAX_FREE = (b"def unescape(data):  # xml.sax.saxutils.unescape, inlined by broadcasting docs build\n"
            b'    return data.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")\n')


def _tree(folder: Path, arcroot: str, suffixes):
    """(name in the zip, file) for the files of a folder with these suffixes, sorted."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in suffixes and "__pycache__" not in path.parts:
            yield f"{arcroot}/{path.relative_to(folder).as_posix()}", path


def _write(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


CHECK = """
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None  # importing it raises ImportError
sys.path.insert(0, sys.argv[1])
from broadcasting.docs.playground import render_view
for expression, html in json.loads(open(sys.argv[2], encoding="utf-8").read()).items():
    view = render_view(expression)
    assert view.error is None and view.html == html, "not the same view of " + expression
assert "urllib.request" not in sys.modules, "urllib.request is imported (slow to start in the browser)"
"""


def check_zip(path: Path) -> None:
    """Run the zip's playground in a fresh interpreter with numpy, torch, libcst and einops
    blocked (the browser has none of them), on every example: its views must be the views of
    this package here."""
    from .playground import examples, render_view
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(path) as z:
            z.extractall(Path(tmp) / "site")
        expected = Path(tmp) / "views.json"
        expected.write_text(json.dumps({x: render_view(x).html for _, x in examples()}),
                            encoding="utf-8")
        proc = subprocess.run([sys.executable, "-I", "-c", CHECK.format(blocked=NOT_IN_BROWSER),
                               str(Path(tmp) / "site"), str(expected)],
                              capture_output=True, text=True, cwd=tmp)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise UsageError(f"--playground: the package does not run without "
                         f"{', '.join(NOT_IN_BROWSER)} as the browser must: {last}")


#: run by Node with the npm package: Pyodide's own Python compiles the zip's modules to
#: bytecode (unchecked-hash .pyc, valid whatever the file times), so the browser does not
#: compile them at every page load
PRECOMPILE_JS = r"""
const fs = require("fs");
const [pyodideDir, zipIn, zipOut] = process.argv.slice(1);
(async () => {
  const py = await require(pyodideDir + "/pyodide.js").loadPyodide({ indexURL: pyodideDir + "/" });
  py.unpackArchive(new Uint8Array(fs.readFileSync(zipIn)), "zip", { extractDir: "/z" });
  py.runPython(`
import compileall, py_compile, shutil, sys
if not compileall.compile_dir("/z", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH):
    sys.exit("compileall failed")
shutil.make_archive("/out", "zip", "/z")
`);
  fs.writeFileSync(zipOut, py.FS.readFile("/out.zip"));
})().catch((err) => { console.error(String(err).trim().split("\n").pop()); process.exit(1); });
"""


def precompile(zip_path: Path, pyodide: Path) -> None:
    """Add the bytecode of the zip's modules, compiled by Pyodide's Python (run with Node)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise UsageError("--playground needs Node.js (node) to compile the package for "
                         "Pyodide; install it (apt-get install nodejs npm)")
    out = zip_path.with_suffix(".pyc.zip")
    proc = subprocess.run([node, "-e", PRECOMPILE_JS, str(Path(pyodide).resolve()),
                           str(zip_path), str(out)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not out.is_file():
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise UsageError(f"--playground: compiling the package with Pyodide's Python failed: {last}")
    os.replace(out, zip_path)


def write_runtime(docs, pyodide: Path | None = None, compiled: bool = True) -> Runtime:
    """Put the runtime into ``docs/playground-runtime/`` (replacing an older one); ``pyodide``
    is the npm package's folder (default: :func:`fetch_pyodide`); ``compiled``: with the
    modules' bytecode (:func:`precompile`)."""
    source = fetch_pyodide() if pyodide is None else Path(pyodide)
    folder = Path(docs) / RUNTIME_DIR
    if folder.exists() and (folder.is_symlink() or not folder.is_dir()):
        raise UsageError(f"{folder} exists and is not a folder; move it away")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".new-") as tmp:
        zip_path = Path(tmp) / PACKAGE_ZIP
        package_zip(zip_path)
        check_zip(zip_path)
        if compiled:
            precompile(zip_path, source)
        for name in RUNTIME_FILES:
            shutil.copyfile(source / name, Path(tmp) / name)
        files = RUNTIME_FILES + (PACKAGE_ZIP, "runtime.json")
        (Path(tmp) / "runtime.json").write_text(json.dumps(
            {"pyodide": PYODIDE_VERSION, "package": PACKAGE_ZIP, "files": list(files)},
            indent=1) + "\n", encoding="utf-8")
        for name in files:  # runtime.json last: the page starts only with a whole runtime
            os.replace(Path(tmp) / name, folder / name)
    return Runtime(folder, PYODIDE_VERSION, files)
