"""The axes that reductions were called with at run time, by call position: where a program
passes the axis as a parameter (``def softmax(x, dim): ... e.sum(dim=dim)``), the source does
not say which axis was reduced; the run does. The torch and numpy call recorders fill an
:class:`AxesLog`; :class:`~broadcasting.audit.source.SourceIndex` reads it.

A call is found by the position of the instruction its frame is at (``co_positions``): the
span of the call expression, as ``ast`` gives it (line and UTF-8 byte column).

>>> import sys
>>> log = AxesLog()
>>> def f(x):
...     return log.add(sys._getframe(), 1, 2, False)
>>> f(None); sorted(log.runs.values(), key=str)
[{ReducedAxes(axes=(1,), ndim=2, keepdims=False)}]
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ReducedAxes", "AxesLog", "normalized_axes", "call_position"]


@dataclass(frozen=True)
class ReducedAxes:
    """One run of a reduction: the reduced axes (non-negative), the input's rank, keepdims."""

    axes: tuple[int, ...]
    ndim: int
    keepdims: bool


def normalized_axes(axis, ndim: int) -> tuple[int, ...] | None:
    """``axis`` (an int, a sequence of ints, or None) as sorted non-negative axes; None when
    it reduces everything or is not an axis.

    >>> normalized_axes(-1, 3), normalized_axes((0, -1), 3), normalized_axes(None, 2)
    ((2,), (0, 2), None)
    """
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not items or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
        return None
    if not all(-ndim <= a < ndim for a in items):
        return None
    return tuple(sorted({a % ndim for a in items}))


_POSITIONS: dict = {}


def call_position(frame) -> tuple[int, int, int, int] | None:
    """(line, byte col, end line, end byte col) of the instruction ``frame`` is at (cached per
    code object and instruction)."""
    key = (frame.f_code, frame.f_code.co_filename, frame.f_lasti)
    found = _POSITIONS.get(key)
    if found is None:
        positions = list(frame.f_code.co_positions())
        k = frame.f_lasti // 2
        line, end_line, col, end_col = positions[k] if 0 <= k < len(positions) else (None,) * 4
        found = _POSITIONS[key] = (line, col, end_line, end_col)
    return None if None in found else found


@dataclass
class AxesLog:
    """(line, byte col) of a reduction call -> the set of :class:`ReducedAxes` it ran with."""

    runs: dict = field(default_factory=dict)

    def add(self, frame, axis, ndim: int, keepdims: bool) -> None:
        axes = normalized_axes(axis, ndim)
        position = call_position(frame)
        if axes is None or position is None:
            return
        self.runs.setdefault(position[:2], set()).add(ReducedAxes(axes, ndim, bool(keepdims)))

    def __repr__(self) -> str:
        return f"<AxesLog: {len(self.runs)} reduction calls>"
