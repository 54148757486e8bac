"""The child side of the runner: runs the user's program (or, under ``--run``, whatever Python
the command starts) with the named files instrumented, and writes what the tracer saw to a
result file when the process ends — normally, by ``sys.exit``, by ``os._exit``, or on SIGINT.

It runs in its own process (``python -m broadcasting.runner.child REQUEST``), so nothing the
program does — ``os.chdir``, ``sys.stdout = …``, ``os.fork()``, ``os._exit(0)`` — reaches the
tool. The program runs as a real ``__main__`` module (``sys.modules['__main__']``, ``__file__``,
``sys.argv``; a file inside a package runs as ``python -m package.module`` would, so relative
imports work). Named files imported by the program are instrumented by a meta-path finder that
matches their resolved paths. A notebook runs cell by cell, IPython syntax transformed by
IPython's own input transformer; each cell has its own tracer, so a function defined in one
cell and called from another records (and computes) its own operators.
"""
from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import pickle
import sys
import traceback
import types

from ..trace import CALLEE_NAME, TRACER_NAME, Tracer, instrument

__all__ = ["TracedFile", "Session", "install_from_env", "main", "ENV_REQUEST"]

#: the environment variable naming the request file (``--run``: set for the command)
ENV_REQUEST = "BROADCASTING_RUN_REQUEST"
_LIBRARIES = ("einops", "numpy", "torch")


class TracedFile:
    """One instrumented file (or notebook cell): its source, sites, and the globals it ran in."""

    def __init__(self, path: str, source: str, cell: int | None = None):
        self.path, self.source, self.cell = path, source, cell
        self.transformed = source
        self.sites: list = []
        self.namespace: dict | None = None
        self.callee = None  # the call recorders' callee filter, when they record at call sites

    def compile(self, source: str | None = None, tracer_name: str = TRACER_NAME):
        self.transformed = self.source if source is None else source
        code, self.sites = instrument(self.transformed, self.path, tracer_name,
                                      None if self.callee is None else CALLEE_NAME)
        return code

    def prepare(self, namespace: dict, tracer_name: str = TRACER_NAME) -> None:
        """Put the tracer (and the callee filter) where the compiled code looks them up."""
        self.namespace = namespace
        namespace[tracer_name] = Tracer(self.sites).record
        if self.callee is not None:
            namespace[CALLEE_NAME] = self.callee

    def result(self) -> dict:
        aliases = {}
        for name, value in (self.namespace or {}).items():
            if isinstance(value, types.ModuleType) and value.__name__ in _LIBRARIES \
                    and not name.startswith("_"):
                aliases.setdefault(name, value.__name__)
        return {"path": self.path, "cell": self.cell, "source": self.source,
                "transformed": self.transformed != self.source, "sites": self.sites,
                "aliases": aliases}

    def __repr__(self) -> str:
        return f"<TracedFile {self.path} cell={self.cell}: {len(self.sites)} sites>"


class Session:
    """What one process traced, written to ``out`` once, by the process that started it."""

    def __init__(self, request: dict, out: str):
        self.request, self.out, self.pid = request, out, os.getpid()
        self.files: list[TracedFile] = []
        self.recorders: list = []
        self.outcome: dict = {"status": 0}
        self.written = False

    def write(self) -> None:
        if self.written or os.getpid() != self.pid:
            return  # a forked child of the program never writes the results
        self.written = True
        for rec in self.recorders:
            rec.__exit__(None, None, None)
        data = {"files": [f.result() for f in self.files], **_recorded(self.recorders),
                **self.outcome}
        tmp = f"{self.out}.{self.pid}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(data, f)
        os.replace(tmp, self.out)

    def start_recorders(self, traced: TracedFile) -> None:
        """The audit's call recorders for ``traced`` (the same set as an in-process audit:
        torch and numpy calls, reduction axes, distributions), started now; ``traced.callee``
        is their callee filter, if they record at call sites."""
        if not self.request.get("calls"):
            return
        from ..audit.recorders import call_recorders, callee_filter
        try:
            recorders = call_recorders(traced.source, traced.path)
        except SyntaxError:
            return  # compiling it says so, with the file's name
        for rec in recorders:
            rec.__enter__()
            self.recorders.append(rec)
        traced.callee = callee_filter(recorders)


def _recorded(recorders) -> dict:
    """What the recorders saw, keyed by the file they watched: call records and the axes
    reductions ran with (``(path, position) -> set of ReducedAxes``)."""
    records, axes = {}, {}
    for rec in recorders:
        for key, n in getattr(rec, "records", {}).items():
            records[(rec.filename, key)] = records.get((rec.filename, key), 0) + n
        log = getattr(rec, "axes", None)
        for position, runs in (log.runs.items() if log is not None else ()):
            axes.setdefault((rec.filename, position), set()).update(runs)
    return {"records": records, "axes": axes}


# -- instrumenting named files when they are imported -------------------------------------------

class _TracingLoader(importlib.machinery.SourceFileLoader):
    session: Session

    def get_code(self, fullname):  # never a cached .pyc: always the instrumented source
        path = self.get_filename(fullname)
        source = importlib.util.decode_source(self.get_data(path))
        traced = TracedFile(path, source)
        self.session.files.append(traced)
        self.session.start_recorders(traced)
        return traced.compile()

    def exec_module(self, module):
        code = self.get_code(module.__name__)
        self.session.files[-1].prepare(module.__dict__)
        exec(code, module.__dict__)


class _TracingFinder(importlib.abc.MetaPathFinder):
    """Finds modules as the path finder does; those whose file is named get the tracing loader."""

    def __init__(self, session: Session, paths):
        self.session, self.paths = session, {os.path.realpath(p) for p in paths}

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or not spec.origin or os.path.realpath(spec.origin) not in self.paths:
            return spec
        loader = _TracingLoader(name, spec.origin)
        loader.session = self.session
        return importlib.util.spec_from_file_location(
            name, spec.origin, loader=loader,
            submodule_search_locations=spec.submodule_search_locations)


def _install(session: Session) -> None:
    sys.meta_path.insert(0, _TracingFinder(session, session.request["files"]))
    atexit.register(session.write)
    real_exit = os._exit

    def _exit(status):  # os._exit skips atexit: write first (not in forked children)
        try:
            session.outcome = {"status": status}
            session.write()
        finally:
            real_exit(status)

    os._exit = _exit


# -- running the program as __main__ ----------------------------------------------------------

def _package_of(path: str) -> tuple[str, str]:
    """(the folder to put on ``sys.path``, the package name) for a file, as ``python -m`` runs
    it when its folder is a package (has ``__init__.py``); else (its folder, "")."""
    folder, parts = os.path.dirname(path), []
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def _main_module(path: str) -> types.ModuleType:
    """A real ``__main__`` module for the program at ``path``: ``sys.path[0]`` is its folder,
    as with ``python path``; in a package, the package's root folder follows it and
    ``__package__`` is set, as with ``python -m``, so relative imports work too (the package
    is imported only when the program imports relatively)."""
    module = types.ModuleType("__main__")
    root, package = _package_of(path)
    module.__file__, module.__builtins__ = path, __builtins__
    module.__package__ = package or None
    sys.modules["__main__"] = module
    sys.path[0:1] = [os.path.dirname(path)] + ([root] if package else [])
    return module


def _run_file(session: Session, path: str) -> None:
    with open(path, "rb") as f:
        source = importlib.util.decode_source(f.read())
    traced = TracedFile(path, source)
    session.start_recorders(traced)
    code = traced.compile()
    session.files.append(traced)
    module = _main_module(path)
    traced.prepare(module.__dict__)
    exec(code, module.__dict__)


def _run_notebook(session: Session, path: str) -> None:
    from .cells import code_cells, plain_python
    module = _main_module(path)
    namespace = module.__dict__
    for k, source in enumerate(code_cells(path)):
        name = f"{path}[cell {k + 1}]"
        traced = TracedFile(name, source, k)
        tracer_name = f"{TRACER_NAME}cell{k + 1}"
        code = traced.compile(plain_python(source, namespace), tracer_name)
        session.files.append(traced)
        traced.prepare(namespace, tracer_name)
        exec(code, namespace)


def _outcome(err: BaseException, paths, show: bool = True) -> dict:
    if isinstance(err, SystemExit):
        code = err.code
        if code is None or isinstance(code, int):
            return {"status": code or 0}
        print(code, file=sys.stderr)
        return {"status": 1}
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename in paths]
    line = frames[-1].lineno if frames else None
    where = frames[-1].filename if frames else None
    if show:
        _print_traceback(err, paths)
    message = str(err).splitlines()[0] if str(err) else ""
    return {"status": 1, "error": (type(err).__name__, message, where, line),
            "interrupted": isinstance(err, KeyboardInterrupt)}


def _print_traceback(err: BaseException, paths) -> None:
    """The program's traceback, as Python prints it, without the runner's and tracer's frames."""
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if f.filename in paths or not f.filename.startswith(ours)]
    while frames and frames[0].filename not in paths:
        frames.pop(0)
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
    sys.stderr.write("".join(lines + traceback.format_exception_only(type(err), err)))


def main(request_path: str) -> None:
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    session = Session(request, request["out"])
    _install(session)
    sys.argv = [request["main"], *request["argv"]]
    runner = _run_notebook if request.get("notebook") else _run_file
    try:
        runner(session, request["main"])
    except BaseException as err:  # the program's: reported by the parent, never re-raised
        session.outcome = _outcome(err, {f.path for f in session.files} | {request["main"]},
                                   request.get("traceback", True))
    _flush()
    sys.exit(0)  # the program's threads and atexit handlers run; then ours writes the results


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a program may have closed or replaced them
            pass


def install_from_env() -> None:
    """Under ``--run``: trace the named files in this process (any Python the command starts)
    and write this process's results next to the request. A command that runs a named file
    as its script (``python train.py``) runs it here, traced, as ``__main__``."""
    request_path = os.environ.get(ENV_REQUEST)
    if not request_path:
        return
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    out = os.path.join(os.path.dirname(request_path), f"result-{os.getpid()}.pkl")
    session = Session(request, out)
    _install(session)
    script = sys.argv[0] if sys.argv else ""
    if script and os.path.isfile(script) and \
            os.path.realpath(script) in {os.path.realpath(p) for p in request["files"]}:
        try:
            _run_file(session, os.path.abspath(script))
        except BaseException as err:
            session.outcome = _outcome(err, {f.path for f in session.files})
        _flush()
        atexit._run_exitfuncs()
        os._exit(session.outcome["status"] if isinstance(session.outcome["status"], int) else 1)


if __name__ == "__main__":
    main(sys.argv[1])
