"""The limits kind: rank limits recorded as data, and a changed record caught."""
import copy

from broadcasting.corpus.backends import Backends
from broadcasting.corpus.form import check_form
from broadcasting.corpus.kinds import limits


def test_recorded_rank_limits_hold_today():
    cases = limits.generate(0)
    assert [c["rank"] for c in cases] == list(limits.RANKS)
    by_rank = {c["rank"]: c["outcomes"] for c in cases}
    assert by_rank[32]["numpy.broadcast_shapes"] == "ok"
    assert by_rank[33]["numpy.broadcast_shapes"] == "RuntimeError"  # numpy's cap at 32 …
    assert by_rank[64]["numpy *"] == "ok"                          # … though * goes to 64
    assert by_rank[65]["numpy *"] == "ValueError"
    assert all(o["bc.broadcast_shapes"] == "ok" and o["torch *"] == "ok" for o in by_rank.values())
    assert [limits.check(c, Backends()) for c in cases] == [[]] * len(cases)
    assert [check_form(c, n, 0) for n, c in enumerate(cases)] == [[]] * len(cases)


def test_tampered_records_fail():
    case = limits.generate(0)[3]
    bad = copy.deepcopy(case)
    bad["outcomes"]["numpy.broadcast_shapes"] = "ok"
    assert limits.check(bad, Backends()) == [
        "outcomes['numpy.broadcast_shapes']: claim 'ok' but today 'RuntimeError'"]
    bad = copy.deepcopy(case)
    bad["result_shape"][-1] = 3
    assert limits.check(bad, Backends())[0].startswith("result_shape: claim")
    bad = dict(case, rank=34)
    assert check_form(bad, 3, 0) == ["rank: claim 34 but the generator writes 33 for these inputs"]
