"""What the source says about one operator site: the audit's static half.

The tracer tells the audit which shapes met at a site; this module reads the program's AST to
judge intent there:

- :meth:`SourceIndex.explicit_axes` — the site itself makes new axes explicit (``x[:, None]``,
  ``np.newaxis``, ``unsqueeze``, ``reshape``/``view``, ``expand_dims``, einops), so a
  broadcast there is meant;
- :meth:`SourceIndex.reduction_alignment` — an operand is the result of a reduction without
  ``keepdims`` (directly, through a variable, or through a small function of the program's
  own), and whether right-alignment puts it back on the axes it came from (``'aligned'``:
  reduced over the leading axes) or not (``'misaligned'``: e.g. ``x.sum(axis=1)`` against ``x``);
- :meth:`SourceIndex.silenced` — a ``# broadcasting: ok`` comment on the site's lines.

>>> ix = SourceIndex("s = x.sum(axis=1)\\ny = x / s\\nz = x[:, None] - x  # broadcasting: ok\\n")
>>> node = ix.node_at(2, 5, 2, 10, "/")
>>> ix.reduction_alignment(node.right, operand_rank=1)
<Alignment.MISALIGNED: 'misaligned'>
>>> z = ix.node_at(3, 5, 3, 19, "-")
>>> ix.explicit_axes(z), ix.silenced(3, 3)
(True, True)
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from enum import Enum
from functools import cached_property

from ..trace import BINOPS, COMPARES, char_col

__all__ = ["SourceIndex", "Alignment", "REDUCTIONS", "AXIS_MAKERS", "unknown_axes"]


class Alignment(str, Enum):
    """Where right-alignment puts a reduced operand back: on the axes it came from, or not."""

    ALIGNED = "aligned"
    MISALIGNED = "misaligned"

    def flipped(self) -> "Alignment":
        """The verdict for the transposed other operand (``(X.T / s).T``)."""
        return Alignment.MISALIGNED if self is Alignment.ALIGNED else Alignment.ALIGNED


#: reductions (numpy and torch spellings) whose result loses the reduced axes unless keepdims
REDUCTIONS = frozenset({
    "sum", "mean", "std", "var", "max", "min", "amax", "amin", "prod", "norm", "logsumexp",
    "median", "nansum", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin", "average", "ptp",
    "all", "any", "count_nonzero", "argmax", "argmin", "nanmedian", "vector_norm",
    "percentile", "quantile", "nanpercentile", "nanquantile", "trapz", "trapezoid",
})
#: reductions whose axis comes one position later (after ``ord``/``p``/``q``)
_AXIS_SECOND = frozenset({"norm", "vector_norm", "percentile", "quantile", "nanpercentile",
                          "nanquantile"})
#: calls that insert, move or reshape axes: a broadcast at a site that uses them is deliberate
AXIS_MAKERS = frozenset({
    "unsqueeze", "unsqueeze_", "reshape", "view", "expand_dims", "expand", "expand_as",
    "broadcast_to", "atleast_2d", "atleast_3d", "rearrange", "repeat", "view_as", "reshape_as",
    "outer", "einsum",
})
#: names under which array libraries are usually imported (``np.sum(x, 1)`` is a function call)
_MODULES = frozenset({"np", "numpy", "torch", "jnp", "linalg", "special", "F", "scipy", "tf"})
_OK_COMMENT = re.compile(r"#.*\bbroadcasting\s*:\s*ok\b", re.IGNORECASE)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)
_MAX_DEPTH = 4


class SourceIndex:
    """The parsed program, indexed by operator-site position (as the tracer reports it)."""

    def __init__(self, source: str, runtime_axes=None):
        self.source = source
        #: (line, byte col) of a reduction call -> the :class:`ReducedAxes` it ran with
        self.runtime_axes = runtime_axes or {}
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        self.parents: dict[ast.AST, ast.AST] = {}
        self._sites: dict[tuple, ast.AST] = {}
        self._spans: dict[tuple, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            op = _op_of(node)
            if op is not None:
                self._sites.setdefault(self._span(node) + (op,), node)
            if op is not None or isinstance(node, ast.Call):
                self._spans.setdefault(self._span(node), node)

    def __repr__(self) -> str:
        return f"<SourceIndex: {len(self.lines)} lines, {len(self._sites)} operator sites>"

    def _char_col(self, line: int, byte_col: int) -> int:
        return char_col(self.lines, line, byte_col)

    def _span(self, node) -> tuple[int, int, int, int]:
        return (node.lineno, self._char_col(node.lineno, node.col_offset) + 1,
                node.end_lineno, self._char_col(node.end_lineno, node.end_col_offset) + 1)

    def node_at(self, line: int, col: int, end_line: int, end_col: int, op: str):
        """The BinOp/Compare/AugAssign node the tracer reported at this (1-based) span."""
        return self._sites.get((line, col, end_line, end_col, op))

    def node_spanning(self, line: int, col: int, end_line: int, end_col: int):
        """The operator or call node with exactly this (1-based, character) span, or None:
        where a running frame is (``co_positions``), for ``strict`` and the pytest plugin."""
        return self._spans.get((line, col, end_line, end_col))

    @staticmethod
    def operands(node) -> tuple:
        """The left and right operand expressions of a site node; for a call, its first two
        array arguments (``torch.add(a, b)``, ``a.sub(b)``, ``loss_fn(pred, y)``)."""
        if isinstance(node, ast.Call):
            f = node.func
            method = isinstance(f, ast.Attribute) and not _is_module(f.value)
            return tuple(([f.value] if method else []) + list(node.args))[:2]
        if isinstance(node, ast.Compare):
            return node.left, node.comparators[0]
        if isinstance(node, ast.AugAssign):
            return node.target, node.value
        return node.left, node.right

    def segment(self, node, limit: int = 40) -> str:
        """The source text of an expression on one line, shortened to ``limit`` characters."""
        text = " ".join((ast.get_source_segment(self.source, node) or "").split())
        return text if len(text) <= limit else text[:limit - 1] + "…"

    @staticmethod
    def name_of(node) -> str | None:
        """``x`` or ``self.weight`` for a (dotted) name, None for any other expression."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = SourceIndex.name_of(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def call_at(self, line: int, name: str):
        """The first call on ``line`` to a function or method called ``name`` (or None)."""
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and n.lineno == line
                 and _same_function(_call_name(n), name) and len(self.operands(n)) == 2]
        return min(calls, key=lambda n: n.col_offset, default=None)

    def call_named(self, line: int, name: str, fallback: bool = True):
        """The first call on ``line`` to ``name`` whatever its arguments (``x.expand(-1, 4, 4)``);
        else the first call on the line with two or more arguments (``criterion(pred, y)``
        for a loss module), or None."""
        calls = sorted((n for n in ast.walk(self.tree) if isinstance(n, ast.Call)
                        and n.lineno == line), key=lambda n: n.col_offset)
        named = [n for n in calls if _same_function(_call_name(n), name)]
        paired = [n for n in calls if len(n.args) + len(n.keywords) >= 2 and fallback]
        return (named or paired or [None])[0]

    def comes_from(self, expr, names: frozenset, depth: int = 0) -> bool:
        """Whether ``expr`` is a call to one of ``names`` (negated or not), directly or
        through a variable: ``logp = dist.log_prob(a)`` … ``logp - old``; not what is
        computed from it (``ratio = exp(logp - old)``)."""
        while isinstance(expr, ast.UnaryOp):
            expr = expr.operand
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, ast.Call):
            name = _call_name(expr)
            return name in names or any(self.comes_from(r, names, depth + 1)
                                        for r in self._first_returns(name))
        if not isinstance(expr, (ast.Name, ast.Attribute)):
            return False
        value = self._assigned_value(expr)
        return value is not None and self.comes_from(value, names, depth + 1)

    def call_col(self, line: int, name: str) -> int:
        """The 1-based column of the call to ``name`` on ``line`` (of the line's first call,
        or its first character, when no call there has that name)."""
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and n.lineno == line]
        named = [n for n in calls if _same_function(_call_name(n), name)]
        best = min(named or calls, key=lambda n: n.col_offset, default=None)
        if best is None:
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            return len(text) - len(text.lstrip()) + 1
        return self._char_col(line, best.col_offset) + 1

    # -- intent at the site -------------------------------------------------------------

    def explicit_axes(self, node) -> bool:
        """Whether an operand of the site inserts or reshapes axes explicitly. Only the site
        counts: ``w = v[:, None]`` on an earlier line is how a (n, 1) column gets made that
        later meets a (n,) vector by mistake."""
        return any(_makes_axes(n) for side in self.arguments(node) for n in _walk_expr(side))

    @staticmethod
    def arguments(node) -> tuple:
        """Every operand expression of a site: both sides of an operator; for a call, the
        receiver of a method and all arguments (``torch.where(m, a, b)`` has three)."""
        if isinstance(node, ast.Call):
            f = node.func
            method = isinstance(f, ast.Attribute) and not _is_module(f.value)
            return tuple(([f.value] if method else []) + list(node.args)
                         + [kw.value for kw in node.keywords])
        return SourceIndex.operands(node)

    @cached_property
    def _ok_lines(self) -> frozenset[int]:
        found = set()
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.source).readline):
                if tok.type == tokenize.COMMENT and _OK_COMMENT.search(tok.string):
                    found.add(tok.start[0])
        except (tokenize.TokenError, SyntaxError):
            found = {n for n, text in enumerate(self.lines, 1) if _OK_COMMENT.search(text)}
        return frozenset(found)

    def silenced(self, line: int, end_line: int) -> bool:
        """Whether a ``# broadcasting: ok`` comment sits on any line of the site."""
        return any(n in self._ok_lines for n in range(line, end_line + 1))

    # -- where an operand came from ------------------------------------------------------

    def makes_axes(self, expr) -> bool:
        """Whether the expression itself inserts or reshapes axes (``y[:, None]``)."""
        return any(_makes_axes(n) for n in _walk_expr(expr))

    @staticmethod
    def is_transpose(expr) -> bool:
        """``x.T``, ``x.mT``, ``x.t()``, ``x.transpose()``, ``x.transpose(0, 1)``,
        ``np.transpose(x)``: the operand is a matrix transposed.

        >>> [SourceIndex.is_transpose(ast.parse(t).body[0].value)
        ...  for t in ("x.T", "np.transpose(x)", "x.transpose(1, 0)", "x.transpose(0, 2)", "x")]
        [True, True, True, False, False]
        """
        if isinstance(expr, ast.Attribute):
            return expr.attr in ("T", "mT")
        if not isinstance(expr, ast.Call) or _call_name(expr) not in ("t", "transpose"):
            return False
        function_style = _is_module(getattr(expr.func, "value", None))
        axes = [_literal_axes(a) for a in expr.args[1 if function_style else 0:]]
        return not axes or (None not in axes and sorted(a[0] for a in axes) in ([0, 1], [-2, -1]))

    def reduction_alignment(self, expr, operand_rank: int, depth: int = 0,
                            labels_only: bool = False) -> Alignment | None:
        """``MISALIGNED`` when ``expr`` is (a function of) a reduction over a non-leading
        axis without keepdims, ``ALIGNED`` when over the leading axes, ``None`` when
        nothing is known. ``operand_rank`` is the rank the operand had at run time.
        ``labels_only``: count only ``argmax``/``argmin`` (class indices)."""
        if depth > _MAX_DEPTH:
            return None
        verdicts = {self._alignment_of(e, operand_rank, depth, labels_only)
                    for e in _sources(expr)}
        return self._first(verdicts)

    def _alignment_of(self, expr, rank: int, depth: int, labels_only: bool) -> Alignment | None:
        if isinstance(expr, ast.Call):
            reduced = _reduced_axes(expr)
            if reduced is not None:
                if labels_only and _call_name(expr) not in ("argmax", "argmin"):
                    return None
                if reduced == "unknown":
                    return self._runtime_verdict(expr, rank)
                return _verdict(reduced, rank)
            inner = self._function_returns(expr)
            return self._first((self.reduction_alignment(r, rank, depth + 1, labels_only)
                                for r in inner))
        if isinstance(expr, (ast.Name, ast.Attribute)):
            value = self._assigned_value(expr)
            return None if value is None else self.reduction_alignment(value, rank, depth + 1,
                                                                         labels_only)
        if labels_only:
            return None
        if isinstance(expr, ast.Subscript):
            return _index_alignment(expr)
        return None

    def _runtime_verdict(self, call: ast.Call, rank: int) -> Alignment | None:
        """The verdict for a reduction whose axis is not a literal (``x.sum(dim=dim)``), from
        the axes the traced run passed to it (recorded by the call recorders), for the runs
        whose result had the operand's rank."""
        runs = self.runtime_axes.get((call.lineno, call.col_offset), ())
        return self._first(Alignment.ALIGNED if r.keepdims else _verdict(r.axes, rank)
                           for r in runs if r.keepdims or r.ndim - len(r.axes) == rank)

    @staticmethod
    def _first(verdicts) -> Alignment | None:
        found = set(verdicts)
        return next((v for v in (Alignment.MISALIGNED, Alignment.ALIGNED) if v in found), None)

    def definition(self, expr):
        """The value a (dotted) name was last assigned in its scope, else the expression."""
        if isinstance(expr, (ast.Name, ast.Attribute)):
            value = self._assigned_value(expr)
            return expr if value is None else value
        return expr

    def scope_name(self, node) -> str:
        """The name of the function a node is in (``'<module>'`` at top level), as a code
        object names it."""
        scope = self._scope_of(self.parents.get(node))
        return "<lambda>" if isinstance(scope, ast.Lambda) else getattr(scope, "name", "<module>")

    def _scope_of(self, node):
        while node is not None and not isinstance(node, _SCOPES):
            node = self.parents.get(node)
        return node or self.tree

    def _assigned_value(self, name):
        """The value last assigned to a name in its scope before its use (or anywhere in the
        scope when none comes before, as in a loop); for ``self.x``-like attributes, anywhere
        in the program."""
        dotted = self.name_of(name)
        if dotted is None:
            return None
        scope = self._scope_of(name) if isinstance(name, ast.Name) else self.tree
        walk = _walk_scope(scope) if isinstance(name, ast.Name) else ast.walk(scope)
        found = []
        for node in walk:
            value = _value_for(node, dotted)
            if value is not None and node is not self._statement_of(name):
                found.append((node.lineno, value))
        if not found:
            return None
        before = [f for f in found if f[0] < name.lineno]
        return max(before or found, key=lambda f: f[0])[1]

    def _statement_of(self, node):
        while node is not None and not isinstance(node, ast.stmt):
            node = self.parents.get(node)
        return node

    @cached_property
    def _functions(self) -> dict[str, ast.AST]:
        return {n.name: n for n in ast.walk(self.tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def _first_returns(self, name: str | None) -> list:
        """What a function or method of the program called ``name`` returns (the first item
        of a returned tuple: ``logp, value = policy.evaluate(s, a)``)."""
        fn = self._functions.get(name)
        values = [n.value for n in _walk_scope(fn) if isinstance(n, ast.Return)] if fn else []
        return [v.elts[0] if isinstance(v, ast.Tuple) and v.elts else v
                for v in values if v is not None]

    def _function_returns(self, call: ast.Call) -> list:
        if not isinstance(call.func, ast.Name) or call.func.id not in self._functions:
            return []
        fn = self._functions[call.func.id]
        return [n.value for n in _walk_scope(fn) if isinstance(n, ast.Return) and n.value is not None]


def _op_of(node) -> str | None:
    if isinstance(node, ast.BinOp):
        return BINOPS.get(type(node.op))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return COMPARES.get(type(node.ops[0]))
    if isinstance(node, ast.AugAssign):
        return BINOPS.get(type(node.op))
    return None


def _walk_expr(node):
    """Every node of an expression, without entering lambdas or comprehensions' bodies."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.Lambda,)):
            stack.extend(ast.iter_child_nodes(n))


def _walk_scope(scope):
    """The nodes of one scope, without entering nested functions or classes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(n))


def _is_none_index(node) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    return (isinstance(node, ast.Attribute) and node.attr == "newaxis") or (
        isinstance(node, ast.Name) and node.id == "newaxis")


def _makes_axes(node) -> bool:
    if isinstance(node, ast.Subscript):
        index = node.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        return any(_is_none_index(p) for p in parts)
    if isinstance(node, ast.Call):
        return _call_name(node) in AXIS_MAKERS
    return False


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


def _same_function(called: str | None, name: str) -> bool:
    """``x.div_(y)`` is recorded as ``div``: in-place methods match their function's name."""
    return called is not None and (called == name or called == name + "_")


def _is_module(node) -> bool:
    """``np``, ``torch``, ``np.linalg``, ``torch.nn.functional`` …: a function, not a method."""
    if isinstance(node, ast.Name):
        return node.id in _MODULES
    return isinstance(node, ast.Attribute) and (node.attr in _MODULES or _is_module(node.value))


def _sources(expr):
    """The sub-expressions whose shape the expression inherits: through arithmetic,
    unary functions, ``.values``/``[0]`` of torch's (values, indices) pairs, and casts."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.BinOp):
            stack += [e.left, e.right]
        elif isinstance(e, ast.UnaryOp):
            stack.append(e.operand)
        elif isinstance(e, ast.Attribute) and e.attr == "values":
            stack.append(e.value)
        elif isinstance(e, ast.Subscript) and isinstance(e.value, ast.Call) and \
                isinstance(e.slice, ast.Constant) and e.slice.value == 0:
            stack.append(e.value)
        elif isinstance(e, ast.Call) and _reduced_axes(e) is None and _elementwise_arg(e) is not None:
            stack.append(_elementwise_arg(e))
        else:
            yield e


#: element-wise calls that keep a reduction's shape (looked through when tracing evidence)
_ELEMENTWISE = frozenset({
    "sqrt", "exp", "log", "log1p", "expm1", "abs", "square", "clip", "clamp", "maximum",
    "minimum", "float", "double", "half", "detach", "astype", "to", "type", "sigmoid", "tanh",
    "relu", "negative", "reciprocal", "rsqrt", "pow", "power", "clamp_min", "clamp_max",
    "cpu", "numpy", "contiguous", "clone", "copy", "asarray", "array", "tensor", "add", "sub",
    "mul", "div", "true_divide", "divide", "multiply", "subtract",
})


def _elementwise_arg(call: ast.Call):
    """The array argument an element-wise call keeps the shape of (None if not one)."""
    if _call_name(call) not in _ELEMENTWISE:
        return None
    f = call.func
    if isinstance(f, ast.Name) or _is_module(f.value):
        return call.args[0] if call.args else None
    return f.value


def _literal_axes(node) -> tuple[int, ...] | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,)
    if isinstance(value, (tuple, list)) and value and all(type(v) is int for v in value):
        return tuple(value)
    return None


def _keyword(call: ast.Call, *names):
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _reduced_axes(call: ast.Call) -> tuple[int, ...] | str | None:
    """For a reduction call: the reduced axes (a tuple), ``'keepdims'``, ``'all'`` (no axis:
    a scalar) or ``'unknown'``; ``None`` when the call is not a reduction."""
    name = _call_name(call)
    if name not in REDUCTIONS or not isinstance(call.func, ast.Attribute):
        return None
    keep = _keyword(call, "keepdims", "keepdim")
    if keep is not None:
        return "keepdims" if not (isinstance(keep, ast.Constant) and keep.value is False) else \
            _axes_of(call, name)
    return _axes_of(call, name)


def unknown_axes(tree) -> bool:
    """Whether a program has a reduction whose axis is not a literal (``x.sum(dim=dim)``):
    only then are reductions recorded at run time.

    >>> unknown_axes(ast.parse("y = x.sum(axis=ax)")), unknown_axes(ast.parse("y = x.sum(axis=1)"))
    (True, False)
    """
    return any(isinstance(n, ast.Call) and _reduced_axes(n) == "unknown" for n in ast.walk(tree))


def _axes_of(call: ast.Call, name: str):
    function_style = _is_module(call.func.value)
    position = (1 if function_style else 0) + (1 if name in _AXIS_SECOND else 0)
    axis = _keyword(call, "axis", "dim", "axes")
    if axis is None and len(call.args) > position:
        axis = call.args[position]
    if axis is None:
        return "all"
    if not function_style and len(call.args) > position + 1:
        extra = call.args[position + 1]  # torch: x.sum(1, True)
        if isinstance(extra, ast.Constant) and extra.value is True:
            return "keepdims"
    axes = _literal_axes(axis)
    return "unknown" if axes is None else axes


def _index_alignment(expr: ast.Subscript) -> Alignment | None:
    """``x[:, 0]`` drops a non-leading axis, like a reduction over it: ``'misaligned'``;
    ``x[0]`` or ``x[0, :]`` drops the leading one: ``'aligned'``."""
    parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
    for position, part in enumerate(parts):
        if isinstance(part, ast.Slice) or (isinstance(part, ast.Constant) and part.value is ...):
            continue
        if _literal_axes(part) is None or isinstance(part, ast.Tuple):
            return None
        return Alignment.MISALIGNED if position > 0 else Alignment.ALIGNED
    return None


def _verdict(reduced, rank: int) -> Alignment | None:
    if not isinstance(reduced, tuple):
        return Alignment.ALIGNED if reduced == "keepdims" else None
    source_rank = rank + len(set(reduced))
    axes = sorted({a + source_rank if a < 0 else a for a in reduced})
    return Alignment.ALIGNED if axes == list(range(len(axes))) else Alignment.MISALIGNED


def _value_for(node, name: str):
    """The value an assignment statement gives ``name`` (or None)."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            value = _target_value(target, node.value, name)
            if value is not None:
                return value
    elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
        return _target_value(node.target, node.value, name)
    return None


def _target_value(target, value, name: str):
    if isinstance(target, (ast.Name, ast.Attribute)) and SourceIndex.name_of(target) == name:
        return value
    if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name) \
            and target.elts[0].id == name and isinstance(value, ast.Call):
        return value  # values, indices = x.max(dim=1)
    return None
