"""Operations derive writes as a few covered ones, traced on the same values: ``var`` and
``std`` (a mean, a centred square, a sum, one division) and ``clip`` / ``clamp`` with both
bounds (two maxima). Each receives the library, the call's arguments as written (the first a
traced array), the tracer's ``maximum(x, number)`` and the user's line (for errors).

>>> import numpy as np
>>> from broadcasting.derive.tracer import trace
>>> [n.op for n in trace(lambda x: np.var(x, axis=0), np.ones((3, 2))).nodes]
['input', 'sum', 'div_s', 'sub', 'mul', 'sum', 'div_s']
"""
from __future__ import annotations

import math
import numbers

from ..errors import DeriveError

__all__ = ["COMPOSITES"]


def _where(line) -> str:
    return f"{line} ({line.text})" if line is not None and line.text else str(line)


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None or axis in ((), []):
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return tuple(sorted({int(a) % max(ndim, 1) for a in axes}))


def _var_args(lib: str, args, kwargs, line) -> tuple[tuple[int, ...], float, bool]:
    """(axes, ddof, keepdims) of numpy ``var(a, axis, dtype, out, ddof, keepdims)`` or torch
    ``var(input, dim, unbiased, keepdim)`` / ``var(input, dim, correction=, keepdim=)``."""
    x, rest = args[0], list(args[1:])
    if lib == "numpy":
        positional_dtype = len(rest) > 1 and rest[1] is not None
        for k in ("dtype", "out", "where", "mean"):
            if kwargs.get(k) is not None or (k == "dtype" and positional_dtype):
                raise DeriveError(f"var/std with {k}= at {_where(line)} is not covered by derive")
        axis = kwargs.get("axis", rest[0] if rest else None)
        ddof = kwargs.get("ddof", rest[3] if len(rest) > 3 else 0)
        return _axes(axis, x.ndim), ddof, bool(kwargs.get("keepdims", False))
    if rest and isinstance(rest[0], bool):  # torch.var(x, unbiased)
        kwargs, rest = {**kwargs, "unbiased": rest[0]}, []
    dim = kwargs.get("dim", rest[0] if rest else None)
    unbiased = kwargs.get("unbiased", rest[1] if len(rest) > 1 else True)
    correction = kwargs.get("correction", 1 if unbiased else 0)
    keep = kwargs.get("keepdim", kwargs.get("keepdims", rest[2] if len(rest) > 2 else False))
    return _axes(dim, x.ndim), correction, bool(keep)


def variance(lib: str, args, kwargs, maximum=None, line=None):
    """``var``: the sum of squared deviations from the mean over the axes, over ``n - ddof``."""
    x = args[0]
    axes, ddof, keep = _var_args(lib, args, kwargs, line)
    n = math.prod(int(x.shape[a]) for a in axes)
    key = "keepdims"
    centred = x - x.sum(axes, **{key: True}) / n
    return (centred * centred).sum(axes, **{key: keep}) / (n - ddof)


def deviation(lib: str, args, kwargs, maximum=None, line=None):
    """``std``: the square root of ``var``."""
    return variance(lib, args, kwargs, line=line) ** 0.5


def clip(lib: str, args, kwargs, maximum=None, line=None):
    """``clip(x, lo, hi)`` / ``clamp(x, min, max)`` with number bounds: ``min(max(x, lo), hi)``
    written as ``-max(-max(x, lo), -hi)``; one bound alone is a single maximum."""
    x = args[0]
    names = ("a_min", "a_max") if lib == "numpy" else ("min", "max")
    low = kwargs.get(names[0], kwargs.get("min", args[1] if len(args) > 1 else None))
    high = kwargs.get(names[1], kwargs.get("max", args[2] if len(args) > 2 else None))
    for bound in (low, high):
        if bound is not None and not (isinstance(bound, numbers.Real)
                                      and not isinstance(bound, bool)):
            kind = "an array" if hasattr(bound, "shape") else f"a {type(bound).__name__}"
            raise DeriveError(f"clip with {kind} bound at {_where(line)} is "
                              f"not covered by derive: give number bounds")
    out = x if low is None else maximum(x, low)
    return out if high is None else -maximum(-out, -high)


def logsumexp(lib: str, args, kwargs, maximum=None, line=None):
    """torch ``logsumexp(x, dim, keepdim)``: ``m + log(sum(exp(x - m)))``, ``m`` the maximum
    over the axes (its two paths' gradients cancel)."""
    x = args[0]
    dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
    if dim is None:
        raise DeriveError(f"logsumexp without dim at {_where(line)} is not covered: give dim=")
    keep = bool(kwargs.get("keepdim", args[2] if len(args) > 2 else False))
    axes = _axes(dim, x.ndim)
    m = x.amax(axes, keepdim=True)
    total = (x - m).exp().sum(axes, keepdim=True).log() + m
    return total if keep else total.squeeze(axes)


def _pieces(size: int, sizes) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for n in sizes:
        bounds.append((start, min(start + n, size)))
        start += n
    return [b for b in bounds if b[0] < b[1]] if start >= size else []


def split(lib: str, args, kwargs, maximum=None, line=None):
    """torch ``chunk(x, n, dim)`` / ``split(x, size_or_sizes, dim)``, numpy ``split(x, n,
    axis)`` into equal parts: basic slices of ``x`` along the axis."""
    x, name = args[0], kwargs.pop("_name")
    how = args[1] if len(args) > 1 else kwargs.get("chunks", kwargs.get(
        "split_size_or_sections", kwargs.get("indices_or_sections")))
    axis = kwargs.get("dim", kwargs.get("axis", args[2] if len(args) > 2 else 0))
    size = int(x.shape[int(axis) % x.ndim])
    if isinstance(how, numbers.Integral) and how > 0 and name == "split" and lib == "torch":
        sizes = [int(how)] * -(-size // int(how))
    elif isinstance(how, numbers.Integral) and how > 0 and (name == "chunk" or size % how == 0):
        step = -(-size // int(how))
        sizes = [step] * int(how)
    elif isinstance(how, (list, tuple)) and lib == "torch" and sum(how) == size:
        sizes = [int(n) for n in how]
    else:
        raise DeriveError(f"{name} into {how!r} at {_where(line)} is not covered by derive: "
                          f"split into equal parts (or torch sizes that add up)")
    lead = (slice(None),) * (int(axis) % x.ndim)
    return tuple(x[lead + (slice(a, b),)] for a, b in _pieces(size, sizes))


def _ufunc(lib: str, name: str, x):
    if lib == "numpy":
        import numpy
        return getattr(numpy, name)(x)
    return getattr(x, name)()


def minimum(lib: str, args, kwargs, maximum=None, line=None):
    """``minimum(x, c)`` for a number ``c``: ``-max(-x, -c)``."""
    x, c = args[0], args[1] if len(args) > 1 else kwargs.get("other")
    if isinstance(c, numbers.Real) and not isinstance(c, bool):
        return -maximum(-x, -c)
    if isinstance(x, numbers.Real) and not isinstance(x, bool) and hasattr(c, "shape"):
        return -maximum(-c, -x)
    raise DeriveError(f"minimum of two arrays at {_where(line)} is not covered by derive: "
                      f"give a number bound")


def log1p(lib: str, args, kwargs, maximum=None, line=None):
    """``log1p(x)``: ``log(1 + x)``."""
    return _ufunc(lib, "log", 1 + args[0])


def outer(lib: str, args, kwargs, maximum=None, line=None):
    """``outer(a, b)``: ``a`` flattened as a column times ``b`` flattened as a row."""
    a, b = args[0], args[1]
    return a.reshape(-1)[:, None] * b.reshape(-1)[None, :]


def copy(lib: str, args, kwargs, maximum=None, line=None):
    """``copy(x)`` / ``x.copy()`` / ``x.clone()``: the same values, a new array."""
    return +args[0]


def where(lib: str, args, kwargs, maximum=None, line=None):
    """``where(mask, a, b)`` with a 0/1 mask (``x > 0``, checked by the tracer):
    ``a * mask + b * (1 - mask)``."""
    if len(args) != 3:
        raise DeriveError(f"where at {_where(line)} is not covered by derive: give "
                          f"where(condition, a, b)")
    mask, a, b = args
    return a * mask + b * (1 - mask)


COMPOSITES = {"var": variance, "std": deviation, "clip": clip, "clamp": clip,
              "logsumexp": logsumexp, "chunk": split, "split": split, "minimum": minimum,
              "log1p": log1p, "outer": outer, "copy": copy, "clone": copy,
              "where": where}
