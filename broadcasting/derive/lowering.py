"""The ``native`` style: an einsum written as the library's own operations (``sum``, ``@``,
``*`` on explicitly broadcast operands), which run several times faster than ``einsum`` on small
arrays. Only exact equivalents are written: a sum over named axes, a permutation, a product of
operands lined up with an explicit ``broadcast_to``, or a (batched) matrix product of operands
whose batch axes are the same; anything else stays an einsum.

>>> native("bi,bj->ij", ["x", "dh"], [(8, 2), (8, 3)], "torch")
'x.T @ dh'
>>> native("bi->i", ["g"], [(8, 3)], "numpy")
'g.sum(axis=0)'
>>> native("j,ij->ij", ["b", "g"], [(3,), (2, 3)], "numpy")
'np.broadcast_to(b, (2, 3)) * g'
>>> native("ij,ij,i->i", ["a", "b", "c"], [(2, 3), (2, 3), (2,)], "numpy") is None
True
"""
from __future__ import annotations

import ast
import math

__all__ = ["native", "wrap"]


def wrap(expr: str) -> str:
    """``expr`` in parentheses unless it is a name, attribute, call or subscript."""
    simple = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)
    return expr if isinstance(ast.parse(expr, mode="eval").body, simple) else f"({expr})"


def _permute(expr: str, perm: tuple[int, ...], lib: str) -> str:
    if perm == tuple(range(len(perm))):
        return expr
    if len(perm) == 2:
        return f"{wrap(expr)}.T"
    if lib == "numpy":
        return f"np.transpose({expr}, {perm!r})"
    return f"{wrap(expr)}.permute{perm!r}"


def _reduce(expr: str, term: str, out: str, lib: str) -> tuple[str, str]:
    """Sum ``expr`` over the labels of ``term`` not in ``out``: (expression, remaining term)."""
    axes = tuple(d for d, c in enumerate(term) if c not in out)
    if not axes:
        return expr, term
    key = "axis" if lib == "numpy" else "dim"
    return (f"{wrap(expr)}.sum({key}={axes[0] if len(axes) == 1 else axes!r})",
            "".join(c for c in term if c in out))


def _line_up(expr: str, term: str, out: str, sizes: dict, lib: str) -> str:
    """``expr`` (axes ``term``) as an array of the output's shape: permuted, given size-1 axes
    for the labels it lacks after its first one, then explicitly broadcast."""
    if term == out or not term:
        return expr
    order = tuple(sorted(range(len(term)), key=lambda d: out.index(term[d])))
    lined = _permute(expr, order, lib)
    first = min(out.index(c) for c in term)
    padded = tuple(sizes[c] if c in term else 1 for c in out[first:])
    if len(padded) != len(term):
        lined = f"{wrap(lined)}.reshape({padded!r})"
    xp = "np" if lib == "numpy" else "torch"
    return f"{xp}.broadcast_to({lined}, {tuple(sizes[c] for c in out)!r})"


def _matmul_operand(expr, term, sizes, batch, middle, last, lib):
    """``expr`` arranged as (batch…, middle, last), several ``middle`` or ``last`` labels
    merged into one axis by a reshape (only without batch axes; else None)."""
    arranged = _permute(expr, tuple(term.index(c) for c in batch + middle + last), lib)
    merged = tuple(sizes[c] for c in batch) + tuple(
        math.prod(sizes[c] for c in part) for part in (middle, last) if part)
    if len(merged) == len(term):
        return arranged
    return None if batch else f"{wrap(arranged)}.reshape({merged!r})"


def _contract(exprs, terms, sizes, out, lib):
    (a, b), (ta, tb) = exprs, terms
    batch = "".join(c for c in out if c in ta and c in tb)
    left = "".join(c for c in out if c in ta and c not in tb)
    right = "".join(c for c in out if c in tb and c not in ta)
    summed = "".join(c for c in ta if c in tb and c not in out)
    if out != batch + left + right or (batch and (len(left) != 1 or len(right) != 1)):
        return None
    ea = _matmul_operand(a, ta, sizes, batch, left, summed, lib)
    eb = _matmul_operand(b, tb, sizes, batch, summed, right, lib)
    if ea is None or eb is None:
        return None
    product = f"{wrap(ea)} @ {wrap(eb)}"
    if len(left) > 1 or len(right) > 1:
        return f"({product}).reshape({tuple(sizes[c] for c in out)!r})"
    return product


def native(equation: str, exprs, shapes, lib: str) -> str | None:
    """The einsum ``equation`` over ``exprs`` (with ``shapes``) as native operations, or None."""
    lhs, out = equation.split("->")
    terms = lhs.split(",")
    if any(len(set(t)) != len(t) for t in terms) or len(terms) > 2:
        return None
    if len(terms) == 1:
        expr, rest = _reduce(exprs[0], terms[0], out, lib)
        return _permute(expr, tuple(rest.index(c) for c in out), lib)
    sizes = {c: s for t, shape in zip(terms, shapes) for c, s in zip(t, shape)}
    own = [c for k, t in enumerate(terms) for c in t if c not in out and c not in terms[1 - k]]
    if own:
        return None
    if terms[0] == terms[1]:  # same axes: the product, summed over the labels not kept
        expr, rest = _reduce(f"{wrap(exprs[0])} * {wrap(exprs[1])}", terms[0], out, lib)
        return _permute(expr, tuple(rest.index(c) for c in out), lib)
    if all(c in out for t in terms for c in t):  # no contraction: an explicit product
        lined = [_line_up(e, t, out, sizes, lib) for e, t in zip(exprs, terms)]
        return " * ".join(wrap(x) for x in lined)
    return _contract(exprs, terms, sizes, out, lib)
