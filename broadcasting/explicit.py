"""The explicit runtime: an einsum that refuses implicit size-1 broadcasting, a multiply
computed through the plan, and the backward of broadcasting.

The einsum's equation is parsed and checked by ``equation`` (no array library there).

All three give the dtype that ``*`` gives for the same operands.
"""
from __future__ import annotations

import sys
from functools import lru_cache

from .backends import backend_for, backend_of
from .equation import EinsumPlan, parse_equation
from .shapes import BroadcastError, broadcast_tuples, combine_shapes, as_shape, format_shape

__all__ = ["einsum", "multiply", "unbroadcast", "EinsumPlan", "parse_equation",
           "keep_product_dtype", "refuse_matrix_class"]


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
    plan = parse_equation(equation, _shapes(operands))
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
    return broadcast_tuples(tuple(as_shape(s, k) for k, s in enumerate(shapes)))


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
    if len(shape) > len(gshape) or combine_shapes((shape, gshape)) != gshape:
        raise BroadcastError(f"cannot unbroadcast a gradient of shape {format_shape(gshape)} to "
                             f"{format_shape(shape)}: {format_shape(shape)} does not broadcast to "
                             f"{format_shape(gshape)}; give the shape of the operand that was broadcast")
    backend = backend_for([grad])
    lead = len(gshape) - len(shape)
    out = backend.sum(grad, tuple(range(lead)), keepdims=False)
    stretched = tuple(d for d, s in enumerate(shape) if s == 1 and gshape[lead + d] != 1)
    return backend.sum(out, stretched, keepdims=True)
