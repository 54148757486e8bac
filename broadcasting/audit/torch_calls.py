"""The audit's view of torch *function* calls: ``torch.add(a, b)``, ``pred.sub(y)``,
``F.mse_loss(pred, y)``, ``nn.MSELoss()(pred, y)`` — broadcasts that no operator site shows.

While the audited program runs, a torch function mode (the same hook ``strict`` uses, same
list of checked operations) records each checked call whose operands' shapes differ, at the
line of the program that made it: the nearest calling frame outside torch must be the
program's own (so a loss module called from the program counts, while the operators the tracer
performs — whose nearest frame is the tracer — are left to the operator sites).

Besides, it records the axes each reduction ran with where the program passes the axis as a
value (``reductions=True``: ``e.sum(dim=dim)``; see ``reductions``), and each ``expand_as``,
``expand`` and ``broadcast_to`` as a record ``(from shape, to shape)``: the program spelled out
a broadcast, which the judge checks against where the expanded tensor came from.

torch is imported only for programs that import it themselves.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache

from .calls import CallRecord
from .reductions import AxesLog
from .torch_ops import checked_entry, recorded_functions, reduction_axis, tensor_shapes

__all__ = ["TorchCalls"]


@dataclass
class TorchCalls:
    """Context manager that records :class:`CallRecord` s for calls made from ``filename``."""

    filename: str
    reductions: bool = False  # record the axes of reductions too
    records: dict = field(default_factory=dict)  # CallRecord -> count
    axes: AxesLog = field(default_factory=AxesLog)
    _mode: object = None

    def __enter__(self):
        self._mode = _recorder_class()(self)
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._mode.__exit__(*exc)
        return False

    def record(self, frame, entry, shapes) -> None:
        key = CallRecord(frame.f_lineno, entry[0], entry[1], tuple(shapes))
        self.records[key] = self.records.get(key, 0) + 1

    def other(self, torch_dir: str, entry, func, args, kwargs):
        """A reduction or an expansion: call it, and record what the judge needs."""
        kind, name = entry
        out = func(*args, **kwargs)
        if kind == "params" or (kind == "reduce" and not self.reductions):
            return out
        frame = _caller_in(self.filename, torch_dir, depth=3)
        if frame is None or not args or not hasattr(args[0], "shape"):
            return out
        if kind == "reduce":
            dim, keep = reduction_axis(name, args, kwargs)
            self.axes.add(frame, dim, args[0].dim(), keep)
        elif kind == "mask":
            shapes = tensor_shapes(_torch(), name, args[:2], {})
            if len(set(shapes)) > 1:
                self.record(frame, (name, None), shapes)
        elif tuple(args[0].shape) != tuple(out.shape):
            key = CallRecord(frame.f_lineno, name, None, (tuple(args[0].shape), tuple(out.shape)),
                             "expand")
            self.records[key] = self.records.get(key, 0) + 1
        return out

    def __repr__(self) -> str:
        return f"<TorchCalls in {self.filename}: {len(self.records)} broadcasting calls>"


def _torch():
    import torch
    return torch


def _caller_in(filename: str, torch_dir: str, depth: int = 2):
    """The nearest frame outside torch (and this module), if it belongs to ``filename``."""
    frame = sys._getframe(depth)
    here = __file__
    while frame is not None and (frame.f_code.co_filename.startswith(torch_dir)
                                 or frame.f_code.co_filename == here):
        frame = frame.f_back
    return frame if frame is not None and frame.f_code.co_filename == filename else None


@lru_cache(maxsize=1)
def _recorder_class():
    import torch
    from torch.overrides import TorchFunctionMode

    torch_dir = os.path.dirname(torch.__file__)

    class _Recorder(TorchFunctionMode):
        def __init__(self, calls: TorchCalls):
            super().__init__()
            self.calls = calls

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            entry = checked_entry(func, args, kwargs)
            if entry is None:
                other = recorded_functions().get(func)
                if other is not None:
                    return self.calls.other(torch_dir, other, func, args, kwargs)
            if entry is not None:
                shapes = tensor_shapes(torch, entry[0], args, kwargs)
                if len(set(shapes)) > 1:
                    frame = _caller_in(self.calls.filename, torch_dir)
                    if frame is not None:
                        self.calls.record(frame, entry, shapes)
            return func(*args, **kwargs)

    return _Recorder
