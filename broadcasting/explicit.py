"""The explicit runtime: an einsum that refuses implicit size-1 broadcasting, a multiply
computed through the plan, and the backward of broadcasting.

The einsum's equation is parsed and checked by ``equation`` (no array library there).

All three give the dtype that ``*`` gives for the same operands.
"""
from __future__ import annotations

import inspect
import sys
from functools import lru_cache
from operator import attrgetter

from .backends import backend_for, backend_of, is_array
from .equation import EinsumPlan, parse_equation
from .shapes import BroadcastError, broadcast_tuples, combine_shapes, as_shape, format_shape

__all__ = ["einsum", "multiply", "unbroadcast", "EinsumPlan", "parse_equation",
           "keep_product_dtype", "refuse_matrix_class", "clear_caches"]


#: an operand not given: ``multiply`` and ``einsum`` name their first two operands (a call
#: then builds no tuple of them: ~0.2 µs of a tiny product's ~1.8 µs) and show ``*operands``
_ABSENT = object()
_VARIADIC = inspect.Signature([inspect.Parameter("operands", inspect.Parameter.VAR_POSITIONAL)])


def _shape(x) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    return () if shape is None else shape


def einsum(equation: str, a=_ABSENT, b=_ABSENT, /, *more):
    """Einsum over numpy arrays or torch tensors that never broadcasts a size-1 axis.

    Every label must have one size in every operand that carries it, and the result has the
    dtype ``*`` would give (Python numbers stay weak, 0-d tensors don't promote). Where the
    operands are already lined up (``j,ij->ij``) the result is their native product ``*``.
    A repeat call with the same equation and shapes is not checked again (cached).

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
    if not more:  # two operands, the common case: one lookup (types and shapes checked before)
        try:
            plan = _PAIR_PLANS[equation, type(a), type(b), a.shape, b.shape]
        except (AttributeError, KeyError, TypeError):  # numbers, a new key, fewer operands
            return _einsum(equation, _given(a, b, more))
        if plan.direct:  # already lined up: the native product is the einsum
            try:
                return a * b
            except TypeError:
                backend_for((a, b))  # says which operands do not mix
                raise
        return _planned(plan, (equation, a.shape, b.shape), (a, b))
    return _einsum(equation, _given(a, b, more))


einsum.__signature__ = inspect.Signature(
    [inspect.Parameter("equation", inspect.Parameter.POSITIONAL_ONLY, annotation=str),
     *_VARIADIC.parameters.values()])


def _einsum(equation: str, operands):
    """:func:`einsum` for any number of operands."""
    _refuse_matrix_types(operands)
    try:  # a repeat call: the equation was checked against these shapes before
        key = (equation, *map(_SHAPE, operands))
        plan = _PLANS[key]
    except (AttributeError, KeyError, TypeError):  # Python numbers, a new key, odd shapes
        key, plan = _checked_plan(equation, operands)
    if key is not None and len(operands) == 2:  # checked types and shapes: einsum's fast path
        _remember(_PAIR_PLANS, (equation, type(operands[0]), type(operands[1])) + key[1:], plan)
    if plan.direct and operands:
        result = operands[0]
        try:
            for x in operands[1:]:
                result = result * x
        except TypeError:
            backend_for(operands)
            raise
        if key is not None or hasattr(result, "shape"):  # Python numbers alone: an array below
            return result
    return _planned(plan, key, operands)


def _planned(plan: EinsumPlan, key: tuple | None, operands):
    """Run a checked plan: lined-up views and ``*`` where it is elementwise, else the backend's
    einsum in the dtype ``*`` gives."""
    if plan.elementwise and operands and not plan.direct:
        backend = _backend(operands)
        result = _line_up(backend, operands[0], plan.views[0])
        for x, view in zip(operands[1:], plan.views[1:]):
            result = result * _line_up(backend, x, view)
        if hasattr(result, "shape"):
            return result
    backend = _backend(operands)
    return backend.einsum(plan.letters or plan.equation, operands, _dtype(backend, key, operands))


#: the caches of the fast paths: a hit skips only what was checked for the same key before
_SHAPE = attrgetter("shape")
_LIMIT = 4096  # entries per cache; a full cache starts again empty
_PLANS: dict = {}  # (equation, *shapes) -> EinsumPlan, checked
_PRODUCTS: dict = {}  # shapes of a product -> its broadcast shape, checked
_BACKENDS: dict = {}  # operand types -> backend (backend_for depends on the types alone)
_DTYPES: dict = {}  # (equation, *shapes, *types, *dtypes) of arrays -> the product's dtype
_ELEMENTWISE_TYPES: set = set()  # operand types seen not to be numpy.matrix (whose * is @)
#: two operands, einsum's one lookup: (equation, types, shapes) of a checked einsum -> its plan
#: (types: no numpy.matrix)
_PAIR_PLANS: dict = {}


def _refuse_matrix_types(operands) -> None:
    """:func:`refuse_matrix_class` for types not seen before (a set lookup on a repeat call)."""
    types = set(map(type, operands))
    if not types <= _ELEMENTWISE_TYPES:
        refuse_matrix_class(operands)
        _remember_types(types)


def _remember_types(types) -> None:
    if len(_ELEMENTWISE_TYPES) >= _LIMIT:
        _ELEMENTWISE_TYPES.clear()
    _ELEMENTWISE_TYPES.update(types)


def clear_caches() -> None:
    """Forget every checked equation, shape, backend and dtype: the next calls check again
    (they give the same results; tests and benchmarks of a first call use this).

    >>> import numpy as np
    >>> clear_caches(); einsum("i,i->i", np.ones(2), np.ones(2))
    array([1., 1.])
    """
    for cache in (_PLANS, _PRODUCTS, _BACKENDS, _DTYPES, _ELEMENTWISE_TYPES, _PAIR_PLANS):
        cache.clear()


def _remember(cache: dict, key, value):
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _cache_key(head: tuple, operands) -> tuple | None:
    """``head + shapes`` where every operand has a hashable shape, else ``None``."""
    try:
        key = head + tuple(map(_SHAPE, operands))
        hash(key)
    except (AttributeError, TypeError):
        return None
    return key


def _checked_plan(equation, operands) -> tuple[tuple | None, EinsumPlan]:
    """Check ``equation`` against the operands' shapes (raises on a mistake), remember it."""
    plan = parse_equation(equation, _shapes(operands))
    key = _cache_key((equation,), operands)
    if key is not None:
        _remember(_PLANS, key, plan)
    return key, plan


def _backend(operands):
    types = tuple(map(type, operands))
    backend = _BACKENDS.get(types)
    if backend is None:  # an error (numpy with torch) is raised again on every call
        backend = _remember(_BACKENDS, types, backend_for(operands))
    return backend


def _dtype(backend, key, operands):
    """The dtype ``*`` gives, cached where only shapes, types and dtypes decide it (every
    operand an array: a Python number's value can matter, e.g. overflow in torch)."""
    if key is None or not all(map(is_array, operands)):
        return backend.result_dtype(operands)
    full = key + tuple(map(type, operands)) + tuple(x.dtype for x in operands)
    dtype = _DTYPES.get(full)
    if dtype is None:
        dtype = _remember(_DTYPES, full, backend.result_dtype(operands))
    return dtype


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


def multiply(a=_ABSENT, b=_ABSENT, /, *more):
    """``a * b * …`` (values and dtype), computed through the plan: shapes are checked by the
    broadcasting rules first, so an impossible product fails with a precise message.

    >>> import numpy as np
    >>> multiply(np.array([0.5, 1.0, 2.0]), np.ones((2, 3)))
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    """
    if not more and type(a) in _ELEMENTWISE_TYPES and type(b) in _ELEMENTWISE_TYPES:
        # two operands of types seen not to be numpy.matrix: ``*`` itself applies the rules, and
        # where it refuses (ValueError in numpy, RuntimeError in torch) the check below says why
        try:
            return a * b
        except (ValueError, RuntimeError):
            pass
    return _multiply(_given(a, b, more))


multiply.__signature__ = _VARIADIC  # documented as multiply(*operands)


def _given(a, b, more) -> tuple:
    """The operands of a call with the first two as named parameters."""
    return (a, b) + more if b is not _ABSENT else () if a is _ABSENT else (a,)


def _multiply(operands):
    if not operands:
        raise BroadcastError("multiply needs at least one operand")
    if len(operands) == 2:
        a, b = operands
        _refuse_matrix_types(operands)
        _check_product(operands)
        return a * b
    _refuse_matrix_types(operands)
    try:
        known = tuple(map(_SHAPE, operands)) in _PRODUCTS
    except (AttributeError, TypeError):
        known = False
    if not known:
        _check_product(operands)
    return _product(operands)


def _product(operands):
    result = operands[0]
    for x in operands[1:]:
        result = result * x
    return result


def _check_product(operands) -> None:
    """Check the operands' shapes by the broadcasting rules (raises on a mistake), remember them."""
    if not operands:
        raise BroadcastError("multiply needs at least one operand")
    shape = _checked_shapes(_shapes(operands))
    key = _cache_key((), operands)
    if key is not None:
        _remember(_PRODUCTS, key, shape)


def keep_product_dtype(originals, operands) -> tuple:
    """``operands`` (the ``originals`` with stretched axes indexed away) cast to the dtype
    ``originals[0] * originals[1] * …`` has, where indexing changed it.

    torch's 0-d tensors take no part in type promotion: ``int64[1] * uint8[2]`` is int64, but
    ``int64[] * uint8[2]`` is uint8. An operand indexed down to 0-d would change the product's
    dtype (and values: uint8 wraps), so every array is brought to the product's dtype, as ``*``
    itself does before multiplying. numpy's 0-d arrays promote like any array: nothing changes.
    A limit: in a torch chain of three or more where such an operand raises the running
    product's dtype within its kind (``float16[1,1] * float32[1] * float32[2]``), the product
    has the chain's dtype but an earlier step is computed in the lower one (values close, not
    bit for bit).

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
