"""The audit's verdict on a torch call where it runs, without tracing: for ``strict("outer")``
and the pytest plugin. The program's frame (the nearest one outside torch and this package)
says where the call is (``co_positions``: the span of the expression), ``linecache`` gives its
source, and :func:`~broadcasting.audit.judge.judge_at` judges it as the audit would (explicit
axes at the site, reductions without keepdims, ``# broadcasting: ok``). A reduction whose
axis is a plain name (``e.sum(dim=dim)``) is resolved from the frame's variables.

Verdicts are cached per code position and shapes: a loop pays for the first step only.
"""
from __future__ import annotations

import ast
import linecache
import os
import sys
from dataclasses import dataclass

from ..trace import char_col
from .judge import judge_at
from .reductions import ReducedAxes, call_position, normalized_axes
from .report import AuditFinding
from .source import SourceIndex

__all__ = ["LiveFinding", "judge_here", "program_frame"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_VERDICTS: dict = {}
_INDEXES: dict = {}


@dataclass(frozen=True)
class LiveFinding:
    """An audit finding and the file it is in."""

    filename: str
    finding: AuditFinding

    def __str__(self) -> str:
        f = self.finding
        return f"{self.filename}:{f.line}:{f.col}: {f.kind}: {f.message}; fix: {f.suggestion}"


def program_frame(skip: tuple[str, ...]):
    """The nearest calling frame whose file is not under one of ``skip`` (nor this package's
    audit folder)."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith(skip + (_HERE,))):
        frame = frame.f_back
    return frame


def judge_here(frame, name: str, op: str | None, shapes,
               role: str = "operands") -> LiveFinding | None:
    """The finding for a checked torch call made at ``frame``'s current instruction
    (``role="expand"``: an ``expand_as``/``expand``/``broadcast_to`` from and to shape)."""
    code = frame.f_code  # equal code objects of two files compare equal: key on the file too
    key = (code, code.co_filename, frame.f_lasti, name, tuple(shapes))
    if key in _VERDICTS:
        return _VERDICTS[key]
    found, used_frame = _judge(frame, name, op, tuple(shapes), role)
    if not used_frame:  # a verdict read from the frame's variables holds for this call only
        _VERDICTS[key] = found
    return found


def _judge(frame, name, op, shapes, role) -> tuple[LiveFinding | None, bool]:
    filename = frame.f_code.co_filename
    index = _index(filename, frame.f_globals)
    position = call_position(frame)
    line = position[0] if position else frame.f_lineno
    node = col = axes = None
    if index is not None and position is not None:
        span = (position[0], char_col(index.lines, position[0], position[1]) + 1,
                position[2], char_col(index.lines, position[2], position[3]) + 1)
        node, col = index.node_spanning(*span), span[1]
        index.runtime_axes = axes = _FrameAxes(index, frame)
    found = judge_at(index, node, name, op, shapes, line, col or 1, role)
    if index is not None:
        index.runtime_axes = {}
    used = axes is not None and axes.used
    return (None if found is None else LiveFinding(filename, found)), used


def _index(filename: str, module_globals) -> SourceIndex | None:
    source = "".join(linecache.getlines(filename, module_globals))
    cached = _INDEXES.get(filename)
    if cached is not None and cached.source == source:
        return cached
    try:
        index = SourceIndex(source) if source else None
    except SyntaxError:
        index = None
    if index is not None:
        _INDEXES[filename] = index
    return index


class _FrameAxes:
    """``runtime_axes`` read from a frame: for a reduction ``x.sum(dim=dim)`` in the frame's
    own function, the values of the names ``x`` and ``dim`` there."""

    def __init__(self, index: SourceIndex, frame):
        self.index, self.frame = index, frame
        self.used = False  # whether a verdict depended on the frame's values

    def get(self, position, default=()):
        call = next((n for n in ast.walk(self.index.tree) if isinstance(n, ast.Call)
                     and (n.lineno, n.col_offset) == position), None)
        values = self.frame.f_locals
        if call is None or not isinstance(call.func, ast.Attribute) or \
                self.index.scope_name(call) != self.frame.f_code.co_name:
            return default
        receiver = _value(call.func.value, values)
        axis = next((kw.value for kw in call.keywords if kw.arg in ("dim", "axis")),
                    call.args[0] if call.args else None)
        keep = next((kw.value for kw in call.keywords if kw.arg in ("keepdim", "keepdims")), None)
        ndim = getattr(receiver, "ndim", None)
        axes = None if ndim is None or axis is None else normalized_axes(_value(axis, values), ndim)
        if axes is None:
            return default
        kept = isinstance(keep, ast.Constant) and keep.value is True
        self.used = True
        return {ReducedAxes(axes, ndim, kept)}


def _value(expr, values):
    """The value of a plain name in the frame (nothing is evaluated), else None."""
    if isinstance(expr, ast.Name):
        return values.get(expr.id)
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and \
            isinstance(expr.operand, ast.Constant):
        return -expr.operand.value
    return None
