"""Which call recorders a program gets (from its source: what it imports and names), what
they recorded, and the callee filter its calls go through. Light: the runner's child process
imports this, not the judge.

>>> [type(r).__name__ for r in call_recorders("import numpy as np; y = np.where(m, a, b)", "p.py")]
['NumpyCalls']
"""
from __future__ import annotations

import ast

from ..trace import CALLEE_NAME
from .source import unknown_axes

__all__ = ["call_recorders", "recorded", "callee_filter", "callee_name"]


def call_recorders(source: str, filename: str) -> tuple:
    """Recorders of function calls: torch's, for programs that import torch and name a
    checked function, loss module or expansion, or pass a reduction's axis as a value;
    numpy's, for programs that import numpy and name a checked function (``np.where``,
    ``np.subtract``…) or pass a reduction's axis as a value; distributions', for programs
    that use ``torch.distributions``."""
    from .distributions import DistributionCalls, uses_distributions
    from .numpy_calls import NumpyCalls, imports_numpy, names_checked
    from .numpy_methods import NumpyMethods
    from .torch_calls import TorchCalls
    from .torch_ops import calls_checked, imports_torch
    tree = ast.parse(source)
    axes = unknown_axes(tree)
    out = []
    if imports_torch(tree) and (calls_checked(tree) or axes):
        out.append(TorchCalls(filename, reductions=axes, call_sites=True))
    if imports_torch(tree) and uses_distributions(tree):
        out.append(DistributionCalls(filename))
    if names_checked(tree) or (axes and imports_numpy(tree)):
        out.append(NumpyCalls(filename, reductions=axes))
    if axes and imports_numpy(tree):
        out.append(NumpyMethods(filename))
    return tuple(out)


def recorded(calls) -> tuple[dict, dict]:
    """The recorded calls and the axes reductions ran with, of all recorders."""
    merged, axes = {}, {}
    for recorder in calls:
        merged.update(getattr(recorder, "records", {}))
        log = getattr(recorder, "axes", None)
        for position, runs in (log.runs.items() if log is not None else ()):
            axes.setdefault(position, set()).update(runs)
    return merged, axes


def callee_filter(calls):
    """The callee filter the program's calls go through (``trace.instrument(callee_name=…)``):
    that of the recorder that records at call sites, or None (calls left as written)."""
    return next((r.callee for r in calls if getattr(r, "call_sites", False)), None)


def callee_name(calls) -> str | None:
    """The name to instrument the program's calls with (``CALLEE_NAME``), or None."""
    return CALLEE_NAME if any(getattr(r, "call_sites", False) for r in calls) else None
