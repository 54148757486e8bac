"""``broadcasting corpus run``: re-verify every case and report.

With ``jobs > 1`` the cases are cut into batches (runs of one kind) and checked by forked
workers that take one batch at a time from a shared :class:`Board`, so that every core stays
busy until the end. A batch has a numpy side (numpy, einops, bc, the index oracle and the
library's derivations) and a torch side. *Numpy workers* never import torch; meanwhile the first
*torch worker* imports it and forks helpers that wait for a core; it takes the whole of batches
nobody started (kinds marked ``TORCH_FIRST`` first: the numpy workers leave them), then the
torch side of the others (comparing with numpy's result, which the numpy side holds to the
oracle). A numpy worker on its last batch wakes a helper. The parent never imports torch. A
check that raises is a failed case, not a crash.
"""
from __future__ import annotations

import gc
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

#: cases per batch for a kind that does not set its own ``BATCH`` (about 50 ms of work)
BATCH = 120
_CASES: list = []  # the cases being checked, shared with forked workers
_POSITIONS: list = []  # each case's line (from 0) in its file, shared with forked workers
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


@dataclass(frozen=True)
class Batch:
    """``_CASES[start:stop]``: consecutive cases of one kind; ``whole`` when the kind sets
    ``TORCH_FIRST`` (numpy workers leave it to the torch workers, who check it whole)."""

    start: int
    stop: int
    kind: str
    whole: bool = False

    def __len__(self) -> int:
        return self.stop - self.start


def plan_batches(cases: list[dict]) -> list[Batch]:
    """Runs of consecutive cases of one kind, at most the kind's ``BATCH`` long (default
    :data:`BATCH`), the kinds with the smallest batches (the costliest cases) first and those
    whose module sets ``TORCH_FIRST`` last (numpy workers leave them to the torch workers, who
    check them whole). Numpy workers start at the front, the first torch worker at the end; the
    torch sides of the front batches come last, costliest first, so the batches that decide when
    a run ends are short.

    >>> cases = ([{"kind": "limits"}] * 2 + [{"kind": "programs"}] * 40 +
    ...          [{"kind": "matmul"}] * 3 + [{"kind": "gradients"}] * 70)
    >>> [(b.start, b.stop) for b in plan_batches(cases)]
    [(45, 105), (105, 115), (42, 45), (2, 18), (18, 34), (34, 42), (0, 2)]
    """
    runs, start = [], 0
    for i in range(1, len(cases) + 1):
        if i == len(cases) or cases[i]["kind"] != cases[start]["kind"]:
            kind = cases[start]["kind"]
            module = kind_module(kind)
            size, whole = getattr(module, "BATCH", BATCH), getattr(module, "TORCH_FIRST", False)
            runs.append((whole, size, [Batch(a, min(a + size, i), kind, whole)
                                       for a in range(start, i, size)]))
            start = i
    runs.sort(key=lambda run: run[:2])  # stable: equal sizes keep the files' order
    return [b for _, _, batches in runs for b in batches]


def check_cases(batch: Batch, backends: Backends) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(id, kind, problems)`` of each case of ``batch`` whose claims do not all hold under
    ``backends`` (the form of each case too, where the backends check derivations)."""
    cases = _CASES[batch.start:batch.stop]
    out = []
    for n, case, problems in zip(range(batch.start, batch.stop), cases, check_batch(cases, backends)):
        if backends.derive:  # the form is checked once, beside the derivations
            problems = check_form(case, _POSITIONS[n], _SEED[0]) + list(problems)
        if problems:
            out.append((case["id"], case["kind"], tuple(problems)))
    return out


@dataclass(frozen=True)
class Sides:
    """The backends each part of a batch is checked with: ``whole`` (everything the run
    checks), ``numpy`` (all but torch, with the derivations; None when torch is all) and
    ``torch`` (torch alone; None when torch is not checked).

    >>> s = Sides.of(Backends())
    >>> s.numpy.names, s.torch.names, s.whole.names
    (('numpy', 'einops', 'bc'), ('torch',), ('numpy', 'torch', 'einops', 'bc'))
    >>> Sides.of(Backends(("numpy",))).torch is None
    True
    """

    whole: Backends
    numpy: Backends | None
    torch: Backends | None

    @classmethod
    def of(cls, backends: Backends) -> "Sides":
        names = backends.names
        rest = tuple(n for n in names if n != "torch")
        if "torch" not in names or not rest:
            return cls(backends, None if not rest else backends,
                       backends if "torch" in names else None)
        return cls(backends,
                   Backends(rest, backends.device, derive=True, torch_elsewhere=True),
                   Backends(("torch",), backends.device, derive=False, numpy_elsewhere=True))


class Board:
    """Which side of which batch a worker has taken, shared by forked workers under one lock.
    Numpy workers take numpy sides from the front; torch workers take the whole of a batch
    nobody started (from the end), else the torch side of a started one (from the front).
    ``helpers`` torch helpers wait on ``cores``: a numpy worker on its last batch releases it
    once (its core is about to come free)."""

    def __init__(self, ctx, count: int, helpers: int = 0, free: int = 0, reserved=()):
        self.lock = ctx.Lock()
        self.numpy = ctx.RawArray("b", count)
        self.torch = ctx.RawArray("b", count)
        self.helpers = helpers
        self.cores = ctx.Semaphore(free)
        #: batches the numpy workers leave to the torch workers, to be checked whole
        self.reserved = ctx.RawArray("b", [bool(r) for r in reserved] or count)

    def __repr__(self) -> str:
        return (f"Board({sum(self.numpy)} numpy and {sum(self.torch)} torch sides of "
                f"{len(self.numpy)} taken)")

    def take_numpy(self) -> tuple[int, bool] | None:
        """``(batch, last)``: the next numpy side, and whether no other is left."""
        with self.lock:
            for b, taken in enumerate(self.numpy):
                if not taken and not self.reserved[b]:
                    self.numpy[b] = 1
                    return b, all(t or r for t, r in zip(self.numpy, self.reserved))
        return None

    def take_torch(self) -> tuple[int, bool] | None:
        """``(batch, whole)``: a whole batch nobody started (from the end: the numpy workers
        start from the front), else the torch side of a started batch (from the front). A whole
        batch builds each case once for both sides; the torch sides left when the numpy workers
        are done go to the helpers that take their cores."""
        with self.lock:  # a batch's torch side is never taken before its numpy side
            for b in reversed(range(len(self.numpy))):
                if not self.numpy[b]:
                    self.numpy[b] = self.torch[b] = 1
                    return b, True
            for b, taken in enumerate(self.torch):
                if not taken:
                    self.torch[b] = 1
                    return b, False
        return None


def _numpy_worker(board: Board, batches, sides: Sides, queue) -> None:
    """Numpy sides until none is left; on its last batch it wakes a torch helper, which will
    have its core (waking it on the way out would leave the core idle a moment)."""
    def work(report):
        found, freed = [], False
        while (task := board.take_numpy()) is not None:
            b, last = task
            if last and not freed:
                board.cores.release()
                freed = True
            found += check_cases(batches[b], sides.numpy)
            report(len(batches[b]))
        if not freed:
            board.cores.release()
        return found
    _worker(work, queue, "numpy")


def _torch_worker(board: Board, batches, sides: Sides, queue, first: bool = True) -> None:
    """The first torch worker imports torch (and what the kinds of the run warm up), forks
    the helpers, which wait for a free core with all that imported, then checks batches; it
    wakes any helper still waiting once the batches are done, and reports after them."""
    def work(report):
        helpers = []
        if first:
            _import_torch()
            for kind in dict.fromkeys(b.kind for b in batches):
                getattr(kind_module(kind), "warm_up", lambda: None)()
            helpers = [_start(_torch_worker, board, batches, sides, queue, first=False)
                       for _ in range(board.helpers)]
        parent = os.getppid()
        while not first and not board.cores.acquire(timeout=0.5):
            if os.getppid() != parent:  # the first torch worker is gone: so is the run
                return []
        found = []
        while os.getppid() == parent and (task := board.take_torch()) is not None:
            b, whole = task
            found += check_cases(batches[b], sides.whole if whole else sides.torch)
            report(len(batches[b]) * (2 if whole and sides.numpy else 1))
        for _ in helpers:  # a helper still waiting for a core finds nothing left to do
            board.cores.release()
        for h in helpers:
            h.join()
            if h.exitcode:
                raise _worker_died(h.exitcode)
        return found
    _worker(work, queue, "torch" if first else "helper")


def _worker(work, queue, who: str) -> None:
    try:
        np.seterr(all="ignore")
        queue.put(("done", who, work(lambda n: queue.put(("progress", who, n)))))
    except BaseException as err:  # never leave the parent waiting
        queue.put(("crash", who, f"{type(err).__name__}: {err}"))


def _start(target, *args, daemon: bool = True, **kwargs):
    """A forked process running ``target(*args, **kwargs)`` (a daemon unless it forks
    processes of its own, as the first torch worker does)."""
    import multiprocessing
    p = multiprocessing.get_context("fork").Process(target=target, args=args, kwargs=kwargs,
                                                    daemon=daemon)
    p.start()
    return p


def _import_torch() -> None:
    import torch
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead


def _run_serial(batches, sides: Sides, progress) -> list[tuple]:
    if sides.torch:
        _import_torch()
    found = []
    for batch in batches:
        found += check_cases(batch, sides.whole)
        progress(len(batch) * (2 if sides.numpy and sides.torch else 1))
    return found


def _run_parallel(batches, sides: Sides, jobs: int, progress) -> list[tuple]:
    """Numpy workers, and one torch worker that imports torch meanwhile and forks its helpers
    (no second import); a numpy worker on its last batch wakes one. The parent itself never
    imports torch."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    numpy_workers = (jobs - 1 if sides.torch else jobs) if sides.numpy else 0
    queue = ctx.Queue()
    reserved = [b.whole for b in batches] if numpy_workers and sides.torch else []
    helpers = numpy_workers if numpy_workers else jobs - 1  # one per core that comes free
    board = Board(ctx, len(batches), helpers, free=0 if numpy_workers else helpers,
                  reserved=reserved)
    procs = [_start(_numpy_worker, board, batches, sides, queue) for _ in range(numpy_workers)]
    if sides.torch:
        procs.append(_start(_torch_worker, board, batches, sides, queue, daemon=False))
    try:
        found, open_workers = [], len(procs)
        while open_workers:
            what, who, payload = _next_message(queue, procs)
            if what == "progress":
                progress(payload)
            elif what == "done":
                found += payload
                open_workers -= who != "helper"  # the first torch worker reports after its helpers
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


def _worker_died(code: int):
    from ..errors import CorpusError
    how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    return CorpusError(f"a corpus worker process {how} (out of memory?); run again with -j 1, "
                       f"or with fewer workers")


def _next_message(queue, procs) -> tuple:
    """The next message of a worker; ``CorpusError`` when a worker died without one (killed by
    a signal, out of memory) instead of waiting for it for ever."""
    import queue as queues
    while True:
        try:
            return queue.get(timeout=0.5)
        except queues.Empty:
            dead = [p for p in procs if p.exitcode is not None and p.exitcode != 0]
            if dead:
                raise _worker_died(dead[0].exitcode) from None


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

    def __init__(self, total: int, enabled: bool, sides: int):
        self.total, self.enabled, self.done = total * sides, enabled, 0
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
    jobs = min(jobs, max(1, len(_CASES) // 200))
    sides = Sides.of(backends)
    batches = plan_batches(_CASES)
    bar = _Bar(len(_CASES), progress, 2 if sides.numpy and sides.torch else 1)
    saved = np.seterr(all="ignore")  # inf and NaN are values here; NaN equals NaN
    frozen = gc.get_freeze_count()
    gc.freeze()  # the loaded cases live all run long: the collector need not walk them again
    try:
        found = (_run_serial(batches, sides, bar) if jobs == 1 else
                 _run_parallel(batches, sides, jobs, bar))
    finally:
        if not frozen:  # a caller's own frozen objects stay frozen (and ours with them)
            gc.unfreeze()
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
