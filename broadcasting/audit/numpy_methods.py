"""The axes of numpy's method-style reductions (``x.sum(axis=axis)``, ``x.max(axis=ax)``) at run
time. ``ndarray`` methods are C code that forwards to Python functions of
``numpy._core._methods`` (``_sum``, ``_amax`` …), which numpy looks up once and keeps: the
function objects cannot be replaced, so while the audited program runs their *code* is
swapped for a forwarder that logs the axis of calls made from the program's file and calls a
copy of the original. The original code is put back afterwards, also when the program raises.

>>> import numpy as np
>>> x = np.ones((3, 3))
>>> def norm(x, ax):
...     return x / x.sum(axis=ax)
>>> with NumpyMethods(norm.__code__.co_filename) as methods:
...     y = norm(x, 1)
>>> [sorted(r.axes for r in runs) for runs in methods.axes.runs.values()]
[[(1,)]]
>>> float(x.sum(axis=1)[0])   # numpy itself again
3.0
"""
from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

from .reductions import AxesLog

__all__ = ["NumpyMethods", "METHODS"]

#: the forwarding targets of ndarray's reductions in ``numpy._core._methods``
METHODS = ("_sum", "_prod", "_mean", "_std", "_var", "_amax", "_amin", "_any", "_all")
_LOG = "__bc_axes_log__"


def _methods_module():
    try:
        from numpy._core import _methods
    except ImportError:  # numpy < 2
        from numpy.core import _methods
    return _methods


def _forwarder(fn):
    """Code with ``fn``'s parameters that logs ``(a, axis, keepdims)`` and calls the copy."""
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount]
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    params = ", ".join(names + (("*",) + kwonly if kwonly else ()))
    call = ", ".join(names + tuple(f"{k}={k}" for k in kwonly))
    keep = "keepdims" if "keepdims" in names + kwonly else "False"
    src = (f"def {fn.__name__}({params}):\n"
           f"    {_LOG}[0]({names[0]}, {names[1]}, {keep})\n"
           f"    return {_LOG}[1]['{fn.__name__}']({call})\n")
    namespace: dict = {}
    exec(compile(src, f"<broadcasting audit: {fn.__name__}>", "exec"), namespace)
    return namespace[fn.__name__].__code__


@dataclass
class NumpyMethods:
    """Context manager logging the axes of method-style numpy reductions called from
    ``filename`` into ``axes`` (an :class:`AxesLog`)."""

    filename: str
    axes: AxesLog = field(default_factory=AxesLog)
    _saved: dict = field(default_factory=dict)

    def _log(self, a, axis, keepdims) -> None:
        frame = sys._getframe(2)
        if frame.f_code.co_filename == self.filename and hasattr(a, "ndim"):
            self.axes.add(frame, axis, a.ndim, keepdims is True)

    def __enter__(self):
        module = _methods_module()
        if _LOG in module.__dict__:  # an audit inside an audited program: the outer one logs
            return self
        copies = {}
        for name in METHODS:
            fn = getattr(module, name, None)
            if not isinstance(fn, types.FunctionType) or fn.__code__.co_freevars:
                continue
            copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__)
            copy.__kwdefaults__ = fn.__kwdefaults__
            copies[name] = copy
            self._saved[name] = fn.__code__
            fn.__code__ = _forwarder(fn)
        module.__dict__[_LOG] = (self._log, copies)
        return self

    def __exit__(self, *exc):
        module = _methods_module()
        if not self._saved:
            return False
        for name, code in self._saved.items():
            getattr(module, name).__code__ = code
        self._saved.clear()
        module.__dict__.pop(_LOG, None)
        return False

    def __repr__(self) -> str:
        return f"<NumpyMethods in {self.filename}: {len(self.axes.runs)} reduction calls>"
