"""What a numpy or torch spelling means: ``np.exp(x)``, ``torch.exp(x)`` and ``x.exp()`` are all
the operation ``exp``; ``x.transpose(0, 1)`` is a swap in torch but an axis order in numpy.

:func:`normalize` turns one call into a :class:`Spelled` (canonical operation, array operands,
parameters) or raises :class:`~broadcasting.errors.DeriveError` naming the operation and line.

>>> import numpy as np
>>> normalize("sum", (np.ones((2, 3)),), {"axis": 1}, None, "numpy")
Spelled(op='sum', params={'axes': (1,), 'keepdims': False})
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from ..errors import DeriveError
from .graph import IndexItem

__all__ = ["Spelled", "normalize", "UNARY", "CONSTANT_LIKE"]

UNARY = {"exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs", "absolute": "abs",
         "tanh": "tanh", "sigmoid": "sigmoid", "negative": "neg", "neg": "neg", "__neg__": "neg",
         "relu": "relu", "__abs__": "abs"}
BINARY = {"add": "add", "subtract": "sub", "sub": "sub", "multiply": "mul", "mul": "mul",
          "true_divide": "div", "divide": "div", "div": "div", "matmul": "matmul", "mm": "matmul",
          "bmm": "matmul", "power": "pow", "pow": "pow", "maximum": "maximum",
          "radd": "radd", "rsub": "rsub", "rmul": "rmul", "rdiv": "rdiv", "rmatmul": "rmatmul",
          "rpow": "rpow", "__add__": "add", "__sub__": "sub", "__mul__": "mul",
          "__truediv__": "div", "__matmul__": "matmul", "__pow__": "pow", "__radd__": "radd",
          "__rsub__": "rsub", "__rmul__": "rmul", "__rtruediv__": "rdiv",
          "__rmatmul__": "rmatmul", "__rpow__": "rpow"}
SCALAR = {"add": "add_s", "sub": "sub_s", "mul": "mul_s", "div": "div_s", "pow": "pow_s",
          "maximum": "relu"}
RSCALAR = {"add": "add_s", "sub": "rsub_s", "mul": "mul_s", "div": "rdiv_s", "pow": "rpow_s"}
CONSTANT_LIKE = ("zeros_like", "ones_like", "full_like")  # values independent of the argument's
RESHAPES = ("reshape", "view", "flatten", "squeeze", "unsqueeze", "ravel", "expand_dims")


@dataclass(frozen=True)
class Spelled:
    """One call, understood: the canonical operation, its array operands, its parameters."""

    op: str
    inputs: tuple = field(default=(), repr=False)
    params: dict = field(default_factory=dict)


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool) and not _is_array(x)


def _refuse(name, line, why=""):
    where = f" at {line} ({line.text})" if line and line.text else f" at {line}" if line else ""
    raise DeriveError(f"{name}{where} is not covered by derive{': ' + why if why else ''}; "
                      f"covered: + - * / ** @, outer, exp log log1p sqrt abs tanh sigmoid "
                      f"relu clip minimum, where(x > c, a, b), sum mean max var std logsumexp, "
                      f"chunk split copy, "
                      f"transposes, reshapes, indexing, cat, stack, einsum, softmax, log_softmax, "
                      f"cross_entropy, nll_loss")


def _arg(args, kwargs, pos, *names, default=None):
    for n in names:
        if n in kwargs:
            return kwargs[n]
    return args[pos] if len(args) > pos else default


def _no_extra(name, line, kwargs, allowed, defaults=None):
    defaults = defaults or {}
    for k, v in kwargs.items():
        if k not in allowed and v is not None and defaults.get(k, None) != v:
            _refuse(f"{name}(..., {k}={v!r})", line, f"the argument {k} is not supported")


def _axes(axis, ndim, lib) -> tuple[int, ...]:
    if axis is None or (lib == "torch" and axis in ((), [])):
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return tuple(sorted({int(a) % max(ndim, 1) for a in axes}))


def _uniform_bound(x):
    """The one value of a constant array (``torch.zeros_like(X)``), or None: not a traced array,
    every element equal."""
    if not _is_array(x) or type(x).__module__.split(".")[0] not in ("numpy", "torch") \
            or x.dtype == bool or 0 in tuple(x.shape):
        return None
    first = x.reshape(-1)[0]
    return float(first) if bool((x == first).all()) else None


def _binary(op, a, b, name, line):
    if op.startswith("r"):
        op, a, b = op[1:], b, a
    if op == "maximum" and _is_array(a) and _uniform_bound(b) is not None and \
            tuple(a.shape)[len(a.shape) - len(b.shape):] == tuple(b.shape):
        return Spelled("relu", (a,), {"c": _uniform_bound(b)})  # max(X, zeros_like(X))
    if _is_array(a) and _is_array(b):
        if op in ("pow", "maximum"):
            _refuse(f"{name} between two arrays", line, "the exponent / bound must be a number")
        return Spelled(op, (a, b))
    if _is_array(a) and _is_number(b) and op in SCALAR:
        return Spelled(SCALAR[op], (a,), {"c": b})
    if _is_array(b) and _is_number(a) and op == "maximum":
        return Spelled("relu", (b,), {"c": a})
    if _is_array(b) and _is_number(a) and op in RSCALAR:
        return Spelled(RSCALAR[op], (b,), {"c": a})
    _refuse(f"{name} with a {type(a).__name__} and a {type(b).__name__}", line)


def _reduce(name, args, kwargs, line, lib):
    x = args[0]
    if lib == "numpy":
        if len(args) > 2:
            _refuse(f"{name} with {len(args)} positional arguments", line)
        _no_extra(name, line, kwargs, ("axis", "keepdims"))
        axis, keep = _arg(args, kwargs, 1, "axis"), bool(kwargs.get("keepdims", False))
        return Spelled("max" if name == "amax" else name, (x,),
                       {"axes": _axes(axis, x.ndim, lib), "keepdims": keep})
    dim = _arg(args, kwargs, 1, "dim", "axis")
    if name == "max" and _is_array(dim) and len(args) == 2 and not kwargs:
        return _binary("maximum", x, dim, "torch.max of two tensors", line)
    if _is_array(dim):
        _refuse(f"torch.{name} of two tensors (elementwise)", line)
    _no_extra(name, line, kwargs, ("dim", "axis", "keepdim", "keepdims"))
    keep = bool(_arg(args, kwargs, 2, "keepdim", "keepdims", default=False))
    params = {"axes": _axes(dim, x.ndim, lib), "keepdims": keep}
    if name == "max" and dim is not None:
        params["indices"] = True
    return Spelled("max" if name == "amax" else name, (x,), params)


def _permute(name, args, kwargs, line, lib):
    x, rest = args[0], args[1:]
    n = x.ndim
    if name in ("T", "t") or (name == "transpose" and lib == "numpy" and not rest
                              and not kwargs.get("axes")):
        return Spelled("permute", (x,), {"perm": tuple(reversed(range(n)))})
    if name in ("swapaxes",) or (name == "transpose" and lib == "torch"):
        d0, d1 = (int(a) % n for a in (list(rest) + [kwargs.get(k) for k in ("dim0", "dim1",
                                                                             "axis1", "axis2")
                                                     if k in kwargs])[:2])
        perm = list(range(n))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return Spelled("permute", (x,), {"perm": tuple(perm)})
    dims = kwargs.get("axes", kwargs.get("dims")) if not rest else (
        rest[0] if len(rest) == 1 and not isinstance(rest[0], numbers.Integral) else rest)
    return Spelled("permute", (x,), {"perm": tuple(int(d) % n for d in dims)})


def _index(args, line):
    x, index = args[0], args[1]
    items, arrays = [], [x]
    for entry in (index if isinstance(index, tuple) else (index,)):
        if _is_array(entry):
            if "int" not in str(entry.dtype):
                _refuse(f"indexing with a {entry.dtype} array or a boolean mask", line,
                        "only integer arrays (a mask selects a data-dependent count)")
            arrays.append(entry)
            items.append(IndexItem("node", (len(arrays) - 1,)))
        elif isinstance(entry, range):
            items.append(IndexItem("range", (entry.start, entry.stop, entry.step)))
        elif isinstance(entry, list) and all(isinstance(v, numbers.Integral) for v in entry):
            items.append(IndexItem("list", tuple(int(v) for v in entry)))
        elif isinstance(entry, slice) and all(v is None or isinstance(v, numbers.Integral)
                                              for v in (entry.start, entry.stop, entry.step)):
            items.append(IndexItem("slice", (entry.start, entry.stop, entry.step)))
        elif isinstance(entry, numbers.Integral) and not isinstance(entry, bool):
            items.append(IndexItem("int", (int(entry),)))
        elif entry is None or entry is Ellipsis:
            items.append(IndexItem("none" if entry is None else "ellipsis"))
        else:
            _refuse(f"indexing with {type(entry).__name__} {entry!r}", line)
    advanced = [it.advanced for it in items]
    if any(advanced) and not all(advanced):
        _refuse("indexing that mixes integer arrays with slices, ints or None", line,
                "index with arrays only (x[rows, cols]) or without arrays")
    return Spelled("getitem", tuple(arrays), {"index": tuple(items)})


def _softmax(name, args, kwargs, line):
    _no_extra(name, line, kwargs, ("dim", "_stacklevel"))
    dim = _arg(args, kwargs, 1, "dim")
    if dim is None:
        _refuse(f"{name} without dim", line, "give dim=")
    return Spelled(name, (args[0],), {"axis": int(dim) % args[0].ndim})


def _cross_entropy(name, args, kwargs, line):
    x, t = args[0], _arg(args, kwargs, 1, "target")
    _no_extra(name, line, kwargs, ("target", "reduction", "input"),
              {"ignore_index": -100, "label_smoothing": 0.0})
    reduction = _arg(args, kwargs, 6 if name == "cross_entropy" else 5, "reduction",
                     default="mean")
    ok = _is_array(t) and "int" in str(t.dtype) and x.ndim in (1, 2) and \
        tuple(t.shape) == tuple(x.shape[:-1])
    if not ok or reduction not in ("mean", "sum", "none") or len(args) > 2:
        _refuse(f"{name} with input {tuple(x.shape)} and target "
                f"{tuple(getattr(t, 'shape', ()))}", line,
                "logits (N, C) or (C,) with integer class targets, no weights")
    return Spelled(name, (x, t), {"reduction": reduction})


def _einsum(name, args, kwargs, line):
    _no_extra(name, line, kwargs, ())
    equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "") if isinstance(equation, str) else ""
    terms = eq.split("->")[0].split(",") if "->" in eq else []
    ok = "->" in eq and "." not in eq and len(terms) == len(operands) and all(
        _is_array(x) for x in operands) and all(len(set(t)) == len(t) for t in terms)
    if ok:
        out = eq.split("->")[1]
        ok = all(c in out or any(c in u for j, u in enumerate(terms) if j != k)
                 for k, t in enumerate(terms) for c in t)
    if not ok:
        _refuse(f"einsum {equation!r}", line, "an equation with '->', no '...', no label "
                "repeated in one operand, none summed within a single operand")
    return Spelled("einsum", tuple(operands), {"equation": eq})


def _join(name, args, kwargs, line):
    _no_extra(name, line, kwargs, ("dim", "axis"))
    operands = args[0]
    axis = _arg(args, kwargs, 1, "dim", "axis", default=0)
    if not isinstance(operands, (list, tuple)) or not operands or axis is None or \
            not all(_is_array(x) for x in operands):
        _refuse(f"{name} of {type(operands).__name__}", line, "a list of arrays and an axis")
    ndim = operands[0].ndim + (name == "stack")
    op = "stack" if name == "stack" else "cat"
    return Spelled(op, tuple(operands), {"axis": int(axis) % ndim})


COMPARE = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "greater": ">", "greater_equal": ">=",
           "less": "<", "less_equal": "<="}


def _mask(name, args, line):
    """``x > c`` with a number ``c``: a 0/1 mask in ``x``'s dtype (no gradient flows through)."""
    x, c = args[0], args[1] if len(args) > 1 else None
    if len(args) != 2 or not _is_array(x) or not _is_number(c):
        _refuse(f"comparison {name} of {type(x).__name__} and {type(c).__name__}", line,
                "compare an array with a number (x > 0)")
    return Spelled("mask", (x,), {"cmp": COMPARE[name], "c": c})


def normalize(name: str, args: tuple, kwargs: dict, line, lib: str) -> Spelled:
    """The canonical meaning of ``name(*args, **kwargs)`` called on arrays of library ``lib``."""
    if name in COMPARE:
        return _mask(name, args, line)
    if name in UNARY:
        _no_extra(name, line, kwargs, ("inplace", "input"), {"inplace": False})
        return Spelled(UNARY[name], (args[0],), {"c": 0} if UNARY[name] == "relu" else {})
    if name == "square":
        return Spelled("pow_s", (args[0],), {"c": 2})
    if name == "__pos__":
        return Spelled("mul_s", (args[0],), {"c": 1})
    if name in BINARY:
        _no_extra(name, line, kwargs, ())
        if len(args) != 2:
            _refuse(f"{name} with {len(args)} arguments", line)
        if BINARY[name] == "matmul" and lib == "numpy" and name == "dot" \
                and max(args[0].ndim, args[1].ndim) > 2:
            _refuse("np.dot of arrays with more than 2 axes", line, "use @")
        return _binary(BINARY[name], args[0], args[1], name, line)
    if name == "dot" and all(_is_array(a) and a.ndim <= 2 for a in args[:2]):
        return Spelled("matmul", tuple(args[:2]))
    if name == "clamp" and _arg(args, kwargs, 2, "max") is None and \
            _is_number(_arg(args, kwargs, 1, "min")):
        return Spelled("relu", (args[0],), {"c": _arg(args, kwargs, 1, "min")})
    if name in ("sum", "mean", "max", "amax"):
        return _reduce(name, args, kwargs, line, lib)
    if name in ("T", "t", "transpose", "permute", "swapaxes"):
        return _permute(name, args, kwargs, line, lib)
    if name in RESHAPES:
        _no_extra(name, line, kwargs, ("shape", "newshape", "axis", "dim", "start_dim",
                                       "end_dim", "order"), {"order": "C"})
        return Spelled("reshape", (args[0],))
    if name == "getitem":
        return _index(args, line)
    if name in ("softmax", "log_softmax"):
        return _softmax(name, args, kwargs, line)
    if name in ("cross_entropy", "nll_loss"):
        return _cross_entropy(name, args, kwargs, line)
    if name == "einsum":
        return _einsum(name, args, kwargs, line)
    if name in ("cat", "concatenate", "concat", "stack"):
        return _join(name, args, kwargs, line)
    _refuse(name if name.isidentifier() else repr(name), line)
