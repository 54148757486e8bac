"""The audit's view of numpy *function* calls: ``np.subtract(pred, y)``, ``np.maximum(a, b)``,
``np.where(mask, a, b)`` — broadcasts that no operator site shows.

numpy has no function-mode hook, so while the audited program runs, the module attributes of
the checked functions (:data:`NUMPY_CHECKED`) are replaced by thin recorders that forward
every call (and every attribute: ``np.add.reduce`` still works) to the real function, and
record the operand shapes when they differ and the caller is the program's own file. The
originals are put back afterwards, also when the program raises. Only programs that import
numpy and name a checked function are recorded.

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

__all__ = ["NUMPY_CHECKED", "NumpyCalls", "imports_numpy", "names_checked"]

#: checked numpy function -> the operator that explains it (from ``ops``; None: an element-wise
#: function)
NUMPY_CHECKED = {name: o.symbol for o in OPERATORS for name in o.numpy}
NUMPY_CHECKED.update(dict.fromkeys(("maximum", "minimum", "fmax", "fmin", "arctan2", "hypot",
                                    "where", "heaviside", "copysign")))


def imports_numpy(tree) -> bool:
    """Whether a program imports numpy anywhere."""
    return imports_module(tree, "numpy")


def names_checked(tree) -> bool:
    """Whether a program imports numpy and names a checked function (``np.where``…)."""
    if not imports_numpy(tree):
        return False
    return any((isinstance(n, ast.Attribute) and n.attr in NUMPY_CHECKED)
               or (isinstance(n, ast.alias) and n.name in NUMPY_CHECKED) for n in ast.walk(tree))


class _Recorded:
    """Stands in for one numpy function while the program runs."""

    def __init__(self, calls: "NumpyCalls", name: str, fn):
        self._calls, self._name, self._fn = calls, name, fn

    def __call__(self, *args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_filename == self._calls.filename:
            shapes = [tuple(a.shape) for a in args if getattr(a, "ndim", 0) and
                      type(a).__module__.split(".")[0] == "numpy"]
            if len(set(shapes)) > 1:
                self._calls.record(frame.f_lineno, self._name, shapes)
        return self._fn(*args, **kwargs)

    def __getattr__(self, attr):
        return getattr(self._fn, attr)

    def __repr__(self) -> str:
        return f"<recorded {self._fn!r}>"


@dataclass
class NumpyCalls:
    """Context manager that records :class:`CallRecord` s for checked numpy calls made from
    ``filename`` (the same records as ``torch_calls.TorchCalls``)."""

    filename: str
    records: dict = field(default_factory=dict)  # CallRecord -> count
    _saved: dict = field(default_factory=dict)

    def record(self, line: int, name: str, shapes) -> None:
        key = CallRecord(line, name, NUMPY_CHECKED[name], tuple(shapes))
        self.records[key] = self.records.get(key, 0) + 1

    def __enter__(self):
        import numpy
        for name in NUMPY_CHECKED:
            fn = getattr(numpy, name, None)
            if fn is not None:
                self._saved[name] = fn
                setattr(numpy, name, _Recorded(self, name, fn))
        return self

    def __exit__(self, *exc):
        import numpy
        for name, fn in self._saved.items():
            setattr(numpy, name, fn)
        self._saved.clear()
        return False

    def __repr__(self) -> str:
        return f"<NumpyCalls in {self.filename}: {len(self.records)} broadcasting calls>"
