"""The audit's view of torch *function* calls: ``torch.add(a, b)``, ``pred.sub(y)``,
``F.mse_loss(pred, y)``, ``nn.MSELoss()(pred, y)`` — broadcasts that no operator site shows.

While the audited program runs, a torch function mode (the same hook ``strict`` uses, same
list of checked operations) records each checked call whose operands' shapes differ, at the
line of the program that made it: the nearest calling frame outside torch must be the
program's own (so a loss module called from the program counts, while the operators the tracer
performs — whose nearest frame is the tracer — are left to the operator sites).

torch is imported only for programs that import it themselves.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache

from .calls import CallRecord
from .torch_ops import checked_functions, tensor_shapes

__all__ = ["TorchCalls"]


@dataclass
class TorchCalls:
    """Context manager that records :class:`CallRecord` s for calls made from ``filename``."""

    filename: str
    records: dict = field(default_factory=dict)  # CallRecord -> count
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

    def __repr__(self) -> str:
        return f"<TorchCalls in {self.filename}: {len(self.records)} broadcasting calls>"


def _caller_in(filename: str, torch_dir: str):
    """The nearest frame outside torch (and this module), if it belongs to ``filename``."""
    frame = sys._getframe(2)
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
            entry = checked_functions().get(func)
            if entry is not None:
                shapes = tensor_shapes(torch, entry[0], args, kwargs)
                if len(set(shapes)) > 1:
                    frame = _caller_in(self.calls.filename, torch_dir)
                    if frame is not None:
                        self.calls.record(frame, entry, shapes)
            return func(*args, **kwargs)

    return _Recorder
