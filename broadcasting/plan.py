"""The plan of a broadcast: one frozen description from which every notation is derived.

A plan labels each axis of the result (``i, j, k, …`` from the left), and gives each operand
the labels of the axes it really has. Stretched size-1 axes are *removed* (indexed away with
``0``) so that an einsum built from the plan never relies on size-1 broadcasting.

>>> p = make_plan(((3,), (2, 3)))
>>> p.einsum
'j,ij->ij'
>>> [o.name for o in p.operands], p.result_name, p.result_labels
(['a', 'B'], 'C', ('i', 'j'))
>>> make_plan(((2,), (2, 3)), op="@").einsum
'i,ij->j'
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterator, Sequence

from .labels import AXIS_LABELS, OPERAND_LETTERS, letter_name
from .ops import ELEMENTWISE, OPS
from .shapes import (MATCH, NEW, STRETCHED, BroadcastError, as_shape, broadcast_named,
                     broadcast_tuples, broadcasts, format_shape)

__all__ = ["Axis", "OperandPlan", "BroadcastPlan", "make_plan", "ELEMENTWISE_OPS", "OPS",
           "CONTRACTED", "PROMOTED"]

#: role of the summed axis of ``@``
CONTRACTED = "contracted"
#: role of the size-1 axis that ``@`` adds to a 1-D operand (and drops from the result)
PROMOTED = "promoted"

ELEMENTWISE_OPS = ELEMENTWISE

LABELS = AXIS_LABELS


def label_sequence(exclude=frozenset()) -> Iterator[str]:
    """Axis labels in assignment order: ``i … z, a … h``, the same in capitals, then ``i52,
    i53, …`` (beyond einsum's 52 letters), skipping the ``exclude``d (the operands' names).

    >>> list(itertools.islice(label_sequence({"j", "k"}), 3))
    ['i', 'l', 'm']
    """
    for n in itertools.count():
        label = LABELS[n] if n < len(LABELS) else f"i{n}"
        if label not in exclude:
            yield label


def label_key(label: str) -> int:
    """The position of a label in :func:`label_sequence` (sorts labels in assignment order)."""
    return LABELS.index(label) if label in LABELS else int(label[1:])


@dataclass(frozen=True)
class Axis:
    """One axis of an operand: its plan label, its size and its role.

    Roles: ``'match'`` (same size as the result), ``'stretched'`` (size 1 copied along a
    larger axis: indexed away), ``'contracted'`` (summed by ``@``).
    """

    label: str
    size: int
    role: str

    @property
    def kept(self) -> bool:
        """Whether the axis keeps its label in the einsum (stretched axes are indexed away)."""
        return self.role != STRETCHED

    def __repr__(self) -> str:
        return f"Axis({self.label}={self.size}, {self.role})"


#: an :class:`Axis`, shared between plans (frozen: the same label, size and role is the same
#: axis): building a frozen dataclass costs a microsecond, a cache hit a tenth of that
_axis = lru_cache(maxsize=8192)(Axis)


@dataclass(frozen=True)
class OperandPlan:
    """An operand in the plan: its name, shape, axes, and the labels it lacks (``new``)."""

    position: int
    name: str
    shape: tuple[int, ...]
    axes: tuple[Axis, ...]
    new: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels of the axes the einsum sees (stretched size-1 axes removed).

        >>> make_plan(((2, 1), (3,))).operands[0].labels
        ('i',)
        """
        return tuple(a.label for a in self.axes if a.kept)

    @property
    def index(self) -> tuple:
        """The indexer that removes stretched axes: ``0`` for them, ``slice(None)`` otherwise."""
        return tuple(slice(None) if a.kept else 0 for a in self.axes)

    @property
    def index_text(self) -> str:
        """The indexer as source text, ``''`` when nothing is removed.

        >>> make_plan(((2, 1), (3,))).operands[0].index_text
        '[:, 0]'
        """
        if all(a.kept for a in self.axes):
            return ""
        parts = [":" if a.kept else "0" for a in self.axes]
        while parts and parts[-1] == ":":
            parts.pop()
        return "[" + ", ".join(parts) + "]"

    @property
    def stretched(self) -> tuple[str, ...]:
        """Labels along which this operand is copied: stretched size-1 axes and new axes."""
        return tuple(a.label for a in self.axes if a.role == STRETCHED) + self.new

    def role_of(self, label: str) -> str:
        """The role of a plan label for this operand (``'new'`` when it lacks the axis)."""
        for a in self.axes:
            if a.label == label:
                return a.role
        return NEW

    def __repr__(self) -> str:
        return f"OperandPlan({self.name}{format_shape(self.shape)}, labels={''.join(self.labels)!r})"


@dataclass(frozen=True)
class BroadcastPlan:
    """The whole broadcast: operator, operands, result labels and sizes, contracted labels."""

    op: str
    operands: tuple[OperandPlan, ...]
    result_name: str
    result_shape: tuple[int, ...]
    result_labels: tuple[str, ...]
    contracted: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label of the plan in alphabetical (= assignment) order."""
        return tuple(sorted(set(self.result_labels) | set(self.contracted), key=label_key))

    @property
    def sizes(self) -> dict[str, int]:
        """Size of each label (a fresh dict; the operands are read once per plan)."""
        return dict(self.size_items)

    @cached_property
    def size_items(self) -> tuple[tuple[str, int], ...]:
        """``(label, size)`` for every label, in the order :attr:`sizes` lists them."""
        out = dict(zip(self.result_labels, self.result_shape))
        for o in self.operands:
            out.update((a.label, a.size) for a in o.axes if a.kept)
        return tuple(out.items())

    @property
    def is_product(self) -> bool:
        return self.op in ("*", "@")

    @property
    def letters_only(self) -> bool:
        """Whether every label is one letter (einsum, einops and numpy need that: 52 at most)."""
        return all(len(lab) == 1 for lab in self.result_labels) and \
            all(len(lab) == 1 for lab in self.contracted)

    @property
    def einsum(self) -> str | None:
        """The einsum equation over the operands with stretched axes removed; ``None`` for
        operators that are not products, and beyond 52 labels (einsum's letters)."""
        if not self.is_product or not self.letters_only:
            return None  # einsum has one letter per label: 52 at most
        ins = ",".join("".join(o.labels) for o in self.operands)
        return ins + "->" + "".join(self.result_labels)

    def __repr__(self) -> str:
        ops = f" {self.op} ".join(f"{o.name}{format_shape(o.shape)}" for o in self.operands)
        return f"BroadcastPlan({ops} -> {self.result_name}{format_shape(self.result_shape)})"


def default_names(shapes: Sequence[tuple[int, ...]], result_rank: int) -> tuple[str, ...]:
    """``a, B, C``: one letter per operand (capital from rank 2), then the result's."""
    names = []
    for k, shape in enumerate(list(shapes) + [(0,) * result_rank]):
        letter = letter_name(k, OPERAND_LETTERS)
        names.append(letter.upper() if len(shape) >= 2 else letter)
    return tuple(names)


def _check_names(names, count: int) -> tuple[str, ...] | None:
    if names is None:
        return None
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    names = tuple(names)
    if len(names) not in (count, count + 1) or not all(isinstance(n, str) and n for n in names):
        raise BroadcastError(f"names {names!r} do not fit {count} operands: give {count} names "
                             f"(one per operand) or {count + 1} (the result's last)")
    return names


def _labels(count: int, names=()) -> tuple[str, ...]:
    return tuple(itertools.islice(label_sequence(frozenset(names)), count))


def result_name_for(names: Sequence[str], rank: int) -> str:
    """A result name no operand uses (in any case): the next letter after the operands', as
    capital from rank 2, else ``out``, ``out1``, ….

    >>> result_name_for(("a", "B"), 2), result_name_for(("A", "C"), 2), result_name_for(("x",), 1)
    ('C', 'D', 'b')
    """
    taken = {n.lower() for n in names}
    start = min(len(names), len(OPERAND_LETTERS) - 1)
    for letter in OPERAND_LETTERS[start:] + OPERAND_LETTERS[:start]:
        if letter not in taken:
            return letter.upper() if rank >= 2 else letter
    return next(f"out{n or ''}" for n in itertools.count() if f"out{n or ''}" not in taken)


def _result_name(names, count: int, rank: int) -> str:
    return names[count] if len(names) > count else result_name_for(names[:count], rank)


def make_plan(shapes, op: str = "*", names=None) -> BroadcastPlan:
    """The cached plan of ``op`` applied to operands of these shapes.

    >>> make_plan(((3,), (2, 3)), names=("a", "B")).operands[0]
    OperandPlan(a(3,), labels='j')
    """
    if op not in OPS:
        raise BroadcastError(f"operator {op!r} is not supported; use one of {' '.join(OPS)}")
    shapes = tuple(as_shape(s, k) for k, s in enumerate(shapes))
    names = _check_names(names, len(shapes))
    if not shapes:
        raise BroadcastError("no operands given; explain needs at least one shape or array")
    return _make_plan(shapes, op, names)


@lru_cache(maxsize=4096)
def _make_plan(shapes, op, names) -> BroadcastPlan:
    if op == "@":
        return _matmul_plan(shapes, names)
    return BroadcastPlan(op, *_elementwise_layout(shapes, names))


@lru_cache(maxsize=4096)
def _elementwise_layout(shapes, names) -> tuple:
    """Operands, result name, shape and labels of an elementwise broadcast: the same for every
    elementwise operator, so ``a * b`` and ``a - b`` share them (built once per shapes)."""
    result = broadcast_named(shapes, names)
    all_names = names or default_names(shapes, len(result))
    result_name = _result_name(all_names, len(shapes), len(result))
    labels = _labels(len(result), all_names[:len(shapes)] + (result_name,))
    operands = []
    for k, shape in enumerate(shapes):
        offset = len(result) - len(shape)
        axes = tuple(_axis(labels[offset + d], size, MATCH if size == result[offset + d] else STRETCHED)
                     for d, size in enumerate(shape))
        operands.append(OperandPlan(k, all_names[k], shape, axes, labels[:offset]))
    return tuple(operands), result_name, result, labels[:len(result)]


def _matmul_plan(shapes, names) -> BroadcastPlan:
    if len(shapes) != 2:
        raise BroadcastError(f"@ takes two operands, {len(shapes)} given; chain them: (A @ B) @ C")
    left, right = shapes
    for k, s in enumerate(shapes):
        if not s:
            raise BroadcastError(f"operand {k} of @ is 0-d (shape ()); matmul needs at least one "
                                 f"axis on each side: use * for a scalar")
    lrow = left[:-1] if len(left) >= 2 else ()
    rcol = right[-1:] if len(right) >= 2 else ()
    lk, rk = left[-1], (right[-2] if len(right) >= 2 else right[0])
    if lk != rk:
        raise BroadcastError(_contracted_message(left, right, names))
    lbatch, rbatch = left[:-2], right[:-2]
    if not broadcasts((lbatch, rbatch)):
        raise BroadcastError(_batch_message(left, right, names))
    batch = broadcast_tuples((lbatch, rbatch))
    nb = len(batch)
    rank = nb + bool(lrow) + bool(rcol)
    all_names = names or default_names(shapes, rank)
    result_name = _result_name(all_names, 2, rank)
    labels = _labels(nb + 3, all_names[:2] + (result_name,))
    row = labels[nb] if lrow else None
    con = labels[nb + (1 if lrow else 0)]
    col = labels[nb + (2 if lrow else 1)] if rcol else None
    result_labels = labels[:nb] + ((row,) if row else ()) + ((col,) if col else ())
    result_shape = batch + ((left[-2],) if row else ()) + ((right[-1],) if col else ())

    def batch_axes(bshape):
        off = nb - len(bshape)
        return tuple(_axis(labels[off + d], s, MATCH if s == batch[off + d] else STRETCHED)
                     for d, s in enumerate(bshape)), labels[:off]

    lb, lnew = batch_axes(lbatch)
    rb, rnew = batch_axes(rbatch)
    laxes = lb + ((_axis(row, left[-2], MATCH),) if row else ()) + (_axis(con, lk, CONTRACTED),)
    raxes = rb + (_axis(con, rk, CONTRACTED),) + ((_axis(col, right[-1], MATCH),) if col else ())
    operands = (OperandPlan(0, all_names[0], left, laxes, lnew),
                OperandPlan(1, all_names[1], right, raxes, rnew))
    return BroadcastPlan("@", operands, result_name, result_shape, result_labels, (con,))


def _who(shapes, names) -> tuple[str, str]:
    """How a message names the two operands of ``@``: the user's names, else ``a`` and ``b``."""
    return tuple(names[:2]) if names else ("a", "b")


def _operands_text(left, right, names) -> str:
    a, b = (f" ({n})" for n in names[:2]) if names else ("", "")
    return f"operand 0{a} of shape {format_shape(left)} with operand 1{b} of shape {format_shape(right)}"


def matmul_fits(left: tuple[int, ...], right: tuple[int, ...]) -> bool:
    """Whether ``left @ right`` is defined (no message built).

    >>> matmul_fits((2, 3), (3,)), matmul_fits((2,), (3, 4))
    (True, False)
    """
    if not left or not right:
        return False
    if left[-1] != (right[-2] if len(right) >= 2 else right[0]):
        return False
    return broadcasts((left[:-2], right[:-2]))


def _transposed(shape):
    return shape[:-2] + (shape[-1], shape[-2])


def _matmul_fixes(left, right, names) -> list[str]:
    """Rewrites of ``a @ b`` that are defined, each one checked before it is offered."""
    a, b = _who((left, right), names)
    candidates = []
    for name, shape, at_left in ((b, right, False), (a, left, True)):
        if len(shape) >= 2:
            t = _transposed(shape)
            pair = (t, right) if at_left else (left, t)
            attr = ".T" if len(shape) == 2 else ".mT"
            candidates.append((f"{name}{attr} (shape {format_shape(t)})", pair))
    candidates.append((f"{b} @ {a}", (right, left)))
    return [text for text, pair in candidates if matmul_fits(*pair)]


def _contracted_message(left, right, names) -> str:
    lk, rk = left[-1], (right[-2] if len(right) >= 2 else right[0])
    fixes = _matmul_fixes(left, right, names)
    advice = (f"did you mean {' or '.join(fixes)}?" if fixes else
              "no transpose or order of the two fits: the sizes must be equal")
    a, b = _who((left, right), names)
    where = f"{b}'s {'second-to-last' if len(right) >= 2 else 'only'} axis"
    return (f"cannot matmul {_operands_text(left, right, names)}: contracted axis has {lk} vs {rk} "
            f"({a}'s last axis vs {where}; they must be equal); {advice}")


def _batch_conflict(lbatch, rbatch) -> tuple[int, int, int]:
    """The first clash of the batch shapes from the right: (axis of the operands, sizes)."""
    for d in range(1, min(len(lbatch), len(rbatch)) + 1):
        x, y = lbatch[-d], rbatch[-d]
        if x != y and 1 not in (x, y):
            return -d - 2, x, y
    raise AssertionError("batch shapes broadcast")  # only called when they do not


def _batch_fixes(left, right, names) -> list[str]:
    """``a[:, None]``-style fixes that make the batch axes broadcast, each one checked."""
    out = []
    for k, (name, shape) in enumerate(zip(_who((left, right), names), (left, right))):
        own, other = shape[:-2], (right, left)[k][:-2]
        for extra in range(1, max(len(other) - len(own), 1) + 1 if own else 1):
            candidate = own + (1,) * extra + shape[len(own):]
            pair = (candidate, right) if k == 0 else (left, candidate)
            if matmul_fits(*pair):
                index = ", ".join([":"] * len(own) + ["None"] * extra)
                out.append(f"{name}[{index}] (shape {format_shape(candidate)})")
                break
    return out


def _batch_message(left, right, names) -> str:
    axis, x, y = _batch_conflict(left[:-2], right[:-2])
    fixes = _batch_fixes(left, right, names)
    advice = (f"did you mean {' or '.join(fixes)}?" if fixes else
              "batch sizes must be equal or one of them 1")
    return (f"cannot matmul {_operands_text(left, right, names)}: batch axis {axis} has {x} vs {y} "
            f"(neither is 1; the last two axes are the matrices); {advice}")
