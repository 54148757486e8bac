"""The one runner of a user's program for ``rewrite`` and ``audit``: the program runs in a child
process (:mod:`.child`) with the named files instrumented, and what the tracer saw comes back
here as :class:`ProgramRun`.

Why a child process: nothing the program does can reach the tool. Its ``os.chdir`` cannot
move the output (paths are resolved before it runs anyway), its prints go to the tool's stderr
(never into a rewritten source on stdout), ``sys.exit``/``os._exit``/``os.fork()`` end or fork
the child only, and it runs as a real ``__main__`` module (``multiprocessing`` with spawn can
pickle its functions). The program's exit status is kept: 0 is a normal end, anything else is
reported (``ProgramRun.failure``). ``run_command`` traces the named files in every Python
process a command starts (``--run "python train.py"``, ``--run "pytest tests/"``).
"""
from __future__ import annotations

import json
import os
import pickle
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

__all__ = ["TracedUnit", "ProgramFailure", "ProgramRun", "run_program", "run_command",
           "namespace_of", "command_words"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT_DIR = str(Path(__file__).resolve().parent / "boot")
#: the child's bootstrap: the package is imported from its folder, which then leaves sys.path
#: (the program sees the path ``python FILE`` gives it)
_CHILD = ("import sys; sys.path.insert(0, sys.argv[2]); from broadcasting.runner.child import "
          "main; sys.path.remove(sys.argv[2]); main(sys.argv[1])")


@dataclass(frozen=True)
class TracedUnit:
    """One traced file (or notebook cell): its source, its sites, and the names under which its
    globals held einops/numpy/torch (``{"np": "numpy"}``). ``transformed``: a notebook cell that
    ran through IPython's input transformer (it is not rewritten)."""

    path: str
    cell: int | None
    source: str
    sites: list
    aliases: dict
    transformed: bool = False

    def __repr__(self) -> str:
        where = self.path if self.cell is None else f"{self.path} cell {self.cell + 1}"
        return f"<TracedUnit {where}: {len(self.sites)} sites, {sum(s.ran for s in self.sites)} ran>"


@dataclass(frozen=True)
class ProgramFailure:
    """Why a run did not end normally: an exception (``type_name``, ``message``, ``line`` of
    the program), a non-zero exit status, or a signal."""

    type_name: str | None = None
    message: str = ""
    path: str | None = None
    line: int | None = None
    status: int | None = None
    signal: int | None = None

    def __str__(self) -> str:
        if self.signal is not None:
            return f"the program was killed by signal {self.signal} ({signal.Signals(self.signal).name})"
        if self.type_name is None:
            return f"the program exited with status {self.status}"
        where = f" at line {self.line}" if self.line else ""
        text = f"{self.type_name}{where}"
        return f"the program raised {text}: {self.message}" if self.message else f"the program raised {text}"


@dataclass(frozen=True)
class ProgramRun:
    """What one run of a program (or command) traced, and how it ended."""

    units: tuple[TracedUnit, ...]
    records: dict = field(default_factory=dict)  # (path, CallRecord) -> count
    axes: dict = field(default_factory=dict)  # (path, call position) -> set of ReducedAxes
    failure: ProgramFailure | None = None
    interrupted: bool = False

    def unit(self, path: str) -> TracedUnit | None:
        """The traced file at ``path`` (compared by real path: the child names files as the
        import system found them)."""
        real = os.path.realpath(path)
        return next((u for u in self.units if u.cell is None and os.path.realpath(u.path) == real),
                    None)

    def records_of(self, path: str) -> dict:
        """The call records (``CallRecord -> count``) made from the file at ``path``."""
        real = os.path.realpath(path)
        return {rec: n for (where, rec), n in self.records.items()
                if os.path.realpath(where) == real}

    def axes_of(self, path: str) -> dict:
        """The axes reductions ran with (``position -> set of ReducedAxes``), in the file at
        ``path``."""
        real = os.path.realpath(path)
        return {position: runs for (where, position), runs in self.axes.items()
                if os.path.realpath(where) == real}

    def __repr__(self) -> str:
        return f"<ProgramRun: {len(self.units)} traced units, {self.failure or 'ended normally'}>"


def namespace_of(unit: TracedUnit) -> dict:
    """Stand-ins for the modules the unit's globals held (what the rewriter needs to know:
    under which names einops/numpy/torch are already imported)."""
    return {name: types.ModuleType(module) for name, module in unit.aliases.items()}


def run_program(main: str, argv=(), *, files=(), calls: bool = False,
                notebook: bool = False, traceback: bool = True) -> ProgramRun:
    """Run the program ``main`` (an absolute path; a ``.ipynb`` when ``notebook``) as
    ``python main ARGV`` would, tracing it and the ``files`` it imports (``calls``: record
    numpy/torch function calls for the audit; ``traceback``: print the program's traceback
    when it raises)."""
    with tempfile.TemporaryDirectory(prefix="broadcasting-run-") as tmp:
        out = os.path.join(tmp, "result.pkl")
        request = _request(tmp, {"main": main, "argv": list(argv), "files": [main, *files],
                                 "calls": calls, "notebook": notebook, "out": out,
                                 "traceback": traceback})
        code = _wait([sys.executable, "-c", _CHILD, request, _PACKAGE_ROOT], dict(os.environ))
        return _collect([out] if os.path.exists(out) else [], code)


def run_command(command: str, files, *, calls: bool = False) -> ProgramRun:
    """Run the shell-like ``command`` (``python train.py --epochs 1``, ``pytest tests``) and
    trace the ``files`` (absolute paths) in every Python process it starts."""
    words = command_words(command)
    with tempfile.TemporaryDirectory(prefix="broadcasting-run-") as tmp:
        request = _request(tmp, {"files": list(files), "calls": calls})
        env = _environment()
        from .child import ENV_REQUEST
        env[ENV_REQUEST] = request
        code = _wait(words, env)
        outs = sorted(str(p) for p in Path(tmp).glob("result-*.pkl"))
        return _collect(outs, code)


def command_words(command: str) -> list[str]:
    """The words of ``--run CMD``; ``python``/``python3`` and ``pytest`` run on this interpreter.

    >>> import sys
    >>> command_words("python train.py --epochs 1")[1:], command_words("pytest -x t.py")[1:]
    (['train.py', '--epochs', '1'], ['-m', 'pytest', '-x', 't.py'])
    """
    try:
        words = shlex.split(command)
    except ValueError as err:
        raise UsageError(f"--run {command!r}: {err}; quote it as one shell word") from None
    if not words:
        raise UsageError("--run needs a command, e.g. --run \"python train.py --epochs 1\"")
    if words[0] in ("python", "python3", os.path.basename(sys.executable)):
        return [sys.executable, *words[1:]]
    if words[0] == "pytest":
        return [sys.executable, "-m", "pytest", *words[1:]]
    if shutil.which(words[0]) is None:
        raise UsageError(f"--run {command!r}: {words[0]!r} is not a command on PATH")
    return words


def _request(tmp: str, data: dict) -> str:
    path = os.path.join(tmp, "request.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)
    return path


def _environment() -> dict:
    """The command's environment: the boot folder (only ``sitecustomize.py``) on PYTHONPATH."""
    env = dict(os.environ, BROADCASTING_PACKAGE_ROOT=_PACKAGE_ROOT)
    env["PYTHONPATH"] = os.pathsep.join([_BOOT_DIR] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _wait(words: list[str], env: dict) -> int:
    """Run the child; its stdout goes to our stderr. SIGINT (Ctrl-C reaches the whole process
    group) is left to the child, which stops the program and writes what it traced."""
    direct = sys.stderr is sys.__stderr__ and sys.__stderr__ is not None
    try:
        stream = {"stdout": 2, "stderr": 2} if direct else \
            {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
        proc = subprocess.Popen(words, env=env, **stream)
    except OSError as err:
        raise UsageError(f"cannot run {words[0]}: {err.strerror or err}") from None
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if direct:
            return proc.wait()
        output, _ = proc.communicate()
        sys.stderr.write(output.decode("utf-8", errors="replace"))
        return proc.returncode
    finally:
        signal.signal(signal.SIGINT, saved)


def _collect(outs: list[str], code: int) -> ProgramRun:
    results = []
    for out in outs:
        with open(out, "rb") as f:
            results.append(pickle.load(f))
    units = _merge_units(results)
    records: dict = {}
    axes: dict = {}
    for r in results:
        for key, n in r["records"].items():
            records[key] = records.get(key, 0) + n
        for key, runs in r.get("axes", {}).items():
            axes.setdefault(key, set()).update(runs)
    failure = _failure(results, code)
    interrupted = any(r.get("interrupted") for r in results) or code in (-signal.SIGINT, 130)
    return ProgramRun(tuple(units), records, axes, failure, interrupted)


def _failure(results: list[dict], code: int) -> ProgramFailure | None:
    for r in results:
        if r.get("error"):
            type_name, message, path, line = r["error"]
            return ProgramFailure(type_name, message, path, line, r["status"])
    if code < 0:
        return ProgramFailure(signal=-code)
    # the process's own exit code counts too: under --run the program's status is not seen
    # by the traced code (pytest, `python -c ... raise SystemExit(4)` end after it is written)
    status = (results[0]["status"] or code) if len(results) == 1 else code
    if not results and code == 0:
        return ProgramFailure(type_name="RuntimeError",
                              message="the traced process wrote no results", status=code)
    return ProgramFailure(status=status) if status else None


def _merge_units(results: list[dict]) -> list[TracedUnit]:
    """One unit per file (per cell): the counts of processes that traced the same file add up."""
    merged: dict = {}
    for r in results:
        for f in r["files"]:
            key = (f["path"], f["cell"])
            if key not in merged:
                merged[key] = TracedUnit(f["path"], f["cell"], f["source"], f["sites"],
                                         f["aliases"], f["transformed"])
                continue
            for mine, theirs in zip(merged[key].sites, f["sites"]):
                for execution, n in theirs.counts.items():
                    mine.counts[execution] = mine.counts.get(execution, 0) + n
    return list(merged.values())
