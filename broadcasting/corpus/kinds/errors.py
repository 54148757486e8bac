"""Incompatible shapes: numpy raises, torch raises, ``bc`` raises ``BroadcastError``.

Shapes come from hypothesis draws made incompatible on one axis (two operands given different
sizes, neither 1), and from ``@`` draws with a contracted or batch axis made to differ.

Claims: ``error`` — the exception class each library raises (``numpy``, ``torch``, ``bc``; a
difference between numpy and torch is data) — and ``message``, the one line ``bc`` says.

>>> observed("*", [[2, 3], [2]], with_torch=False)
{'numpy': 'ValueError', 'bc': 'BroadcastError'}
"""
from __future__ import annotations

import numpy as np

from ...explain import explain
from ...shapes import BroadcastError
from ..oracle import BINARY
from ..shapes import MATMUL_SIGNATURE, hypothesis_shapes
from . import case_id, case_seed

NAME = "errors"
DRAWS = 300
SIZES = (0, 2, 3, 4, 5)
#: the ops the generator writes: elementwise clashes under ``*``, matmul clashes under ``@``
OPS = ("*", "@")


def _clash(shapes, rng) -> list[list[int]] | None:
    """Give two operands different non-1 sizes on one right-aligned axis."""
    shapes = [list(s) for s in shapes]
    ranked = [k for k, s in enumerate(shapes) if s]
    if len(ranked) < 2:
        return None
    k, j = rng.choice(ranked, size=2, replace=False)
    p = int(rng.integers(1, min(len(shapes[k]), len(shapes[j])) + 1))
    x, y = rng.choice(SIZES, size=2, replace=False)
    shapes[k][-p], shapes[j][-p] = int(x), int(y)
    return shapes


def _matmul_clash(shapes, rng) -> list[list[int]]:
    left, right = [list(s) for s in shapes]
    if len(left) > 2 and len(right) > 2 and rng.random() < 0.5:
        x, y = rng.choice(SIZES, size=2, replace=False)
        left[-3], right[-3] = int(x), int(y)
    else:
        at = -2 if len(right) >= 2 else -1
        right[at] = left[-1] + 1 + int(rng.integers(0, 2))
    return [left, right]


def raised(fn) -> str:
    """The class name of the exception ``fn()`` raises, or ``'none'``."""
    try:
        fn()
    except Exception as err:  # the class *is* the recorded datum
        return type(err).__name__
    return "none"


def observed(op: str, shapes, with_torch: bool = True) -> dict:
    """What each library raises today for ``op`` over zero arrays of ``shapes``."""
    from ...explicit import multiply
    arrays = [np.zeros(s) for s in shapes]
    out = {"numpy": raised(lambda: _chain(arrays, op)),
           "bc": raised(lambda: explain(*shapes, op="@") if op == "@" else multiply(*arrays))}
    if with_torch:
        import torch
        tensors = [torch.zeros(s, dtype=torch.float64) for s in shapes]
        out["torch"] = raised(lambda: _chain(tensors, op))
    return out


def _chain(xs, op: str):
    out = xs[0]
    for x in xs[1:]:
        out = out @ x if op == "@" else BINARY[op](out, x)
    return out


def message(op: str, shapes) -> str | None:
    """The one line ``bc.explain`` raises, or ``None`` when it does not."""
    try:
        explain(*[tuple(s) for s in shapes], op=op)
    except BroadcastError as err:
        return str(err)
    return None


def generate(seed: int) -> list[dict]:
    rng = np.random.default_rng([seed, 404])
    specs = []
    for operands in (2, 3):
        for shapes in hypothesis_shapes(seed + 30 + operands, DRAWS, num_shapes=operands, max_dims=4):
            bad = _clash(shapes, rng)
            if bad is not None:
                specs.append(("*", bad))
    for shapes in hypothesis_shapes(seed + 35, DRAWS // 2, max_dims=3, signature=MATMUL_SIGNATURE):
        specs.append(("@", _matmul_clash(shapes, rng)))
    cases = []
    for op, shapes in specs:
        text = message(op, shapes)
        if text is None:
            continue
        n = len(cases)
        cases.append({"id": case_id(NAME, n), "kind": NAME, "op": op, "shapes": shapes,
                      "seed": case_seed(seed, NAME, n), "error": observed(op, shapes),
                      "message": text})
    return cases


def expected(case: dict, n: int, seed: int) -> dict:
    """The case the generator writes at position ``n`` for this case's ``op`` (one of
    :data:`OPS`) and ``shapes`` (the recorded ``error`` is checked against the libraries by
    :func:`check`)."""
    op = case["op"] if case["op"] in OPS else OPS[0]
    return {"id": case_id(NAME, n), "kind": NAME, "op": op, "shapes": case["shapes"],
            "seed": case_seed(seed, NAME, n), "error": case.get("error"),
            "message": message(case["op"], case["shapes"])}


def check(case: dict, backends) -> list[str]:
    """Each library must still raise what the case records; bc must say the same line."""
    msgs = []
    today = message(case["op"], case["shapes"]) if backends.derive else case.get("message")
    if today != case.get("message"):
        msgs.append(f"message: claim {case.get('message')!r} but bc says {today!r} today")
    got = observed(case["op"], case["shapes"], with_torch=backends.use("torch"))
    for lib, now in got.items():
        if now != case["error"].get(lib):
            msgs.append(f"error[{lib}]: claim {case['error'].get(lib)!r} but {lib} raises {now!r}")
    return msgs
