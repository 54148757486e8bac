"""``broadcasting corpus run``: re-verify every case and report.

Cases are checked in chunks; with ``jobs > 1`` the chunks go to forked worker processes (torch
is imported, single-threaded, before the fork). A check that raises is a failed case, not a
crash.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError
from .backends import ALL_BACKENDS, Backends
from .files import load
from .kinds import kind_module

__all__ = ["Failure", "Report", "run_corpus", "check_case", "resolve_backends"]

CHUNK = 400
_CASES: list = []  # the cases being checked, shared with forked workers


@dataclass(frozen=True)
class Failure:
    """One case whose claims did not all hold: its id, kind and one line per failed claim."""

    id: str
    kind: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.id}: " + "; ".join(self.problems)


@dataclass(frozen=True)
class Report:
    """The outcome of a run (``to_json`` gives the ``--json`` object)."""

    cases: int
    by_kind: dict
    backends: tuple[str, ...]
    seconds: float
    failures: tuple[Failure, ...] = field(default=())

    @property
    def failed(self) -> int:
        return len(self.failures)

    def __repr__(self) -> str:
        return f"Report(cases={self.cases}, failed={self.failed}, seconds={self.seconds:.2f})"

    def to_json(self) -> dict:
        return {"cases": self.cases, "failed": self.failed, "by_kind": dict(self.by_kind),
                "backends": list(self.backends), "seconds": round(self.seconds, 3),
                "failures": [{"id": f.id, "kind": f.kind, "problems": list(f.problems)}
                             for f in self.failures]}


def check_case(case: dict, backends: Backends) -> list[str]:
    """The failed claims of one case (a check that raises is one failed claim)."""
    try:
        return list(kind_module(case["kind"]).check(case, backends))
    except Exception as err:  # a tampered case may break a check; report it, don't crash
        return [f"check raised {type(err).__name__}: {err}"]


def _check_range(args) -> list[tuple[str, str, tuple[str, ...]]]:
    start, stop, backends = args
    out = []
    for case in _CASES[start:stop]:
        problems = check_case(case, backends)
        if problems:
            out.append((case["id"], case["kind"], tuple(problems)))
    return out


def resolve_backends(names, device: str) -> Backends:
    """The backends of a run; ``--device cuda`` without a GPU is a :class:`UsageError`."""
    names = tuple(names) if names else ALL_BACKENDS
    if device != "cpu" and "torch" not in names:
        raise UsageError(f"--device {device} applies to the torch side; add --backend torch")
    if "torch" in names:
        import torch
        torch.set_num_threads(1)
        if device == "cuda" and not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA GPU is available to torch "
                             "(torch.cuda.is_available() is False); run without --device to check "
                             "on the CPU")
        if device not in ("cpu", "cuda"):
            raise UsageError(f"--device {device!r}: choose cpu or cuda")
    return Backends(names, device)


def _progress(done: int, total: int, enabled: bool) -> None:
    if not enabled:
        return
    width = 30
    fill = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total} cases")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run_corpus(directory=None, kinds=None, backends: Backends | None = None, jobs: int = 1,
               progress: bool = False) -> Report:
    """Load (and verify the files of) a corpus, check every case, return the :class:`Report`."""
    global _CASES
    start = time.perf_counter()
    backends = backends or resolve_backends(None, "cpu")
    for k in kinds or ():
        kind_module(k)
    _CASES = load(directory, kinds=set(kinds) if kinds else None)
    by_kind: dict = {}
    for c in _CASES:
        by_kind[c["kind"]] = by_kind.get(c["kind"], 0) + 1
    total = len(_CASES)
    tasks = [(i, min(i + CHUNK, total), backends) for i in range(0, total, CHUNK)]
    if backends.device != "cpu":
        jobs = 1  # CUDA does not survive a fork
    failures, done = [], 0
    _progress(0, total, progress)
    saved = np.seterr(all="ignore")  # inf and NaN are values here; NaN equals NaN
    try:
        for found, (lo, hi, _) in _map(tasks, jobs):
            failures += [Failure(*f) for f in found]
            done += hi - lo
            _progress(done, total, progress)
    finally:
        np.seterr(**saved)
    failures.sort(key=lambda f: f.id)
    return Report(total, by_kind, backends.names, time.perf_counter() - start, tuple(failures))


def _map(tasks, jobs: int):
    if jobs <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield _check_range(t), t
        return
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
        yield from zip(pool.imap(_check_range, tasks), tasks)


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use, at most 8."""
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, min(8, os.cpu_count() or 1))
