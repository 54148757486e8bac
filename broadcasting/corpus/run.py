"""``broadcasting corpus run``: re-verify every case and report.

With ``jobs > 1`` the work is split into forked *lanes*: some check the torch side of every case
(they import torch themselves, single-threaded), the others the numpy side (numpy, einops, bc);
the library's derivation and the index oracle are checked in both. The torch import of one lane
thus overlaps the numpy work of the others. A check that raises is a failed case, not a crash.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError
from .backends import ALL_BACKENDS, Backends
from .files import load, load_manifest
from .form import check_form
from .kinds import kind_module

__all__ = ["Failure", "Report", "run_corpus", "check_case", "check_batch", "resolve_backends", "default_jobs"]

#: cases checked together (a kind's ``check_many`` runs stage by stage over a batch)
BATCH = 250
_CASES: list = []  # the cases being checked, shared with forked lanes
_POSITIONS: list = []  # each case's line (from 0) in its file, shared with forked lanes
_SEED: list = [0]  # the corpus seed (from the manifest)


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


@dataclass(frozen=True)
class Lane:
    """Every ``stride``-th case from ``start``, checked against ``backends``."""

    start: int
    stride: int
    backends: Backends

    def cases(self):
        return _CASES[self.start::self.stride]

    def positions(self):
        return _POSITIONS[self.start::self.stride]


def check_batch(cases: list[dict], backends: Backends) -> list[list[str]]:
    """The failed claims of each case of one kind, through the kind's ``check_many`` when it has
    one (a batch that raises is re-checked case by case)."""
    module = kind_module(cases[0]["kind"])
    if hasattr(module, "check_many"):
        try:
            return [list(p) for p in module.check_many(cases, backends)]
        except Exception:  # find the case that breaks it, one at a time
            pass
    return [check_case(c, backends) for c in cases]


def _batches(cases: list[dict]):
    """Runs of consecutive cases of one kind, at most ``BATCH`` long."""
    start = 0
    for i in range(1, len(cases) + 1):
        if i == len(cases) or cases[i]["kind"] != cases[start]["kind"] or i - start >= BATCH:
            yield cases[start:i]
            start = i


def _check_lane(lane: Lane, report=None) -> list[tuple[str, str, tuple[str, ...]]]:
    if lane.backends.use("torch"):
        import torch
        torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    out = []
    positions = iter(lane.positions())
    for batch in _batches(lane.cases()):
        for case, problems in zip(batch, check_batch(batch, lane.backends)):
            n = next(positions)
            if lane.backends.derive:  # the form is checked once, beside the derivations
                problems = check_form(case, n, _SEED[0]) + list(problems)
            if problems:
                out.append((case["id"], case["kind"], tuple(problems)))
        if report is not None:
            report(len(batch))
    return out


def plan_lanes(backends: Backends, jobs: int) -> list[Lane]:
    """``jobs`` lanes: half (rounded down, at least one) for the torch side when torch is checked.

    >>> [(l.start, l.stride, l.backends.names) for l in plan_lanes(Backends(), 3)]
    [(0, 1, ('torch',)), (0, 2, ('numpy', 'einops', 'bc')), (1, 2, ('numpy', 'einops', 'bc'))]
    >>> [l.backends.derive for l in plan_lanes(Backends(), 2)]     # derivations: numpy side
    [False, True]
    """
    names = backends.names
    if jobs <= 1:
        return [Lane(0, 1, backends)]
    torch_side = ("torch",) if "torch" in names else ()
    rest = tuple(n for n in names if n != "torch")
    if torch_side and rest:
        t = max(1, jobs // 2)
        groups = [(torch_side, t), (rest, jobs - t)]
    else:
        groups = [(names, jobs)]
    return [Lane(i, n, Backends(group, backends.device, derive=group != torch_side,
                                torch_elsewhere=bool(torch_side) and group != torch_side,
                                numpy_elsewhere=bool(rest) and group == torch_side))
            for group, n in groups for i in range(n)]


def _lane_process(lane: Lane, queue) -> None:
    try:
        np.seterr(all="ignore")
        found = _check_lane(lane, lambda n: queue.put(("progress", n)))
        queue.put(("done", found))
    except BaseException as err:  # never leave the parent waiting
        queue.put(("crash", f"{type(err).__name__}: {err}"))


def _run_lanes(lanes: list[Lane], progress) -> list[tuple]:
    if len(lanes) == 1:
        found = _check_lane(lanes[0], progress)
        return found
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_lane_process, args=(lane, queue), daemon=True) for lane in lanes]
    for p in procs:
        p.start()
    found, open_lanes = [], len(procs)
    try:
        while open_lanes:
            what, payload = _next_message(queue, procs)
            if what == "progress":
                progress(payload)
            elif what == "done":
                found += payload
                open_lanes -= 1
            else:
                from ..errors import CorpusError
                raise CorpusError(f"a corpus worker crashed: {payload}")
    except BaseException:
        for p in procs:
            if p.is_alive():
                p.terminate()
        raise
    finally:
        for p in procs:
            p.join(timeout=5)
    return found


def _next_message(queue, procs) -> tuple:
    """The next message of a lane; ``CorpusError`` when a worker died without one (killed by
    a signal, out of memory) instead of waiting for it for ever."""
    import queue as queues
    while True:
        try:
            return queue.get(timeout=0.5)
        except queues.Empty:
            dead = [p for p in procs if p.exitcode is not None and p.exitcode != 0]
            if dead:
                from ..errors import CorpusError
                code = dead[0].exitcode
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                raise CorpusError(f"a corpus worker process {how} (out of memory?); run again "
                                  f"with -j 1, or with fewer workers") from None


def _merge(found) -> tuple[Failure, ...]:
    merged: dict = {}
    for case_id, kind, problems in found:
        entry = merged.setdefault(case_id, (kind, []))
        entry[1].extend(p for p in problems if p not in entry[1])
    return tuple(Failure(i, k, tuple(p)) for i, (k, p) in sorted(merged.items()))


def resolve_backends(names, device: str) -> Backends:
    """The backends of a run; ``--device cuda`` without a GPU is a :class:`UsageError`."""
    names = tuple(dict.fromkeys(names)) if names else ALL_BACKENDS
    if device not in ("cpu", "cuda"):
        raise UsageError(f"--device {device!r}: choose cpu or cuda")
    if device == "cuda":
        if "torch" not in names:
            raise UsageError("--device cuda applies to the torch side; add --backend torch")
        import torch
        if not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA GPU is available to torch "
                             "(torch.cuda.is_available() is False); run without --device to check "
                             "on the CPU")
    return Backends(names, device)


class _Bar:
    """A progress bar on stderr (only when enabled: a terminal, not a pipe)."""

    def __init__(self, total: int, enabled: bool, lanes: int):
        self.total, self.enabled, self.done = total * lanes, enabled, 0
        self(0)

    def __call__(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self.enabled:
            fill = 30 * self.done // max(self.total, 1)
            sys.stderr.write(f"\r[{'#' * fill}{'.' * (30 - fill)}] {100 * self.done // max(self.total, 1)}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self.done = self.total
            self(0)
            sys.stderr.write("\n")


def run_corpus(directory=None, kinds=None, backends: Backends | None = None, jobs: int = 1,
               progress: bool = False) -> Report:
    """Load (and verify the files of) a corpus, check every case, return the :class:`Report`."""
    global _CASES, _POSITIONS
    start = time.perf_counter()
    backends = backends or resolve_backends(None, "cpu")
    for k in kinds or ():
        kind_module(k)
    _CASES = load(directory, kinds=set(kinds) if kinds else None)
    _SEED[0] = _corpus_seed(directory)
    _POSITIONS = _positions(_CASES)
    by_kind: dict = {}
    for c in _CASES:
        by_kind[c["kind"]] = by_kind.get(c["kind"], 0) + 1
    if backends.device != "cpu":
        jobs = 1  # CUDA does not survive a fork
    lanes = plan_lanes(backends, min(jobs, max(1, len(_CASES) // 200)))
    groups = len({lane.backends.names for lane in lanes})
    bar = _Bar(len(_CASES), progress, groups)
    saved = np.seterr(all="ignore")  # inf and NaN are values here; NaN equals NaN
    try:
        found = _run_lanes(lanes, bar)
    finally:
        np.seterr(**saved)
        bar.close()
    return Report(len(_CASES), by_kind, backends.names, time.perf_counter() - start,
                  _merge(found))


def _corpus_seed(directory) -> int:
    from ..errors import CorpusError
    from .files import MANIFEST, default_dir
    directory = default_dir() if directory is None else directory
    seed = load_manifest(directory).get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise CorpusError(f"{directory}/{MANIFEST}: \"seed\" missing or not an integer (the corpus "
                          f"seed every case's value seed derives from)")
    return seed


def _positions(cases) -> list[int]:
    """Each case's line (from 0) in its file (files hold one kind each, read in order)."""
    seen: dict = {}
    out = []
    for c in cases:
        out.append(seen.get(c["kind"], 0))
        seen[c["kind"]] = out[-1] + 1
    return out


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use, at most 8."""
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, min(8, os.cpu_count() or 1))
