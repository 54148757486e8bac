"""The runner: the committed corpus passes; tampered claims fail with exit 1 naming the case;
a bad corpus (missing/extra file, checksum, malformed line) exits 2 naming file and line."""
from __future__ import annotations

import copy
import json

import pytest

from broadcasting.cli import main
from broadcasting.corpus.run import run_corpus

from corpus_helpers import CORPUS, sample, write_corpus


def _run(capsys, *argv):
    code = main(["corpus", "run", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_committed_corpus_passes_every_kind():
    report = run_corpus(CORPUS, jobs=2)
    assert report.failures == ()
    assert report.cases >= 10000
    assert set(report.by_kind) >= {"elementwise", "matmul", "gradients", "errors", "promotion"}


def test_json_shape(capsys, tmp_path):
    write_corpus(tmp_path / "c", sample(5))
    code, out, _ = _run(capsys, "--corpus", str(tmp_path / "c"), "--json", "-j", "1")
    data = json.loads(out)
    assert code == 0
    assert list(data) == ["cases", "failed", "by_kind", "backends", "seconds", "failures"]
    assert data["cases"] == 5 * len(data["by_kind"]) and data["failed"] == 0 and data["failures"] == []
    assert data["by_kind"] == {k: 5 for k in data["by_kind"]}
    assert data["backends"] == ["numpy", "torch", "einops", "bc"]


def _first(cases, pred):
    return next(c for c in cases if pred(c))


def _swap_output(c):
    lhs, out = c["einsum"].split("->")
    return dict(c, einsum=f"{lhs}->{out[:-2]}{out[-1]}{out[-2]}")


TAMPERS = {
    "einsum output labels swapped": ("elementwise", lambda c: c["op"] == "*" and
                                     len(c["result_shape"]) >= 2 and min(c["result_shape"]) > 1,
                                     _swap_output),
    "matmul einsum swapped": ("matmul", lambda c: len(c["result_shape"]) >= 2 and
                              min(c["result_shape"]) > 1, _swap_output),
    "wrong result_shape": ("elementwise", lambda c: len(c["result_shape"]) >= 1,
                           lambda c: dict(c, result_shape=c["result_shape"][::-1] + [2])),
    "wrong numpy dtype": ("elementwise", lambda c: c["numpy_dtype"] == "float64",
                          lambda c: dict(c, numpy_dtype="float32")),
    "wrong torch dtype (promotion)": ("promotion", lambda c: c["torch_dtype"] == "float32",
                                      lambda c: dict(c, torch_dtype="float64")),
    "wrong adjoint": ("gradients", lambda c: c["op"] == "*" and len(c["result_shape"]) >= 1,
                      lambda c: dict(c, adjoints=c["adjoints"][::-1])),
    "wrong error": ("errors", lambda c: True,
                    lambda c: dict(c, error=dict(c["error"], torch="ValueError"))),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_claim_fails_naming_the_case(capsys, tmp_path, name):
    kind, pick, tamper = TAMPERS[name]
    cases = copy.deepcopy(sample(400 if kind == "elementwise" else 60))
    victim = _first(cases[kind], pick)
    cases[kind] = [tamper(c) if c is victim else c for c in cases[kind]]
    write_corpus(tmp_path / "c", {kind: cases[kind]})
    code, out, _ = _run(capsys, "--corpus", str(tmp_path / "c"), "-j", "1")
    assert code == 1
    failing = [line.split(":")[0] for line in out.splitlines() if line.startswith("FAIL ")]
    assert failing == [f"FAIL {victim['id']}"]


def test_missing_file_is_exit_2(capsys, tmp_path):
    d = write_corpus(tmp_path / "c", sample(3))
    (d / "matmul.jsonl").unlink()
    code, out, err = _run(capsys, "--corpus", str(d))
    assert code == 2 and "matmul.jsonl" in err and "missing" in err and "Traceback" not in err


def test_extra_file_is_exit_2(capsys, tmp_path):
    d = write_corpus(tmp_path / "c", sample(3))
    (d / "stray.jsonl").write_text("{}\n")
    code, _, err = _run(capsys, "--corpus", str(d))
    assert code == 2 and "stray.jsonl" in err and "extra" in err


def test_checksum_mismatch_is_exit_2(capsys, tmp_path):
    d = write_corpus(tmp_path / "c", sample(3))
    with open(d / "errors.jsonl", "a") as f:
        f.write("\n")
    code, _, err = _run(capsys, "--corpus", str(d))
    assert code == 2 and "errors.jsonl" in err and "sha256" in err


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", '{"id": "x", "kind": "matmul"}'])
def test_malformed_line_is_exit_2_with_file_and_line(capsys, tmp_path, bad):
    from broadcasting.corpus.files import encode_case
    cases = sample(4)
    lines = [encode_case(c) for c in cases["matmul"]]
    lines[2] = bad
    d = write_corpus(tmp_path / "c", cases, {"matmul": lines})
    code, _, err = _run(capsys, "--corpus", str(d))
    assert code == 2 and "matmul.jsonl:3" in err and "Traceback" not in err


def test_unknown_kind_and_missing_corpus_are_exit_2(capsys, tmp_path):
    code, _, err = _run(capsys, "--corpus", str(tmp_path), "--kind", "nope")
    assert code == 2 and "nope" in err
    code, _, err = _run(capsys, "--corpus", str(tmp_path / "absent"))
    assert code == 2 and "absent" in err


def test_device_cuda_without_gpu_says_so(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU exists here: the message is for machines without one")
    d = write_corpus(tmp_path / "c", sample(2))
    code, _, err = _run(capsys, "--corpus", str(d), "--device", "cuda")
    assert code == 2 and "no CUDA GPU" in err and len(err.strip().splitlines()) == 1


def test_no_progress_bar_when_piped(capsys, tmp_path):
    d = write_corpus(tmp_path / "c", sample(3))
    code, out, err = _run(capsys, "--corpus", str(d), "-j", "1")
    assert code == 0 and err == "" and "all claims hold" in out


def test_a_worker_that_dies_is_exit_2_not_a_hang(capsys, monkeypatch):
    # issue 12, item 8: a lane killed by a signal (OOM killer) never reports; the parent waited
    # for ever on the queue
    import os
    import signal
    from broadcasting.corpus import run as corpus_run
    monkeypatch.setattr(corpus_run, "check_cases", lambda batch, backends: os.kill(os.getpid(), signal.SIGKILL))
    assert main(["corpus", "run", "-j", "2", "--backend", "numpy"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "killed by signal 9" in err


def test_an_unreadable_corpus_file_is_one_line_exit_2(capsys, monkeypatch):
    # issue 12: OS errors are bad input (exit 2, one line), never a traceback and exit 1
    import pathlib
    real = pathlib.Path.read_bytes

    def refuse(self):
        if self.suffix == ".jsonl":
            raise PermissionError(13, "Permission denied")
        return real(self)
    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    assert main(["corpus", "run", "--backend", "numpy", "-j", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot read it (Permission denied)" in err


# -- the parallel run: numpy workers, a torch worker that imports torch, its helpers ----------

def test_a_parallel_run_never_imports_torch_in_the_parent():
    # issue 19: the torch workers import it (the first) or inherit it (its helpers); the parent
    # would pay torch's teardown at exit
    import subprocess
    import sys
    code = ("import sys; from broadcasting.corpus.run import run_corpus; "
            f"r = run_corpus({str(CORPUS)!r}, kinds=['matmul', 'gradients'], jobs=2); "
            "print(r.failed, r.cases, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "2166", "False"]


def test_the_torch_side_of_a_parallel_run_finds_what_torch_gets_wrong(monkeypatch, tmp_path):
    # the torch side compares with numpy's result (the numpy side holds that to the oracle): a
    # torch that gives 2x + 1 for every float x fails every case with values, there and only there
    from broadcasting.corpus.backends import Backends
    real = Backends.tensor

    def off_by_one(self, x, requires_grad=False):
        t = real(self, x, requires_grad)
        return t * 2 + 1 if t.dtype.is_floating_point and not requires_grad else t
    monkeypatch.setattr(Backends, "tensor", off_by_one)  # forked workers inherit it
    cases = sample(500)["elementwise"]
    d = write_corpus(tmp_path / "c", {"elementwise": cases})
    report = run_corpus(d, jobs=2)  # 500 cases: two workers at least (one per 200)
    assert [f.id for f in report.failures] == [c["id"] for c in cases if 0 not in c["result_shape"]]
    for f in report.failures:
        assert all(p.startswith(("torch ", "torch.einsum")) for p in f.problems), f
        assert any(p.startswith("torch ") and "values differ" in p for p in f.problems), f


def test_a_torch_worker_checks_whole_batches_nobody_started(monkeypatch, tmp_path):
    # numpy workers that take nothing: the torch worker (and the helper each one's exit asks
    # for) must check every batch whole, derivations and forms included
    from broadcasting.corpus import run as corpus_run
    monkeypatch.setattr(corpus_run, "_numpy_worker", lambda board, batches, sides, queue:
                        corpus_run._worker(lambda report: [], queue, "numpy"))
    cases = copy.deepcopy(sample(250))
    victim = _first(cases["elementwise"], TAMPERS["einsum output labels swapped"][1])
    cases["elementwise"] = [_swap_output(c) if c is victim else c for c in cases["elementwise"]]
    d = write_corpus(tmp_path / "c", cases)
    report = run_corpus(d, jobs=3)
    assert [f.id for f in report.failures] == [victim["id"]]
    problems = report.failures[0].problems
    assert any("the library derives" in p for p in problems)  # the numpy side's derivation
    assert any(p.startswith("torch.einsum") for p in problems)  # and the torch side


def test_a_torch_only_run_forks_helpers_and_passes():
    from broadcasting.corpus.backends import Backends
    report = run_corpus(CORPUS, kinds=["matmul", "promotion"], backends=Backends(("torch",)), jobs=2)
    assert report.failures == () and report.cases == 1760


def test_the_board_hands_out_each_side_of_each_batch_once():
    import multiprocessing
    from broadcasting.corpus.run import Board
    board = Board(multiprocessing.get_context("fork"), 4)
    assert board.take_numpy() == (0, False) and board.take_numpy() == (1, False)
    assert board.take_torch() == (3, True)  # nobody started it: whole, from the end
    assert board.take_torch() == (2, True)
    assert board.take_numpy() is None  # the torch worker took the rest whole
    assert board.take_torch() == (0, False) and board.take_torch() == (1, False)
    assert board.take_torch() is None
    assert "4 numpy and 4 torch sides of 4 taken" in repr(board)
    other = Board(multiprocessing.get_context("fork"), 2)
    assert other.take_numpy() == (0, False) and other.take_numpy() == (1, True)  # the last one


def test_numpy_workers_leave_reserved_batches_whole_to_torch_workers():
    import multiprocessing
    from broadcasting.corpus.run import Board
    board = Board(multiprocessing.get_context("fork"), 3, reserved=[False, False, True])
    assert board.take_numpy() == (0, False) and board.take_numpy() == (1, True)
    assert board.take_numpy() is None
    assert board.take_torch() == (2, True) and board.take_torch() == (0, False)


def test_a_run_leaves_the_collector_as_it_found_it(tmp_path):
    # the loaded cases are frozen (gc.freeze) for the run only; a caller's frozen objects stay
    import gc
    d = write_corpus(tmp_path / "c", sample(3))
    assert gc.get_freeze_count() == 0
    run_corpus(d, jobs=1)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        run_corpus(d, jobs=1)
        assert gc.get_freeze_count() > before // 2  # not unfrozen (a few may have been freed)
    finally:
        gc.unfreeze()
