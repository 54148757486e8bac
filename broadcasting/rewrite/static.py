"""Rewriting without running: operand shapes given by name (``--no-exec --shape x=2,3``).

Only products whose operands are given names, number literals, or products of those get
shapes; every other site is kept with its reason. Dtypes are unknown, so none is checked:
all operands are taken to have one float dtype.

>>> r = rewrite_static("y = 2.0 * a * B\\nz = a * f(B)", {"a": (3,), "B": (2, 3)})
>>> print(r.source.splitlines()[1])
y = einops.einsum(2.0 * a, B, "j, ... j -> ... j")  # y[i,j] = 2.0 · a[j] · B[i,j]
>>> r.sites[-1].reason
'operand shapes unknown without running: give them with --shape NAME=2,3'

A name given as ``func.NAME`` has its shape inside function ``func`` only (``Class.method.NAME``
too); a plain ``NAME`` everywhere else.

>>> src = "def f(W):\\n    return x * W\\ndef g(W):\\n    return x * W\\n"
>>> r = rewrite_static(src, {"x": (3,), "f.W": (2, 3), "W": (3,)}, annotate=False)
>>> [s.outcome.name for s in r.sites]
['REWRITTEN', 'EQUAL_SHAPES']
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

    >>> parse_shape_option("W=2,3"), parse_shape_option("layer.W=2,3")
    (('W', (2, 3)), ('layer.W', (2, 3)))
    """
    from ..errors import UsageError
    name, sep, sizes = text.partition("=")
    if not sep or not all(part.isidentifier() for part in name.strip().split(".")):
        raise UsageError(f"--shape {text!r} is not NAME=SIZES or FUNCTION.NAME=SIZES; "
                         f"example: --shape W=2,3 or --shape forward.W=2,3")
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
        self.scope: tuple[str, ...] = ()  # the enclosing classes and functions

    def shape_of(self, name: str):
        """The shape given for ``name`` in the current scope (``func.name`` first)."""
        for k in range(len(self.scope)):
            found = self.shapes.get(".".join(self.scope[k:] + (name,)))
            if found is not None:
                return found
        return self.shapes.get(name)

    def operand(self, node) -> Operand | None:
        if isinstance(node, ast.Name) and self.shape_of(node.id) is not None:
            return Operand(self.kind, _TYPE[self.kind], self.shape_of(node.id), None)
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


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _walk(node, finder: _Shapes):
    """Every node, with ``finder.scope`` set to the classes and functions around it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _SCOPES):
            finder.scope += (child.name,)
            yield from _walk(child, finder)
            finder.scope = finder.scope[:-1]
        else:
            yield child
            yield from _walk(child, finder)


def _check_scopes(tree, shapes: dict) -> None:
    """A ``func.NAME`` whose ``func`` is no function (or class) of the file is a mistake."""
    from ..errors import UsageError
    paths, finder = set(), _Shapes("", {}, "numpy")
    for _ in _walk(tree, finder):
        for k in range(len(finder.scope)):
            paths.add(".".join(finder.scope[k:]))
    for name in shapes:
        scope = name.rpartition(".")[0]
        if scope and scope not in paths:
            raise UsageError(f"--shape {name}=…: the file has no function {scope!r}; "
                             f"give NAME=SIZES for every function or FUNCTION.NAME=SIZES")


def _fill(source: str, sites, shapes: dict, kind: str) -> None:
    finder = _Shapes(source, shapes, kind)
    by_key = {(s.line, s.col, s.end_line, s.end_col): s for s in sites if s.op == "*"}
    tree = ast.parse(source)
    _check_scopes(tree, shapes)
    for node in _walk(tree, finder):
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
                   filename: str = "<source>", all: bool = False) -> Rewrite:  # noqa: A002
    """Rewrite from given shapes without running anything. Operands are numpy arrays unless
    ``style="torch"``; ``all=True`` rewrites products of equal shapes too."""
    _, sites = instrument_or_raise(source, filename)
    _fill(source, sites, {k: as_shape(v) for k, v in shapes.items()},
          "torch" if style == "torch" else "numpy")
    rw = rewrite_sites(source, sites, _imported(source), style=style, annotate=annotate,
                       filename=filename, all=all)
    fixed = tuple(dataclasses.replace(s, reason=UNKNOWN, outcome=Outcome.UNKNOWN_SHAPES)
                  if s.outcome in (Outcome.NEVER_RAN, Outcome.INCOMPLETE) else s for s in rw.sites)
    return dataclasses.replace(rw, sites=fixed)
