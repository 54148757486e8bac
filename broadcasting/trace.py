"""Trace one run of a program: at every binary-operator site, what it was applied to.

``instrument`` rewrites the program's AST so that each operator site (``a * b``, ``a @ b``,
``a < b``, ``a *= b`` …) calls the tracer, which performs the very same operation and records
the operands' kinds, shapes and dtypes. Line numbers are kept, so tracebacks point at the
program's own lines. Shared by the rewriter and the audit.

>>> import numpy as np
>>> t = trace_source("y = x * w", {"x": np.ones(3), "w": np.ones((2, 3))})
>>> site = t.sites[0]
>>> site.op, site.line, site.col, site.text
('*', 1, 5, 'x * w')
>>> [(e.left.shape, e.right.shape) for e in site.executions]
[((3,), (2, 3))]
"""
from __future__ import annotations

import ast
import io
import operator
import sys
import inspect
import textwrap
import types
from dataclasses import dataclass, field

from .errors import RewriteError
from .ops import OPERATORS

__all__ = ["Operand", "Execution", "Site", "Trace", "Tracer", "instrument", "trace_source", "run_traced",
           "function_source", "globals_of", "source_lines", "char_col", "TRACER_NAME", "CALLEE_NAME"]

TRACER_NAME = "__bc_trace__"
#: the name of the callee filter in an instrumented namespace (``instrument(callee_name=…)``)
CALLEE_NAME = "__bc_callee__"

#: ``ast`` node class -> operator symbol (from ``ops``), for ``BinOp`` and ``Compare`` nodes
BINOPS = {getattr(ast, o.ast_node): o.symbol for o in OPERATORS if not o.compare}
COMPARES = {getattr(ast, o.ast_node): o.symbol for o in OPERATORS if o.compare}
#: operator symbol -> the ``operator`` function that performs it (and its in-place form)
FUNCS = {o.symbol: getattr(operator, o.function) for o in OPERATORS}
IFUNCS = {o.symbol: getattr(operator, o.inplace) for o in OPERATORS if o.inplace}


@dataclass(frozen=True)
class Operand:
    """What one side of an operator was: ``kind`` is 'numpy', 'torch', 'number' or 'other'
    (numpy scalars such as ``np.float64(1.5)`` are numbers; 0-d arrays are arrays)."""

    kind: str
    type_name: str
    shape: tuple[int, ...] | None = None
    dtype: str | None = None

    @property
    def is_array(self) -> bool:
        return self.kind in ("numpy", "torch")

    def __repr__(self) -> str:
        if self.is_array:
            return f"{self.kind}{self.shape}:{self.dtype}"
        return self.type_name


@dataclass(frozen=True)
class Execution:
    """The operands of one (deduplicated) execution of a site."""

    left: Operand
    right: Operand

    def __hash__(self) -> int:  # cached: executions are dict keys on the tracer's hot path
        h = self.__dict__.get("_hash")
        if h is None:
            h = self.__dict__["_hash"] = hash((self.left, self.right))
        return h

    def __getstate__(self) -> dict:
        """Pickled without the cached hash: string hashes differ between processes (the
        runner ships executions from the program's process to the tool's)."""
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


@dataclass
class Site:
    """One operator in the source. ``line`` and ``col`` are 1-based (col in characters) and
    point at the start of the expression; ``op_line``/``op_col`` at the operator itself."""

    id: int
    op: str
    line: int
    col: int
    end_line: int
    end_col: int
    op_line: int
    op_col: int
    text: str
    augmented: bool = False
    counts: dict = field(default_factory=dict)  # Execution -> number of times seen

    @property
    def executions(self) -> list[Execution]:
        return list(self.counts)

    @property
    def ran(self) -> bool:
        return bool(self.counts)

    def __repr__(self) -> str:
        return f"Site({self.id}, {self.op!r} at {self.line}:{self.col}, {self.text!r}, ran {sum(self.counts.values())}x)"


def _describe(x, _cache={}) -> Operand:
    t = type(x)
    kind = _cache.get(t)
    if kind is None:
        kind = _kind_of(t)
        _cache[t] = kind
    if kind == "numpy" or kind == "torch":
        return Operand(kind, t.__name__, tuple(x.shape), str(x.dtype))
    return Operand(kind, t.__name__)


#: type -> whether its values are arrays (numpy or torch), learnt as types are met
_KINDS: dict = {}


def _raw_key(x):
    """A cheap hashable stand-in for ``_describe(x)`` (no dtype-to-string conversion)."""
    t = type(x)
    array = _KINDS.get(t)
    if array is None:
        array = _KINDS[t] = _kind_of(t) in ("numpy", "torch")
    return (t, x.shape, x.dtype) if array else t


def _kind_of(t) -> str:
    np = sys.modules.get("numpy")
    if np is not None and issubclass(t, np.ndarray):
        return "numpy"
    torch = sys.modules.get("torch")
    if torch is not None and issubclass(t, torch.Tensor):
        return "torch"
    if issubclass(t, (int, float, complex)) or (np is not None and issubclass(t, np.generic)):
        return "number"
    return "other"


class Tracer:
    """Performs each instrumented operation and records its operands per site."""

    def __init__(self, sites: list[Site]):
        self.sites = sites
        self._funcs = [IFUNCS[s.op] if s.augmented else FUNCS[s.op] for s in sites]
        self._executions: dict = {}  # raw operand keys -> the one Execution recorded for them

    def record(self, site: int, left, right):
        """Perform the operation of ``site`` on ``left`` and ``right``, record their kinds,
        shapes and dtypes, and return the result. The instrumented code calls this bound
        method (a namespace holds ``tracer.record``: calling an instance costs 5x more)."""
        result = self._funcs[site](left, right)
        # the raw key of each operand (as ``_raw_key``, inlined: this runs for every operator)
        kinds = _KINDS
        tl, tr = type(left), type(right)
        kl, kr = kinds.get(tl), kinds.get(tr)
        if kl is None or kr is None:
            raw = (_raw_key(left), _raw_key(right))
        else:
            raw = ((tl, left.shape, left.dtype) if kl else tl,
                   (tr, right.shape, right.dtype) if kr else tr)
        key = self._executions.get(raw)
        if key is None:
            key = self._executions[raw] = Execution(_describe(left), _describe(right))
        counts = self.sites[site].counts
        counts[key] = counts.get(key, 0) + 1
        return result

    __call__ = record

    def __repr__(self) -> str:
        return f"<Tracer of {len(self.sites)} sites>"


def char_col(lines: list[str], line: int, byte_col: int) -> int:
    """The character column of ``ast``'s UTF-8 byte offset ``byte_col`` on 1-based ``line``.

    >>> char_col(["é = a * b"], 1, 5)
    4
    """
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def source_lines(source: str) -> list[str]:
    r"""The lines of ``source`` as Python numbers them, ends kept: split at ``\n``, ``\r\n`` and
    ``\r`` only (``str.splitlines`` also splits at form feeds and ``\u2028``, which Python
    allows inside a line).

    >>> source_lines("a = 1  # \x0c\r\nb = 2")
    ['a = 1  # \x0c\r\n', 'b = 2']
    """
    return io.StringIO(source, newline="").readlines()


class _Instrument(ast.NodeTransformer):
    def __init__(self, source: str, tracer_name: str = TRACER_NAME, callee_name: str | None = None):
        self.source, self.tracer_name, self.callee_name = source, tracer_name, callee_name
        self.lines = source_lines(source)
        self.sites: list[Site] = []

    def _char_col(self, line: int, byte_col: int) -> int:
        return char_col(self.lines, line, byte_col)

    def _segment(self, node) -> str:
        # as ast.get_source_segment, without re-splitting the whole source for every site
        if node.end_lineno is None or node.lineno - 1 >= len(self.lines):
            return ""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self.lines[first].encode("utf-8")[node.col_offset:node.end_col_offset].decode("utf-8")
        head = self.lines[first].encode("utf-8")[node.col_offset:].decode("utf-8")
        tail = self.lines[last].encode("utf-8")[:node.end_col_offset].decode("utf-8")
        return head + "".join(self.lines[first + 1:last]) + tail

    def _op_position(self, left, right, symbol: str) -> tuple[int, int]:
        """Where the operator token is: the first ``symbol`` between the operands, outside
        comments."""
        line, col = left.end_lineno, self._char_col(left.end_lineno, left.end_col_offset)
        while line <= right.lineno:
            text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
            stop = self._char_col(line, right.col_offset) if line == right.lineno else len(text)
            part = text[col:stop].split("#", 1)[0]
            found = part.find(symbol)
            if found >= 0:
                return line, col + found + 1
            line, col = line + 1, 0
        return left.end_lineno, self._char_col(left.end_lineno, left.end_col_offset) + 1

    def _site(self, node, op: str, left, right, augmented=False) -> int:
        site = Site(len(self.sites), op, node.lineno, self._char_col(node.lineno, node.col_offset) + 1,
                    node.end_lineno, self._char_col(node.end_lineno, node.end_col_offset) + 1,
                    *self._op_position(left, right, op + "=" if augmented else op),
                    self._segment(node), augmented)
        self.sites.append(site)
        return site.id

    def _call(self, site: int, left, right, like):
        call = ast.Call(ast.Name(self.tracer_name, ast.Load()), [ast.Constant(site), left, right], [])
        return ast.copy_location(call, like)

    def visit_BinOp(self, node):
        op = BINOPS.get(type(node.op))
        site = self._site(node, op, node.left, node.right) if op else None
        self.generic_visit(node)
        return node if op is None else self._call(site, node.left, node.right, node)

    def visit_Compare(self, node):
        op = COMPARES.get(type(node.ops[0])) if len(node.ops) == 1 else None
        site = self._site(node, op, node.left, node.comparators[0]) if op else None
        self.generic_visit(node)
        return node if op is None else self._call(site, node.left, node.comparators[0], node)

    def visit_Call(self, node):
        """``f(args)`` -> ``callee(f)(args)`` (only with a ``callee_name``): the callee filter
        sees what is called and returns it, or a recording stand-in; the call itself is still
        made from the program's frame (``super()``, ``locals()`` unchanged), the callee is
        evaluated before the arguments as before, and the call keeps its position."""
        self.generic_visit(node)
        if self.callee_name is None or (isinstance(node.func, ast.Name) and node.func.id == "super"):
            return node
        wrapped = ast.Call(ast.Name(self.callee_name, ast.Load()), [node.func], [])
        node.func = ast.copy_location(wrapped, node.func)
        return node

    def visit_AugAssign(self, node):
        op = BINOPS.get(type(node.op))
        if op is None or not isinstance(node.target, (ast.Name, ast.Attribute, ast.Subscript)):
            return self.generic_visit(node)
        site = self._site(node, op, node.target, node.value, augmented=True)
        self.generic_visit(node)
        load = _as_load(node.target)
        value = self._call(site, load, node.value, node)
        return ast.copy_location(ast.Assign([node.target], value), node)


def _as_load(target):
    """The target of an augmented assignment, read instead of written."""
    import copy
    node = copy.deepcopy(target)
    node.ctx = ast.Load()
    return node


def instrument(source: str, filename: str = "<traced>", tracer_name: str = TRACER_NAME,
               callee_name: str | None = None):
    """Compile ``source`` with every operator site routed through the tracer.

    Returns ``(code, sites)``; run the code with ``namespace[tracer_name] = Tracer(sites).record``
    (:func:`run_traced`). Code that shares a namespace with other traced code (notebook
    cells, ``%%explicit`` cells) needs a ``tracer_name`` of its own: a function defined in
    one cell looks its tracer up when it is called, from whichever cell.
    With a ``callee_name``, every call ``f(…)`` first passes ``f`` through
    ``namespace[callee_name]`` (a callee filter, e.g. the audit's torch call recorder: it pays
    only for the calls the program itself makes, not for every call inside a library).
    A syntax error propagates as ``SyntaxError`` (with its line and column).

    >>> code, _ = instrument("n = len([1, 2])", callee_name="seen")
    >>> called = []
    >>> run_traced(code, [], {"seen": lambda f: called.append(f) or f})["n"], called
    (2, [<built-in function len>])
    """
    tree = ast.parse(source, filename)
    visitor = _Instrument(source, tracer_name, callee_name)
    tree = ast.fix_missing_locations(visitor.visit(tree))
    return compile(tree, filename, "exec"), visitor.sites


@dataclass
class Trace:
    """The sites of a traced program and the namespace it ran in."""

    sites: list[Site]
    namespace: dict

    def __repr__(self) -> str:
        ran = sum(s.ran for s in self.sites)
        return f"<Trace: {len(self.sites)} operator sites, {ran} ran>"


def trace_source(source: str, namespace: dict | None = None, filename: str = "<traced>") -> Trace:
    """Run ``source`` once in ``namespace`` (a fresh one if None) and record every operator site.

    Exceptions raised by the program propagate unchanged.
    """
    code, sites = instrument(source, filename)
    namespace = {} if namespace is None else namespace
    run_traced(code, sites, namespace)
    return Trace(sites, namespace)


def run_traced(code, sites: list[Site], namespace: dict, tracer_name: str = TRACER_NAME) -> dict:
    """Run ``code`` (from :func:`instrument`) in ``namespace``, recording into ``sites``: the one
    place a program runs under the tracer (``trace_source``, the rewriter, the audit, the
    examples). The tracer stays in the namespace: functions the program defined use it.
    Exceptions raised by the program propagate unchanged.

    >>> code, sites = instrument("y = 2 * x")
    >>> run_traced(code, sites, {"x": 3})["y"], sites[0].ran
    (6, True)
    """
    namespace.setdefault("__name__", "__main__")
    namespace[tracer_name] = Tracer(sites).record
    exec(code, namespace)
    return namespace


# -- the source and globals of a function ----------------------------------------------------

def function_source(fn) -> str:
    """The source of a Python function, dedented, without its decorators (they ran already;
    running them again could register or wrap twice). ``RewriteError`` for what has none."""
    if not isinstance(fn, types.FunctionType):
        raise RewriteError(f"rewrite_function takes a Python function, not {type(fn).__name__}")
    if fn.__name__ == "<lambda>":
        raise RewriteError("rewrite_function cannot take a lambda: its source is not a "
                           "statement; define it with def")
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as err:
        raise RewriteError(f"the source of {fn.__qualname__} is not available ({err}); "
                           f"use rewrite_source on its text") from None
    return _without_decorators(source)


def _without_decorators(source: str) -> str:
    """``source`` with the decorator lines of its first statement dropped. ``ast`` finds them:
    cheaper than a libcst parse."""
    node = ast.parse(source).body[0]
    if not getattr(node, "decorator_list", None):
        return source
    lines = source_lines(source)
    return "".join(lines[:node.decorator_list[0].lineno - 1] + lines[node.lineno - 1:])


def globals_of(fn) -> dict:
    """A copy of ``fn``'s globals with its closure's bound values added (a snapshot).

    >>> def outer():
    ...     k = 2
    ...     return lambda x: k * x
    >>> globals_of(outer())["k"]
    2
    """
    namespace = dict(fn.__globals__)
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            namespace[name] = cell.cell_contents
        except ValueError:  # an empty cell: not bound yet
            pass
    return namespace
