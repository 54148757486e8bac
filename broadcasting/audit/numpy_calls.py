"""The audit's view of numpy *function* calls: ``np.subtract(pred, y)``, ``np.maximum(a, b)``,
``np.where(mask, a, b)`` — broadcasts that no operator site shows.

numpy has no function-mode hook, so while the audited program runs, the module attributes of
the checked functions (:data:`NUMPY_CHECKED`) are replaced by thin recorders that forward
every call (and every attribute: ``np.add.reduce`` still works) to the real function, and
record the operand shapes when they differ and the caller is the program's own file. The
originals are put back afterwards, also when the program raises. Only programs that import
numpy and name a checked function are recorded. ``np.broadcast_to`` is recorded as
``(from shape, to shape)``; with ``reductions=True`` the function-style reductions
(``np.sum(x, axis=axis)``) record their axes, and :mod:`numpy_methods` the method-style ones.

>>> import ast
>>> names_checked(ast.parse("import numpy as np\\nz = np.where(m, a, b)")), names_checked(ast.parse("z = a * b"))
(True, False)
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from ..ops import OPERATORS
from .calls import CallRecord, imports_module
from .reductions import AxesLog
from .source import REDUCTIONS

__all__ = ["NUMPY_CHECKED", "NumpyCalls", "imports_numpy", "names_checked"]

#: checked numpy function -> the operator that explains it (from ``ops``; None: an element-wise
#: function)
NUMPY_CHECKED = {name: o.symbol for o in OPERATORS for name in o.numpy}
NUMPY_CHECKED.update(dict.fromkeys(("maximum", "minimum", "fmax", "fmin", "arctan2", "hypot",
                                    "where", "heaviside", "copysign")))


#: numpy reductions recorded (their axes) when the program passes an axis as a value
NUMPY_REDUCTIONS = tuple(sorted(REDUCTIONS - {"norm", "vector_norm", "trapz"}))
_AXIS_THIRD = frozenset({"percentile", "quantile", "nanpercentile", "nanquantile", "norm"})
NUMPY_EXPANSIONS = ("broadcast_to",)


def imports_numpy(tree) -> bool:
    """Whether a program imports numpy anywhere."""
    return imports_module(tree, "numpy")


def names_checked(tree) -> bool:
    """Whether a program imports numpy and names a checked function (``np.where``…)."""
    if not imports_numpy(tree):
        return False
    names = set(NUMPY_CHECKED) | set(NUMPY_EXPANSIONS)
    return any((isinstance(n, ast.Attribute) and n.attr in names)
               or (isinstance(n, ast.alias) and n.name in names) for n in ast.walk(tree))


class _Recorded:
    """Stands in for one numpy function while the program runs."""

    def __init__(self, calls: "NumpyCalls", name: str, fn):
        self._calls, self._name, self._fn = calls, name, fn

    def __call__(self, *args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_filename != self._calls.filename:
            return self._fn(*args, **kwargs)
        if self._name in NUMPY_CHECKED:
            shapes = [tuple(a.shape) for a in args if getattr(a, "ndim", 0) and
                      type(a).__module__.split(".")[0] == "numpy"]
            if len(set(shapes)) > 1:
                self._calls.record(frame.f_lineno, self._name, shapes)
            return self._fn(*args, **kwargs)
        out = self._fn(*args, **kwargs)
        if args and hasattr(args[0], "shape") and self._name in NUMPY_EXPANSIONS:
            if tuple(args[0].shape) != tuple(out.shape):
                self._calls.record(frame.f_lineno, self._name, (tuple(args[0].shape), tuple(out.shape)))
        elif args and hasattr(args[0], "ndim"):
            position = 2 if self._name in _AXIS_THIRD else 1
            axis = kwargs.get("axis", args[position] if len(args) > position else None)
            self._calls.axes.add(frame, axis, args[0].ndim, kwargs.get("keepdims") is True)
        return out

    def __getattr__(self, attr):
        return getattr(self._fn, attr)

    def __repr__(self) -> str:
        return f"<recorded {self._fn!r}>"


@dataclass
class NumpyCalls:
    """Context manager that records :class:`CallRecord` s for checked numpy calls made from
    ``filename`` (the same records as ``torch_calls.TorchCalls``)."""

    filename: str
    reductions: bool = False  # record the axes of function-style reductions too
    records: dict = field(default_factory=dict)  # CallRecord -> count
    axes: AxesLog = field(default_factory=AxesLog)
    _saved: dict = field(default_factory=dict)

    def record(self, line: int, name: str, shapes) -> None:
        role = "expand" if name in NUMPY_EXPANSIONS else "operands"
        key = CallRecord(line, name, NUMPY_CHECKED.get(name), tuple(shapes), role)
        self.records[key] = self.records.get(key, 0) + 1

    def __enter__(self):
        import numpy
        names = list(NUMPY_CHECKED) + list(NUMPY_EXPANSIONS)
        for name in names + list(NUMPY_REDUCTIONS if self.reductions else ()):
            self._replace(numpy, name)
        if self.reductions:
            self._replace(numpy.linalg, "norm")
        return self

    def _replace(self, module, name: str) -> None:
        fn = getattr(module, name, None)
        if fn is not None:
            self._saved[(module, name)] = fn
            setattr(module, name, _Recorded(self, name, fn))

    def __exit__(self, *exc):
        for (module, name), fn in self._saved.items():
            setattr(module, name, fn)
        self._saved.clear()
        return False

    def __repr__(self) -> str:
        return f"<NumpyCalls in {self.filename}: {len(self.records)} broadcasting calls>"
