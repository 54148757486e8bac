"""The `programs` corpus kind: networks whose four gradient routes agree; tampered claims fail."""
import copy

import pytest

from broadcasting.corpus import KINDS, Backends, kind_module
from broadcasting.corpus.kinds import programs


@pytest.fixture(scope="module")
def cases():
    return programs.generate(0)


def _pick(cases):
    """One case each: batch or not, each activation, each loss, each library, float32."""
    wanted = [lambda c: c["network"]["batch"] is None, lambda c: c["network"]["batch"] is not None,
              lambda c: c["network"]["activation"] == "sigmoid", lambda c: c["network"]["loss"] == "bce",
              lambda c: c["library"] == "torch", lambda c: c["dtype"] == "float32"]
    return [next(c for c in cases if w(c)) for w in wanted]


def test_registered_and_deterministic(cases):
    assert "programs" in KINDS and kind_module("programs") is programs
    assert len(cases) >= 200 and len({c["id"] for c in cases}) == len(cases)
    assert cases == programs.generate(0) and cases != programs.generate(1)
    nets = {(c["network"]["batch"] is None, c["network"]["activation"], c["network"]["loss"])
            for c in cases}
    assert len(nets) == 12  # every combination of batch/no batch, activation and loss occurs
    assert {c["library"] for c in cases} == {"numpy", "torch"}


def test_cases_pass(cases):
    for case in _pick(cases):
        assert programs.check(case, Backends()) == [], case["id"]


def test_cases_pass_without_torch(cases):
    case = next(c for c in cases if c["library"] == "torch" and c["network"]["batch"])
    assert programs.check(case, Backends(("numpy", "bc"))) == []


@pytest.mark.parametrize("key, value, message", [
    ("jacobian", "∂h[k]/∂W[i,j] = x[j] δ[i,k]", "jacobian: claim"),
    ("batch_einsum", "bi,bj->ji", "batch_einsum"),
    ("grad_shapes", {"W": [9, 9], "wout": [9]}, "shape"),
    ("routes", ["broadcast", "autograd"], "routes: claim"),
    ("shapes", {"x": [1], "t": [], "W": [1, 1], "wout": [1]}, "shapes: claim"),
])
def test_tampered_claims_fail(cases, key, value, message):
    case = copy.deepcopy(next(c for c in cases if c["network"]["batch"] and c["network"]["inputs"] > 1
                              and c["network"]["hidden"] > 1 and c["network"]["inputs"] != c["network"]["hidden"]))
    case[key] = value
    msgs = programs.check(case, Backends())
    assert msgs and any(message in m for m in msgs), msgs


def test_parallel_lanes_split_the_routes_by_the_cases_library(cases, monkeypatch):
    """In ``corpus run -j 2`` the numpy lane runs a numpy case's routes (against the Jacobian
    route) and the torch lane checks only autograd against the Jacobian route for it; a torch
    case's routes all run in the torch lane. Each lane still finds a tampered claim."""
    numpy_lane = Backends(("numpy", "einops", "bc"), torch_elsewhere=True)
    torch_lane = Backends(("torch",), derive=False, numpy_elsewhere=True)
    ran = []
    real = programs.four_ways
    monkeypatch.setattr(programs, "four_ways",
                        lambda net, sample, routes: ran.append(routes) or real(net, sample, routes))
    in_numpy = next(c for c in cases if c["library"] == "numpy" and c["network"]["batch"])
    in_torch = next(c for c in cases if c["library"] == "torch" and c["network"]["batch"])
    for case in (in_numpy, in_torch):
        assert programs.check(case, numpy_lane) == [] and programs.check(case, torch_lane) == []
    assert ran == [("broadcast", "rewritten", "jacobians"), ("jacobians", "autograd"),
                   ("broadcast", "rewritten", "jacobians", "autograd")]
    bad = dict(copy.deepcopy(in_numpy), grad_shapes={"W": [9, 9], "wout": [9]})
    for lane in (numpy_lane, torch_lane):
        assert any("shape" in m for m in programs.check(bad, lane))
