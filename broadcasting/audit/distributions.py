"""The audit's view of ``torch.distributions``: library code that broadcasts for the program.

``Normal(loc).log_prob(y)`` with ``loc`` of shape (N, 1) and ``y`` of shape (N,) returns
(N, N): the broadcast happens inside torch, so no operator site of the program shows it.
While the audited program runs, every distribution class's own ``__init__``, ``log_prob``,
``cdf`` and ``icdf`` are replaced by thin wrappers that record, for calls made from the
program's file, the tensor parameters' shapes (``'params'``: a distribution made from
parameters of different shapes broadcasts them, and its ``sample``, ``rsample``, ``entropy``,
``mean`` … all carry that batch shape) and the value's shape against the distribution's batch
+ event shape (``'value'``). The originals are put back afterwards, also when the program
raises. Only programs that import torch and mention distributions are recorded.

>>> import ast
>>> [uses_distributions(ast.parse(src)) for src in ("from torch.distributions import Normal",
...     "from torch import distributions as D", "import torch")]
[True, True, False]
"""
from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass, field

from .calls import CallRecord

__all__ = ["DistributionCalls", "VALUE_METHODS", "uses_distributions"]

#: distribution methods that take a value and broadcast it against the batch shape
VALUE_METHODS = ("log_prob", "cdf", "icdf")


def uses_distributions(tree) -> bool:
    """Whether a program mentions ``torch.distributions`` (imported or as an attribute)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and "distributions" in (node.module or ""):
            return True
        if isinstance(node, ast.Import) and any("distributions" in a.name for a in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "distributions":
            return True
        if isinstance(node, ast.alias) and node.name == "distributions":
            return True  # from torch import distributions
    return False


def _classes():
    from torch.distributions import Distribution
    stack, seen = [Distribution], []
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen and sub.__module__.startswith("torch.distributions"):
                seen.append(sub)
                stack.append(sub)
    return seen


@dataclass
class DistributionCalls:
    """Context manager that records :class:`CallRecord` s of distributions used by ``filename``."""

    filename: str
    records: dict = field(default_factory=dict)  # CallRecord -> count
    _saved: list = field(default_factory=list)

    def record(self, frame, name: str, shapes, role: str) -> None:
        key = CallRecord(frame.f_lineno, name, None, tuple(shapes), role)
        self.records[key] = self.records.get(key, 0) + 1

    def _caller(self):
        frame = sys._getframe(2)
        return frame if frame.f_code.co_filename == self.filename else None

    def _value_method(self, name: str, fn):
        @functools.wraps(fn)
        def method(dist, value, *args, **kwargs):
            frame = self._caller()
            if frame is not None and getattr(value, "ndim", 0):
                shape = tuple(dist.batch_shape) + tuple(dist.event_shape)
                if tuple(value.shape) != shape:
                    self.record(frame, name, (tuple(value.shape), shape), "value")
            return fn(dist, value, *args, **kwargs)
        return method

    def _init(self, cls, fn):
        @functools.wraps(fn)
        def init(dist, *args, **kwargs):
            frame = self._caller()
            if frame is not None:
                shapes = [tuple(v.shape) for v in list(args) + list(kwargs.values())
                          if getattr(v, "ndim", 0) and hasattr(v, "shape")]
                if len(set(shapes)) > 1:
                    self.record(frame, cls.__name__, shapes, "params")
            return fn(dist, *args, **kwargs)
        return init

    def __enter__(self):
        for cls in _classes():
            for name in ("__init__",) + VALUE_METHODS:
                fn = cls.__dict__.get(name)
                if callable(fn):
                    self._saved.append((cls, name, fn))
                    wrapped = self._init(cls, fn) if name == "__init__" else \
                        self._value_method(name, fn)
                    setattr(cls, name, wrapped)
        return self

    def __exit__(self, *exc):
        for cls, name, fn in reversed(self._saved):
            setattr(cls, name, fn)
        self._saved.clear()
        return False

    def __repr__(self) -> str:
        return f"<DistributionCalls in {self.filename}: {len(self.records)} broadcasting calls>"
