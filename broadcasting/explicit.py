"""The explicit runtime: an einsum that refuses implicit size-1 broadcasting, a multiply
computed through the plan, and the backward of broadcasting.

The einsum accepts ``'...'`` (at most once per term, numpy's meaning) only where it cannot
broadcast: every operand that carries it must have exactly the same ellipsis shape.

All three give the dtype that ``*`` gives for the same operands.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

from .backends import backend_for, backend_of
from .shapes import BroadcastError, _broadcast, _combine, as_shape, format_shape

__all__ = ["einsum", "multiply", "unbroadcast", "EinsumPlan", "parse_equation",
           "keep_product_dtype", "refuse_matrix_class"]


@dataclass(frozen=True)
class EinsumPlan:
    """A parsed, shape-checked einsum and how to execute it.

    ``elementwise`` plans (no label summed or repeated) run as the native ``*`` on views
    whose axes are permuted into the output's order and padded with size-1 axes for labels
    they lack; the others call the backend's einsum.
    """

    equation: str
    inputs: tuple[str, ...]
    output: str
    sizes: tuple[tuple[str, int], ...]
    elementwise: bool
    views: tuple[tuple[tuple[int, ...], tuple[int, ...]] | None, ...]  # (permutation, shape)
    direct: bool  # elementwise, every operand already lined up: the native * is the einsum
    letters: str = ""  # the equation with '...' replaced by letters (what the backend runs)

    def __repr__(self) -> str:
        kind = "elementwise" if self.elementwise else "contraction"
        return f"EinsumPlan({self.equation!r}, {kind})"


def _terms(equation: str) -> tuple[tuple[str, ...], str]:
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
    else:
        lhs = eq
        counts = {c: lhs.count(c) for c in lhs if c.isalpha()}
        out = ("..." if "..." in lhs else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    inputs = tuple(lhs.split(","))
    for term in inputs + (out,):
        if term.count("...") > 1 or "." in term.replace("...", "", 1):
            raise BroadcastError(f"einsum {equation!r}: term {term!r} has a '.' that is not one "
                                 f"'...': a term carries '...' at most once, e.g. '...ij,...j->...i'")
    if any("..." in t for t in inputs) and "..." not in out:
        raise BroadcastError(f"einsum {equation!r}: the inputs carry '...' but the output "
                             f"{out!r} does not; write it in the output too, e.g. '...,...->...'")
    bad = [c for c in "".join(inputs).replace("...", "") + out.replace("...", "")
           if not c.isalpha()]
    if bad or "->" in out:
        raise BroadcastError(f"einsum {equation!r} has {bad[0] if bad else '->'!r}: labels are "
                             f"letters, operands are separated by ',' and the output follows '->'")
    return inputs, out


def parse_equation(equation: str, shapes) -> EinsumPlan:
    """Check an einsum against operand shapes and plan its execution (cached).

    >>> parse_equation("j,ij->ij", ((3,), (2, 3)))
    EinsumPlan('j,ij->ij', elementwise)
    >>> parse_equation("j,ij->ij", ((1,), (2, 3)))
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: einsum 'j,ij->ij': label 'j' has size 1 in operand 0 (shape (1,)) but 3 in operand 1 (shape (2, 3)); einsum would stretch the size-1 axis implicitly: index it away (a[0]) or give both the same size
    """
    return _parse(equation, tuple(shapes))


def _check_sizes(equation, inputs, output, shapes) -> dict[str, int]:
    if len(inputs) != len(shapes):
        raise BroadcastError(f"einsum {equation!r} names {len(inputs)} operands but "
                             f"{len(shapes)} were given")
    sizes: dict[str, int] = {}
    owner: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        if len(term) != len(shape):
            raise BroadcastError(f"einsum {equation!r}: operand {k} has shape {format_shape(shape)} "
                                 f"({len(shape)} axes) but its term {term!r} names {len(term)}")
        for label, size in zip(term, shape):
            if label not in sizes:
                sizes[label], owner[label] = size, k
            elif sizes[label] != size:
                j = owner[label]
                one = " einsum would stretch the size-1 axis implicitly: index it away (a[0]) or" \
                      " give both the same size" if 1 in (size, sizes[label]) else \
                    " a label must have one size in every operand"
                raise BroadcastError(
                    f"einsum {equation!r}: label {label!r} has size {sizes[label]} in operand {j} "
                    f"(shape {format_shape(shapes[j])}) but {size} in operand {k} (shape "
                    f"{format_shape(shape)});{one}")
    for label in output:
        if label not in sizes:
            raise BroadcastError(f"einsum {equation!r}: output label {label!r} is in no operand")
    if len(set(output)) != len(output):
        raise BroadcastError(f"einsum {equation!r}: output {output!r} repeats a label")
    return sizes


def _expand(equation, inputs, output, shapes) -> tuple[tuple[str, ...], str]:
    """Replace '...' by fresh letters, after checking that every operand carrying it has the
    same ellipsis shape (so '...' names axes and never broadcasts)."""
    if "..." not in output:
        return inputs, output
    if len(inputs) != len(shapes):
        raise BroadcastError(f"einsum {equation!r} names {len(inputs)} operands but "
                             f"{len(shapes)} were given")
    ellipsis, owner = None, None
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        if "..." not in term:
            continue
        named = len(term) - 3
        if named > len(shape):
            raise BroadcastError(f"einsum {equation!r}: operand {k} has shape {format_shape(shape)} "
                                 f"({len(shape)} axes) but its term {term!r} names {named} besides '...'")
        here = tuple(shape[term.index("..."):term.index("...") + len(shape) - named])
        if ellipsis is None:
            ellipsis, owner = here, k
        elif here != ellipsis:
            raise BroadcastError(
                f"einsum {equation!r}: '...' is {format_shape(ellipsis)} in operand {owner} but "
                f"{format_shape(here)} in operand {k}; '...' would broadcast them implicitly: "
                f"name the axes with letters (size-1 axes indexed away) or give both the same shape")
    if ellipsis is None:
        raise BroadcastError(f"einsum {equation!r}: the output carries '...' but no operand does")
    used = set("".join(inputs) + output)
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    if len(fresh) < len(ellipsis):
        raise BroadcastError(f"einsum {equation!r}: '...' stands for {len(ellipsis)} axes but "
                             f"only {len(fresh)} letters are free; name fewer axes")
    dots = "".join(fresh[:len(ellipsis)])
    return tuple(t.replace("...", dots) for t in inputs), output.replace("...", dots)


@lru_cache(maxsize=4096)
def _parse(equation: str, shapes: tuple) -> EinsumPlan:
    shapes = tuple(as_shape(s, k) for k, s in enumerate(shapes))
    inputs, output = _expand(equation, *_terms(equation), shapes)
    sizes = _check_sizes(equation, inputs, output, shapes)
    elementwise = all(set(t) <= set(output) and len(set(t)) == len(t) for t in inputs)
    views = tuple(_view(term, output, sizes) for term in inputs) if elementwise else ()
    direct = elementwise and all(v is None for v in views)
    expanded = f"{','.join(inputs)}->{output}"
    return EinsumPlan(equation, inputs, output, tuple(sizes.items()), elementwise, views, direct,
                      expanded)


def _view(term: str, output: str, sizes: dict[str, int]):
    """Permutation and shape that line an operand's axes up with the output's (or None)."""
    order = tuple(sorted(range(len(term)), key=lambda d: output.index(term[d])))
    first = min((output.index(c) for c in term), default=len(output))
    shape = tuple(sizes[c] if c in term else 1 for c in output[first:])
    if order == tuple(range(len(term))) and shape == tuple(sizes[c] for c in term):
        return None  # already lined up: leading missing axes are new axes of the result
    return order, shape


def _shape(x) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    return () if shape is None else shape


def einsum(equation: str, *operands):
    """Einsum over numpy arrays or torch tensors that never broadcasts a size-1 axis.

    Every label must have one size in every operand that carries it, and the result has the
    dtype ``*`` would give (Python numbers stay weak, 0-d tensors don't promote).

    >>> import numpy as np
    >>> a, B = np.array([0.5, 1, 2], dtype=np.float32), np.ones((2, 3), dtype=np.float32)
    >>> einsum("j,ij->ij", a, B)
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]], dtype=float32)
    >>> einsum(",j->j", 2.0, a).dtype
    dtype('float32')

    ``'...'`` names the same axes in every operand that carries it, never broadcast ones:

    >>> einsum("...,...->...", a, a)
    array([0.25, 1.  , 4.  ], dtype=float32)
    >>> einsum("...j,...j->...", B, B)
    array([3., 3.], dtype=float32)
    >>> einsum("...j,...j->...j", B, B[:1])
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: einsum '...j,...j->...j': '...' is (2,) in operand 0 but (1,) in operand 1; '...' would broadcast them implicitly: name the axes with letters (size-1 axes indexed away) or give both the same shape
    """
    plan = _parse(equation, _shapes(operands))
    refuse_matrix_class(operands)
    if plan.elementwise and operands:
        if plan.direct:  # already lined up: the native product is the einsum
            result = operands[0]
            try:
                for x in operands[1:]:
                    result = result * x
            except TypeError:
                backend_for(operands)  # says which operands do not mix
                raise
        else:
            backend = backend_for(operands)
            result = _line_up(backend, operands[0], plan.views[0])
            for x, view in zip(operands[1:], plan.views[1:]):
                result = result * _line_up(backend, x, view)
        if hasattr(result, "shape"):
            return result
    backend = backend_for(operands)
    return backend.einsum(plan.letters or plan.equation, operands, backend.result_dtype(operands))


def _shapes(operands) -> tuple:
    try:
        return tuple([x.shape for x in operands])
    except AttributeError:  # Python numbers
        return tuple([_shape(x) for x in operands])


def _line_up(backend, x, view):
    if view is None:
        return x
    order, shape = view
    return backend.reshape(backend.permute(x, order), shape)


def refuse_matrix_class(operands, op: str = "*") -> None:
    """Refuse ``numpy.matrix`` operands (and subclasses) for ``*`` and ``**``: for them these are
    the matrix product and power, not elementwise broadcasting.

    >>> import numpy as np
    >>> refuse_matrix_class([np.matrix([[1, 2]]), np.ones(2)])
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: operand 0 is a numpy.matrix of shape (1, 2): its * is the matrix product, not elementwise broadcasting; pass np.asarray(operand) for the elementwise product, or explain it with op="@"
    """
    if op not in ("*", "**"):
        return
    k = _matrix_position(tuple(map(type, operands)))
    if k is not None:
        what = "matrix product" if op == "*" else "matrix power"
        raise BroadcastError(
            f"operand {k} is a numpy.matrix of shape {format_shape(operands[k].shape)}: its {op} "
            f"is the {what}, not elementwise broadcasting; pass np.asarray(operand) for the "
            f"elementwise product, or explain it with op=\"@\"")


@lru_cache(maxsize=1024)
def _matrix_position(types: tuple[type, ...]) -> int | None:
    """The first position whose type is numpy.matrix or a subclass (cached per types: the
    check runs on every multiply and einsum)."""
    np = sys.modules.get("numpy")
    if np is None:  # no numpy imported: no operand can be a numpy.matrix
        return None
    return next((k for k, t in enumerate(types) if issubclass(t, np.matrix)), None)


@lru_cache(maxsize=4096)
def _checked_shapes(shapes):
    return _broadcast(tuple(as_shape(s, k) for k, s in enumerate(shapes)))


def multiply(*operands):
    """``a * b * …`` (values and dtype), computed through the plan: shapes are checked by the
    broadcasting rules first, so an impossible product fails with a precise message.

    >>> import numpy as np
    >>> multiply(np.array([0.5, 1.0, 2.0]), np.ones((2, 3)))
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    """
    if not operands:
        raise BroadcastError("multiply needs at least one operand")
    refuse_matrix_class(operands)
    _checked_shapes(_shapes(operands))
    result = operands[0]
    for x in operands[1:]:
        result = result * x
    return result


def keep_product_dtype(originals, operands) -> tuple:
    """``operands`` (the ``originals`` with stretched axes indexed away) cast to the dtype
    ``originals[0] * originals[1] * …`` has, where indexing changed it.

    torch's 0-d tensors take no part in type promotion: ``int64[1] * uint8[2]`` is int64, but
    ``int64[] * uint8[2]`` is uint8. An operand indexed down to 0-d would change the product's
    dtype (and values: uint8 wraps), so every array is brought to the product's dtype, as ``*``
    itself does before multiplying. numpy's 0-d arrays promote like any array: nothing changes.

    >>> import torch
    >>> a, b = torch.tensor([-2]), torch.tensor([3, 3], dtype=torch.uint8)
    >>> [x.dtype for x in keep_product_dtype((a, b), (a[0], b))]
    [torch.int64, torch.int64]
    """
    operands = tuple(operands)
    shrunk = [k for k, (x, y) in enumerate(zip(originals, operands))
              if len(_shape(y)) == 0 < len(_shape(x))]
    if not shrunk:
        return operands
    backend = backend_for(originals)
    want = backend.result_dtype(list(originals))
    if backend.result_dtype(list(operands)) == want:
        return operands
    return tuple(backend.cast(y, want) if backend_of(y) is backend else y for y in operands)


def unbroadcast(grad, shape):
    """The backward of broadcasting: sum ``grad`` over the axes a ``shape`` was copied along.

    >>> import numpy as np
    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> unbroadcast(np.ones((2, 3)), (2, 1))
    array([[3.],
           [3.]])
    """
    shape = as_shape(shape)
    gshape = tuple(_shape(grad))
    if len(shape) > len(gshape) or _combine((shape, gshape)) != gshape:
        raise BroadcastError(f"cannot unbroadcast a gradient of shape {format_shape(gshape)} to "
                             f"{format_shape(shape)}: {format_shape(shape)} does not broadcast to "
                             f"{format_shape(gshape)}; give the shape of the operand that was broadcast")
    backend = backend_for([grad])
    lead = len(gshape) - len(shape)
    out = backend.sum(grad, tuple(range(lead)), keepdims=False)
    stretched = tuple(d for d, s in enumerate(shape) if s == 1 and gshape[lead + d] != 1)
    return backend.sum(out, stretched, keepdims=True)
