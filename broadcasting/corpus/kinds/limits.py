"""Rank limits: how many dimensions each library's broadcasting accepts, recorded as data.

numpy's ``np.broadcast_shapes`` refuses more than 32 dimensions although its ufuncs (``*``)
accept arrays of up to 64; torch has no such limit in either; ``bc`` follows the rule with no
cap. Each case broadcasts a shape of ``rank`` dimensions (all 1 but the last, 2) with ``(3, 1)``.

Claims: ``rank``, ``shapes``, ``result_shape`` (what broadcasting gives by the rule) and
``outcomes``: for each of ``numpy.broadcast_shapes``, ``numpy *``, ``torch.broadcast_shapes``,
``torch *``, ``bc.broadcast_shapes`` and ``bc.explain``, either ``"ok"`` or the class of the
exception raised. A library changing from the recorded outcome fails the case.

>>> observed_outcomes(33, with_torch=False)["numpy.broadcast_shapes"]
'RuntimeError'
>>> observed_outcomes(33, with_torch=False)["numpy *"]
'ok'
"""
from __future__ import annotations

import numpy as np

from ...explain import explain
from ...shapes import broadcast_shapes
from . import case_id, case_seed

NAME = "limits"
#: its torch side imports sympy (``torch.broadcast_shapes``, ~0.5 s): the first torch worker
#: checks it first, so that the helpers it forks later have sympy already
TORCH_FIRST = True
RANKS = (2, 31, 32, 33, 63, 64, 65)
OTHER = (3, 1)


def shapes_of(rank: int) -> list[list[int]]:
    """A shape of ``rank`` dims (ones, then 2) and ``(3, 1)``."""
    return [[1] * (rank - 1) + [2], list(OTHER)]


def _outcome(fn) -> str:
    try:
        fn()
    except Exception as err:  # the class is the recorded datum
        return type(err).__name__
    return "ok"


def _tests(shapes, with_torch: bool) -> dict:
    a, b = (tuple(s) for s in shapes)
    tests = {
        "numpy.broadcast_shapes": lambda: np.broadcast_shapes(a, b),
        "numpy *": lambda: np.ones(a) * np.ones(b),
        "bc.broadcast_shapes": lambda: broadcast_shapes(a, b),
        "bc.explain": lambda: explain(a, b).einsum,
    }
    if with_torch:
        import torch
        tests["torch.broadcast_shapes"] = lambda: torch.broadcast_shapes(a, b)
        tests["torch *"] = lambda: torch.ones(a) * torch.ones(b)
    return tests


def observed_outcomes(rank: int, with_torch: bool = True) -> dict:
    """What each library does today with a ``rank``-dimensional broadcast."""
    return {name: _outcome(fn) for name, fn in _tests(shapes_of(rank), with_torch).items()}


def _base(n: int, seed: int) -> dict:
    rank = RANKS[n]
    return {"id": case_id(NAME, n), "kind": NAME, "seed": case_seed(seed, NAME, n),
            "op": "*", "rank": rank, "shapes": shapes_of(rank),
            "result_shape": [1] * (rank - 2) + [3, 2]}


def generate(seed: int) -> list[dict]:
    """One case per rank in :data:`RANKS`, with each library's outcome observed today."""
    return [dict(_base(n, seed), outcomes=observed_outcomes(RANKS[n])) for n in range(len(RANKS))]


def expected(case: dict, n: int, seed: int) -> dict:
    """The case at position ``n``: all but the outcomes is fixed by the position (the outcomes
    are checked against the libraries by :func:`check`)."""
    if n >= len(RANKS):
        raise ValueError(f"the limits kind has {len(RANKS)} cases, not {n + 1}")
    return dict(_base(n, seed), outcomes=case.get("outcomes"))


def check(case: dict, backends) -> list[str]:
    """Every recorded outcome against what the libraries do today (torch only when checked)."""
    msgs = []
    shapes = [list(s) for s in case["shapes"]]
    if len(shapes[0]) != case["rank"]:
        msgs.append(f"rank: claim {case['rank']} but shapes[0] has {len(shapes[0])} dims")
    if backends.derive:
        got = list(broadcast_shapes(*map(tuple, shapes)))
        if got != list(case["result_shape"]):
            msgs.append(f"result_shape: claim {case['result_shape']} but the rule gives {got}")
    torch_side = backends.use("torch")
    tests = _tests(shapes, with_torch=torch_side)
    claimed = case["outcomes"]
    expected = set(tests) if torch_side else set(tests) | {"torch.broadcast_shapes", "torch *"}
    if set(claimed) != expected:
        msgs.append(f"outcomes: claims for {sorted(claimed)}, expected {sorted(expected)}")
    for name, fn in tests.items():
        now = _outcome(fn)
        if claimed.get(name) != now:
            msgs.append(f"outcomes[{name!r}]: claim {claimed.get(name)!r} but today {now!r}")
    return msgs

