"""strict levels against the audit's bug and clean programs: 'outer' raises exactly on the bug
lines and passes every clean idiom; 'rank' refuses rank promotion only; 'all' refuses every
broadcast (the default, as before)."""
import contextlib
import io
import pathlib
import warnings

import pytest
import torch

import broadcasting as bc
from broadcasting.audit.strict import BroadcastWarning, strict

PROGRAMS = pathlib.Path(__file__).parent / "audit_programs"
TORCH = sorted(PROGRAMS.glob("*_torch_*.py"))
BUGS = [p for p in TORCH if p.name.startswith("bug_")]
CLEAN = [p for p in TORCH if p.name.startswith("clean_")]
#: clean idioms whose broadcasts keep the rank (size-1 axes only)
SAME_RANK = ["bert_mask", "lengths_mask", "contrastive", "pairwise_loss", "expand_keepdim",
             "logprob_summed", "losses_matched", "mlp"]


#: bug lines 'all' cannot see: no checked operation broadcasts there (expand_as, expand,
#: broadcast_to; a distribution's parameters broadcast by broadcast_tensors)
NOT_AN_OPERATION = {"bug_torch_expand_as": {8, 9, 10}, "bug_torch_distribution": {12},
                    "bug_torch_bernoulli": {10}}


def _marked(path) -> set[int]:
    return {n for n, line in enumerate(path.read_text().splitlines(), 1) if "# BUG" in line}


def _run(path, guard) -> None:
    code = compile(path.read_text(), str(path), "exec")
    with contextlib.redirect_stdout(io.StringIO()), guard:
        exec(code, {"__name__": "__main__", "__file__": str(path)})


def _warned(path, level) -> set[int]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run(path, strict(level, mode="warn"))
    return {w.lineno for w in caught
            if issubclass(w.category, BroadcastWarning) and w.filename == str(path)}


def test_enough_programs():
    assert len(BUGS) >= 14 and len(CLEAN) >= 20


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("path", TORCH, ids=lambda p: p.stem)
def test_outer_warns_exactly_on_the_bug_lines(path):
    assert _warned(path, "outer") == _marked(path)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("path", BUGS, ids=lambda p: p.stem)
def test_outer_raises_on_a_bug_line_with_the_fix(path):
    with pytest.raises(bc.BroadcastError) as info:
        _run(path, strict("outer"))
    where, _, rest = str(info.value).partition(": ")
    assert where.startswith(f"{path}:") and int(where.split(":")[1]) in _marked(path)
    assert "fix: " in rest and "\n" not in rest


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_outer_passes_every_clean_program(path):
    _run(path, strict("outer"))


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("name", SAME_RANK)
def test_rank_passes_idioms_that_only_stretch_size_one_axes(name):
    _run(PROGRAMS / f"clean_torch_{name}.py", strict("rank"))


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("path", TORCH, ids=lambda p: p.stem)
def test_rank_and_all_warn_where_shapes_differ_and_all_covers_outer(path):
    rank, everything = _warned(path, "rank"), _warned(path, "all")
    assert rank <= everything
    assert _marked(path) - everything == NOT_AN_OPERATION.get(path.stem, set())


def test_rank_refuses_promotion_and_allows_stretching():
    x, b, col = torch.ones(8, 3), torch.ones(3), torch.ones(8, 1)
    mask, scores = torch.ones(2, 1, 1, 5), torch.zeros(2, 4, 5, 5)
    with strict("rank"):
        out = x * col + 1.0 + torch.tensor(2.0) * x
        masked = scores + mask
        with pytest.raises(bc.BroadcastError) as info:
            x + b
    assert out.shape == (8, 3) and masked.shape == (2, 4, 5, 5)
    text = str(info.value)
    assert text.startswith("implicit rank promotion in add: A(8, 3) + b(3,) -> (8, 3)")
    assert "b[None, :]" in text and info.value.explanation.result_shape == (8, 3)


def test_outer_allows_ordinary_broadcasts_and_refuses_the_classic():
    x, b = torch.ones(4, 4), torch.ones(4)
    with strict("outer"):
        h = x + b
        s = x / x.sum(0)
        with pytest.raises(bc.BroadcastError, match="ambiguous-alignment"):
            x / x.sum(1)
        with pytest.raises(bc.BroadcastError, match="accidental-outer-product") as info:
            torch.ones(4, 1) - b
    assert h.shape == s.shape == (4, 4)
    assert info.value.explanation.result_shape == (4, 4)


def test_default_is_all_and_old_spellings_keep_their_meaning():
    assert (strict().level, strict().mode) == ("all", "raise")
    assert (strict("warn").level, strict("warn").mode) == ("all", "warn")
    assert (strict("off").level, strict("outer", mode="off").mode) == ("all", "off")
    with strict(), pytest.raises(bc.BroadcastError):
        torch.ones(4, 4) + torch.ones(4)


def test_outer_nested_off_and_restored():
    with strict("outer"):
        with strict("outer", mode="off"):
            d = torch.ones(3, 1) - torch.ones(3)
        with pytest.raises(bc.BroadcastError):
            torch.ones(3, 1) - torch.ones(3)
    assert d.shape == (3, 3)
    assert (torch.ones(3, 1) - torch.ones(3)).shape == (3, 3)
