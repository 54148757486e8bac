"""The broadcasting rules on plain int tuples. No array library is imported here.

Two rules, applied to shapes aligned on the right:

1. a missing leading axis is **new**: the operand is copied along it;
2. per axis, equal sizes **match**; a size 1 facing another size is **stretched**
   (copied); anything else is an error.

>>> broadcast_shapes((3,), (2, 3))
(2, 3)
>>> axis_roles([(3,), (2, 3)])
(('new', 'match'), ('match', 'match'))
"""
from __future__ import annotations

import numbers
import operator
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .labels import letter_name

__all__ = [
    "BroadcastError",
    "MATCH",
    "STRETCHED",
    "NEW",
    "as_shape",
    "broadcast_shapes",
    "axis_roles",
    "format_shape",
    "broadcast_named",
    "broadcasts",
]

MATCH = "match"
STRETCHED = "stretched"
NEW = "new"


class BroadcastError(ValueError):
    """Shapes that do not broadcast, or input that is not a shape.

    The message says what was given, which rule it breaks and, where one exists, a fix.

    >>> broadcast_shapes((2, 3), (2,))
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: cannot broadcast operand 0 of shape (2, 3) with operand 1 of shape (2,): axis -1 has 3 vs 2 (neither is 1); did you mean b[:, None] (shape (2, 1))?
    """


def format_shape(shape: Sequence[int]) -> str:
    """``(3,)``, ``(2, 3)``, ``()`` — the way numpy prints shapes.

    >>> format_shape((3,)), format_shape(())
    ('(3,)', '()')
    """
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _operand_name(index: int) -> str:
    return letter_name(index)


def _bad(index: int | None, given, why: str) -> BroadcastError:
    where = "" if index is None else f"operand {index}: "
    return BroadcastError(f"{where}{given!r} is not a shape: {why}; a shape is an int or a tuple of "
                          f"non-negative ints, e.g. (2, 3)")


def _as_size(value, index: int | None, given) -> int:
    if isinstance(value, (bool,)) or not isinstance(value, numbers.Integral):
        try:  # numpy integers and 0-d integer tensors support __index__
            if isinstance(value, bool) or isinstance(value, float):
                raise TypeError
            value = operator.index(value)
        except TypeError:
            raise _bad(index, given, f"size {value!r} is a {type(value).__name__}, not an int") from None
    value = int(value)
    if value < 0:
        raise _bad(index, given, f"size {value} is negative")
    return value


def as_shape(shape, index: int | None = None) -> tuple[int, ...]:
    """Validate one shape and return it as a tuple of ints; a bare int ``n`` means ``(n,)``.

    >>> as_shape(3), as_shape([2, 3]), as_shape(())
    ((3,), (2, 3), ())
    >>> as_shape((2, -1))
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: (2, -1) is not a shape: size -1 is negative; a shape is an int or a tuple of non-negative ints, e.g. (2, 3)
    """
    if type(shape) is tuple and all(type(s) is int and s >= 0 for s in shape):
        return shape
    if isinstance(shape, (str, bytes, bool, float, complex)) or shape is None:
        raise _bad(index, shape, f"a {type(shape).__name__} is not a shape")
    if isinstance(shape, numbers.Integral) or hasattr(shape, "__index__") and not hasattr(shape, "__len__"):
        return (_as_size(shape, index, shape),)
    try:
        items = list(shape)
    except TypeError:
        raise _bad(index, shape, f"a {type(shape).__name__} is not a sequence of sizes") from None
    return tuple(_as_size(s, index, shape) for s in items)


def _suggestion(shapes: Sequence[tuple[int, ...]], k: int, names=None) -> str:
    """A fix for operand ``k`` that does not fit: append axes (``b[:, None]``) or transpose;
    each one checked to broadcast before it is offered."""
    others = [s for i, s in enumerate(shapes) if i != k]
    shape = shapes[k]
    name = names[k] if names else _operand_name(k)
    target = max((len(s) for s in others), default=0)
    for extra in range(1, target - len(shape) + 1):
        candidate = shape + (1,) * extra
        if _fits(others + [candidate]):
            index = "[" + ", ".join([":"] * len(shape) + ["None"] * extra) + "]"
            return f"; did you mean {name}{index} (shape {format_shape(candidate)})?"
    if len(shape) == 2 and _fits(others + [shape[::-1]]):
        return f"; did you mean {name}.T (shape {format_shape(shape[::-1])})?"
    return "; sizes must be equal or one of them 1"


def _fits(shapes: Sequence[tuple[int, ...]]) -> bool:
    return not isinstance(combine_shapes(tuple(shapes)), Conflict)


@dataclass(frozen=True)
class Conflict:
    """Where broadcasting failed: the operand that set the size, the one that clashed, the axis."""

    first: int
    second: int
    axis: int  # negative, counted from the right
    sizes: tuple[int, int]


def combine_shapes(shapes: tuple[tuple[int, ...], ...]):
    """The broadcast shape, or a :class:`Conflict` (no message built: this runs in loops)."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    owner = [0] * ndim  # which operand set each result size
    for k, shape in enumerate(shapes):
        offset = ndim - len(shape)
        for axis, size in enumerate(shape):
            r = offset + axis
            if size == result[r] or size == 1:
                continue
            if result[r] == 1:
                result[r], owner[r] = size, k
                continue
            return Conflict(owner[r], k, r - ndim, (result[r], size))
    return tuple(result)


@lru_cache(maxsize=4096)
def broadcast_tuples(shapes: tuple[tuple[int, ...], ...], names: tuple[str, ...] | None = None
                     ) -> tuple[int, ...]:
    """:func:`broadcast_shapes` of shapes already checked (a tuple of int tuples): the fast
    path for the plan and the rewriter. An error names the operands by ``names`` if given.

    >>> broadcast_tuples(((3,), (2, 1)))
    (2, 3)
    """
    result = combine_shapes(shapes)
    if isinstance(result, Conflict):
        j, k = result.first, result.second
        who = (lambda i: f"operand {i} ({names[i]})") if names else (lambda i: f"operand {i}")
        raise BroadcastError(
            f"cannot broadcast {who(j)} of shape {format_shape(shapes[j])} with {who(k)} "
            f"of shape {format_shape(shapes[k])}: axis {result.axis} has {result.sizes[0]} vs "
            f"{result.sizes[1]} (neither is 1)" + _suggestion(list(shapes), k, names))
    return result


def broadcast_named(shapes: tuple[tuple[int, ...], ...], names: tuple[str, ...] | None = None
                    ) -> tuple[int, ...]:
    """The broadcast shape of checked shapes; an error names the operands by ``names``.

    >>> broadcast_named(((2, 3), (2,)), ("X", "w"))
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: cannot broadcast operand 0 (X) of shape (2, 3) with operand 1 (w) of shape (2,): axis -1 has 3 vs 2 (neither is 1); did you mean w[:, None] (shape (2, 1))?
    """
    return broadcast_tuples(shapes, tuple(names[:len(shapes)]) if names else None)


def broadcasts(shapes: tuple[tuple[int, ...], ...]) -> bool:
    """Whether checked shapes broadcast together (no message is built).

    >>> broadcasts(((3,), (2, 3))), broadcasts(((2,), (3,)))
    (True, False)
    """
    return _fits(shapes)


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape that broadcasting ``shapes`` together gives, like ``np.broadcast_shapes``.

    Any number of operands and dimensions (numpy refuses more than 32 dims here, though its
    ufuncs accept 64: we follow the rule, not the cap). ``0`` with ``1`` gives ``0``.

    >>> broadcast_shapes((3,), (2, 3))
    (2, 3)
    >>> broadcast_shapes(5, (4, 1), ())
    (4, 5)
    >>> broadcast_shapes((0,), (1,))
    (0,)
    """
    return broadcast_tuples(_checked(shapes))


def _checked(shapes: Iterable) -> tuple[tuple[int, ...], ...]:
    return tuple(as_shape(s, k) for k, s in enumerate(shapes))


@lru_cache(maxsize=4096)
def _roles(shapes: tuple[tuple[int, ...], ...]) -> tuple[tuple[str, ...], ...]:
    result = broadcast_tuples(shapes)
    ndim = len(result)
    roles = []
    for shape in shapes:
        offset = ndim - len(shape)
        per_axis = [NEW] * offset
        for axis, size in enumerate(shape):
            per_axis.append(MATCH if size == result[offset + axis] else STRETCHED)
        roles.append(tuple(per_axis))
    return tuple(roles)


def axis_roles(shapes: Iterable) -> tuple[tuple[str, ...], ...]:
    """For each operand, the role of each result axis: ``'match'``, ``'stretched'`` or ``'new'``.

    >>> axis_roles([(2, 1), (3,)])
    (('match', 'stretched'), ('new', 'match'))
    """
    shapes = _checked(shapes)
    return _roles(shapes)
