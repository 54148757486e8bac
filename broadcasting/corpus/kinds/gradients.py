"""Gradients of broadcast products: each operand's gradient (the adjoint einsum, and
``bc.unbroadcast`` for ``*``) against torch autograd and a scatter-add index oracle.

Claims: ``result_shape``, ``einsum``, ``einops``, ``adjoints`` (one einsum per operand, inputs:
the result's gradient, then the other operands' ``einsum_operands``). The result's gradient is
drawn from the case's generator after the operands.

>>> _case(0, 0, "*", ((3,), (2, 3)))["adjoints"]
['ij,ij->j', 'ij,j->ij']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from ...explain import explain
from ..arrays import make_arrays, rng_of, values
from ..claims import Claim, check_derivation, derived_claims, run_claims
from ..oracle import OracleMismatch, oracle_grads
from ..shapes import MATMUL_SIGNATURE, hypothesis_shapes
from . import case_id, case_seed

NAME = "gradients"
#: cases per batch of a parallel run (a case costs ~1 ms)
BATCH = 60
KEYS = ("result_shape", "index", "einsum", "einops", "adjoints")
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


def expected(case: dict, n: int, seed: int) -> dict:
    """The case the generator writes at position ``n`` for this case's ``op`` and ``shapes``."""
    return _case(n, seed, case["op"], case["shapes"])


def to_einops(equation: str) -> str:
    """``'ij,j->ij'`` as an einops pattern ``'i j, j -> i j'``.

    >>> to_einops("ij,j->ij"), to_einops(",i->")
    ('i j, j -> i j', ', i -> ')
    """
    lhs, out = equation.split("->")
    return ", ".join(" ".join(t) for t in lhs.split(",")) + " -> " + " ".join(out)


@dataclass
class _Grad:
    """One case being checked: its operands, the result's gradient, the oracle's gradients."""

    case: dict
    msgs: list
    arrays: list
    grad: np.ndarray
    expected: list
    ops: tuple
    memo: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"_Grad({self.case['id']})"


def _prepare(case: dict, msgs: list, oracle: bool = True) -> _Grad | None:
    """The case's arrays, gradient and expected gradients: the scatter-add oracle's, or (with
    ``oracle=False``, the torch side of a parallel run) ``np.einsum`` over the adjoints the
    library derives today, which the numpy side holds to the oracle."""
    claim = tuple(case["result_shape"])
    rng = rng_of(case)
    arrays = make_arrays(case, rng)
    grad = values(rng, claim, case["dtypes"][0])
    try:
        expected = oracle_grads(case["op"], arrays, grad, claim) if oracle else None
        e = explain(*(x.shape for x in arrays), op=case["op"])
    except (OracleMismatch, ValueError) as err:
        msgs.append(f"index oracle: {err}")
        return None
    ops = e.einsum_operands(*arrays)
    if expected is None:
        expected = [_np_adjoint(eq, grad, ops, k, x.shape) for k, (eq, x) in
                    enumerate(zip(e.adjoints, arrays))]
    return _Grad(case, msgs, arrays, grad, expected, ops)


def _np_adjoint(eq: str, grad, ops, k: int, shape):
    """Operand ``k``'s gradient by ``np.einsum`` over the result's gradient and the other
    operands' einsum operands, in the operand's shape."""
    return np.einsum(eq, grad, *(y for j, y in enumerate(ops) if j != k)).reshape(shape)


def _autograd(g: _Grad, backends) -> list:
    """torch autograd's gradient of each operand (computed once per case): the backward of
    ``(out * grad).sum()``, whose gradient with respect to ``out`` is ``grad`` exactly (``1.0 *
    grad``), so every operand's gradient is bit for bit that of ``out.backward(grad)``; unlike
    that call, it does not make torch import sympy (half a second per worker process)."""
    if "autograd" not in g.memo:
        tensors = [backends.tensor(x, requires_grad=True) for x in g.arrays]
        out = tensors[0] @ tensors[1] if g.case["op"] == "@" else reduce(lambda a, b: a * b, tensors)
        (out * backends.tensor(g.grad)).sum().backward()
        g.memo["autograd"] = [t.grad if t.grad is not None else backends.torch.zeros_like(t)
                              for t in tensors]
    return g.memo["autograd"]


def _torch_ops(g: _Grad, backends) -> tuple:
    """The result's gradient and the einsum operands as tensors (once per case)."""
    if "torch" not in g.memo:
        g.memo["torch"] = (backends.tensor(g.grad), [backends.tensor(y) for y in g.ops])
    return g.memo["torch"]


def _claims(g: _Grad, backends) -> list[Claim]:
    out = []
    op, dtype = g.case["op"], g.arrays[0].dtype
    for k, (eq, x) in enumerate(zip(g.case["adjoints"], g.arrays)):
        others = [y for j, y in enumerate(g.ops) if j != k]
        want = g.expected[k]

        def claim(engine, what, compute):
            out.append(Claim(g.msgs, engine, f"grad {k}: {what}", compute, want, dtype))

        if backends.use("numpy"):
            claim("np.einsum", f"np.einsum({eq!r})",
                  lambda k=k, eq=eq, x=x: _np_adjoint(eq, g.grad, g.ops, k, x.shape))
        if backends.use("torch"):
            claim("autograd", "torch autograd", lambda k=k: _autograd(g, backends)[k])
            claim("torch.einsum", f"torch.einsum({eq!r})", lambda k=k, eq=eq, x=x: _torch_adjoint(
                g, backends, k, eq).reshape(x.shape))
        if backends.use("einops"):
            import einops
            claim("einops", f"einops.einsum({to_einops(eq)!r})",
                  lambda eq=eq, others=others, x=x:
                  einops.einsum(g.grad, *others, to_einops(eq)).reshape(x.shape))
        if backends.use("bc"):
            from ...explicit import einsum, unbroadcast
            claim("bc.einsum", f"bc.einsum({eq!r})",
                  lambda eq=eq, others=others, x=x: einsum(eq, g.grad, *others).reshape(x.shape))
            if op == "*":
                claim("bc.unbroadcast", "bc.unbroadcast", lambda k=k, x=x: unbroadcast(
                    reduce(np.multiply, [y for j, y in enumerate(g.arrays) if j != k], g.grad), x.shape))
    return out


def _torch_adjoint(g: _Grad, backends, k: int, eq: str):
    tgrad, tops = _torch_ops(g, backends)
    return backends.torch.einsum(eq, tgrad, *[y for j, y in enumerate(tops) if j != k])


def check_many(cases: list[dict], backends) -> list[list[str]]:
    """The claims of a batch, then every gradient against the oracle's, engine by engine."""
    msgs = [check_derivation(c, KEYS) if backends.derive else [] for c in cases]
    claims = []
    for case, m in zip(cases, msgs):
        g = _prepare(case, m, oracle=not backends.torch_side)
        if g is not None:
            claims += _claims(g, backends)
    run_claims(claims, backends)
    return msgs


def check(case: dict, backends) -> list[str]:
    """The claims, then every gradient against the oracle's (torch autograd, the adjoint einsum
    through np.einsum, torch.einsum, einops and bc.einsum, and bc.unbroadcast for ``*``)."""
    return check_many([case], backends)[0]
