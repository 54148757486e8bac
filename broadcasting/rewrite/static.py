"""Rewriting without running: operand shapes given by name (``--no-exec --shape x=2,3``).

Only products whose operands are given names, number literals, or products of those get
shapes; every other site is kept with its reason. Dtypes are unknown, so none is checked:
all operands are taken to have one float dtype.

>>> r = rewrite_static("y = 2.0 * a * B\\nz = a * f(B)", {"a": (3,), "B": (2, 3)})
>>> print(r.source.splitlines()[1])
y = 2.0 * einops.einsum(a, B, "j, i j -> i j")  # y[i,j] = 2.0 · a[j] · B[i,j]
>>> r.sites[-1].reason
'operand shapes unknown without running: give them with --shape NAME=2,3'
"""
from __future__ import annotations

import ast
import dataclasses
import types

from ..shapes import BroadcastError, broadcast_tuples, as_shape
from ..trace import Execution, Operand, char_col, source_lines
from .api import Rewrite, instrument_or_raise, rewrite_sites
from .outcome import Outcome

__all__ = ["rewrite_static", "parse_shape_option", "UNKNOWN"]

UNKNOWN = "operand shapes unknown without running: give them with --shape NAME=2,3"
_NUMBERS = (int, float, complex)
_TYPE = {"numpy": "ndarray", "torch": "Tensor"}  # the type an operand given by --shape stands for


def parse_shape_option(text: str) -> tuple[str, tuple[int, ...]]:
    """``"x=2,3"`` -> ``("x", (2, 3))``; ``"s="`` is 0-d.

    >>> parse_shape_option("W=2,3")
    ('W', (2, 3))
    """
    from ..errors import UsageError
    name, sep, sizes = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise UsageError(f"--shape {text!r} is not NAME=SIZES; example: --shape W=2,3")
    try:
        shape = tuple(int(p) for p in sizes.replace(" ", "").split(",") if p)
        return name.strip(), as_shape(shape)
    except (ValueError, BroadcastError):
        raise UsageError(f"--shape {text!r}: sizes must be integers ≥ 0 separated by commas, "
                         f"e.g. --shape W=2,3") from None


class _Shapes:
    def __init__(self, source: str, shapes: dict, kind: str):
        self.lines = source_lines(source)
        self.shapes, self.kind = shapes, kind

    def operand(self, node) -> Operand | None:
        if isinstance(node, ast.Name) and node.id in self.shapes:
            return Operand(self.kind, _TYPE[self.kind], self.shapes[node.id], None)
        if isinstance(node, ast.Constant) and isinstance(node.value, _NUMBERS) \
                and not isinstance(node.value, bool):
            return Operand("number", type(node.value).__name__)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.operand(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = self.operand(node.left), self.operand(node.right)
            return _product(left, right)
        return None

    def char(self, line: int, byte_col: int) -> int:
        return char_col(self.lines, line, byte_col)

    def key(self, node) -> tuple:
        return (node.lineno, self.char(node.lineno, node.col_offset) + 1,
                node.end_lineno, self.char(node.end_lineno, node.end_col_offset) + 1)


def _product(left, right) -> Operand | None:
    if left is None or right is None:
        return None
    arrays = [o for o in (left, right) if o.is_array]
    if not arrays:
        return left
    try:
        shape = broadcast_tuples(tuple(o.shape for o in arrays))
    except BroadcastError:
        return None
    return Operand(arrays[0].kind, arrays[0].type_name, shape, None)


def _fill(source: str, sites, shapes: dict, kind: str) -> None:
    finder = _Shapes(source, shapes, kind)
    by_key = {(s.line, s.col, s.end_line, s.end_col): s for s in sites if s.op == "*"}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            pair = finder.operand(node.left), finder.operand(node.right)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Mult):
            pair = finder.operand(node.target), finder.operand(node.value)
        else:
            continue
        site = by_key.get(finder.key(node))
        if site is not None and None not in pair:
            site.counts[Execution(*pair)] = 1


def _imported(source: str) -> dict:
    """Stand-ins for the modules the program imports at top level (for alias names)."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in ("numpy", "torch", "einops"):
                    found[a.asname or a.name] = types.ModuleType(a.name)
    return found


def rewrite_static(source: str, shapes: dict, *, style: str = "einops", annotate: bool = True,
                   filename: str = "<source>") -> Rewrite:
    """Rewrite from given shapes without running anything. Operands are numpy arrays unless
    ``style="torch"``."""
    _, sites = instrument_or_raise(source, filename)
    _fill(source, sites, {k: as_shape(v) for k, v in shapes.items()},
          "torch" if style == "torch" else "numpy")
    rw = rewrite_sites(source, sites, _imported(source), style=style, annotate=annotate,
                       filename=filename)
    fixed = tuple(dataclasses.replace(s, reason=UNKNOWN, outcome=Outcome.UNKNOWN_SHAPES)
                  if s.outcome in (Outcome.NEVER_RAN, Outcome.INCOMPLETE) else s for s in rw.sites)
    return dataclasses.replace(rw, sites=fixed)
