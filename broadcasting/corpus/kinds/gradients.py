"""Gradients of broadcast products: each operand's gradient (the adjoint einsum, and
``bc.unbroadcast`` for ``*``) against torch autograd and a scatter-add index oracle.

Claims: ``result_shape``, ``einsum``, ``einops``, ``adjoints`` (one einsum per operand, inputs:
the result's gradient, then the other operands' ``einsum_operands``). The result's gradient is
drawn from the case's generator after the operands.

>>> _case(0, 0, "*", ((3,), (2, 3)))["adjoints"]
['ij,ij->j', 'ij,j->ij']
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from ...explain import explain
from ..arrays import make_arrays, rng_of, values
from ..claims import check_derivation, derived_claims, run_claim
from ..oracle import OracleMismatch, oracle_grads
from ..shapes import MATMUL_SIGNATURE, hypothesis_shapes
from . import case_id, case_seed

NAME = "gradients"
KEYS = ("result_shape", "einsum", "einops", "adjoints")
DRAWS = 330


def _case(n: int, seed: int, op: str, shapes) -> dict:
    shapes = [list(s) for s in shapes]
    case = {"id": case_id(NAME, n), "kind": NAME, "op": op, "shapes": shapes,
            "dtypes": ["float64"] * len(shapes), "seed": case_seed(seed, NAME, n)}
    case.update(derived_claims(op, shapes, adjoints=True))
    return case


def generate(seed: int) -> list[dict]:
    """``*`` with 2 and 3 operands, and ``@``, shapes from hypothesis."""
    specs = [("*", s) for s in hypothesis_shapes(seed + 20, DRAWS, num_shapes=2, max_dims=4)]
    specs += [("*", s) for s in hypothesis_shapes(seed + 21, DRAWS, num_shapes=3, max_dims=4)]
    specs += [("@", s) for s in hypothesis_shapes(seed + 22, DRAWS, max_dims=3, min_side=0,
                                                   signature=MATMUL_SIGNATURE)]
    return [_case(n, seed, op, shapes) for n, (op, shapes) in enumerate(specs)]


def to_einops(equation: str) -> str:
    """``'ij,j->ij'`` as an einops pattern ``'i j, j -> i j'``.

    >>> to_einops("ij,j->ij"), to_einops(",i->")
    ('i j, j -> i j', ', i -> ')
    """
    lhs, out = equation.split("->")
    return ", ".join(" ".join(t) for t in lhs.split(",")) + " -> " + " ".join(out)


def _adjoint(engine, eq: str, grad, others, shape):
    return engine(eq, grad, *others).reshape(shape)


def check(case: dict, backends) -> list[str]:
    """The claims, then every gradient against the oracle's."""
    msgs = check_derivation(case, KEYS) if backends.derive else []
    op, claim = case["op"], tuple(case["result_shape"])
    rng = rng_of(case)
    arrays = make_arrays(case, rng)
    grad = values(rng, claim, case["dtypes"][0])
    try:
        expected = oracle_grads(op, arrays, grad, claim)
        e = explain(*arrays, op=op)
    except (OracleMismatch, ValueError) as err:
        return msgs + [f"index oracle: {err}"]
    dtype = arrays[0].dtype
    ops = e.einsum_operands(*arrays)
    if backends.use("torch"):
        msgs += _check_autograd(case, arrays, grad, expected, backends)
    for k, (eq, x) in enumerate(zip(case["adjoints"], arrays)):
        others = [y for j, y in enumerate(ops) if j != k]
        want = expected[k]
        if backends.use("numpy"):
            msgs += run_claim(f"grad {k}: np.einsum({eq!r})",
                              lambda: _adjoint(np.einsum, eq, grad, others, x.shape), want, backends, dtype)
        if backends.use("einops"):
            import einops
            msgs += run_claim(f"grad {k}: einops.einsum({to_einops(eq)!r})",
                              lambda: einops.einsum(grad, *others, to_einops(eq)).reshape(x.shape),
                              want, backends, dtype)
        if backends.use("bc"):
            from ...explicit import einsum, unbroadcast
            msgs += run_claim(f"grad {k}: bc.einsum({eq!r})",
                              lambda: _adjoint(einsum, eq, grad, others, x.shape), want, backends, dtype)
            if op == "*":
                local = reduce(np.multiply, [y for j, y in enumerate(arrays) if j != k], grad)
                msgs += run_claim(f"grad {k}: bc.unbroadcast", lambda: unbroadcast(local, x.shape),
                                  want, backends, dtype)
    return msgs


def _check_autograd(case, arrays, grad, expected, backends) -> list[str]:
    torch = backends.torch
    tensors = [backends.tensor(x, requires_grad=True) for x in arrays]
    out = tensors[0] @ tensors[1] if case["op"] == "@" else reduce(lambda a, b: a * b, tensors)
    out.backward(backends.tensor(grad))
    # torch.einsum on the detached einsum operands: the adjoint claims, evaluated by torch
    msgs = []
    tops = [y.detach() for y in explain(*arrays, op=case["op"]).einsum_operands(*tensors)]
    tgrad = backends.tensor(grad)
    for k, (t, want) in enumerate(zip(tensors, expected)):
        got = t.grad if t.grad is not None else torch.zeros_like(t)
        msgs += backends.differ(f"grad {k}: torch autograd", got, want)
        others = [y for j, y in enumerate(tops) if j != k]
        eq = case["adjoints"][k]
        msgs += run_claim(f"grad {k}: torch.einsum({eq!r})",
                          lambda: torch.einsum(eq, tgrad, *others).reshape(t.shape),
                          want, backends, want.dtype)
    return msgs
