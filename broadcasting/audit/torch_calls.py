"""The audit's view of torch *function* calls: ``torch.add(a, b)``, ``pred.sub(y)``,
``F.mse_loss(pred, y)``, ``nn.MSELoss()(pred, y)`` — broadcasts that no operator site shows.

While the audited program runs, each checked call whose operands' shapes differ is recorded at
the line of the program that made it (the same list of checked operations as ``strict``). The
audit sees the program's own calls through its callee filter (``call_sites=True``: the
program is instrumented so that each call passes what it calls through :attr:`TorchCalls.callee`
first), so torch's calls inside torch cost nothing; a loss module called by the program runs
under a torch function mode, which records the loss function torch calls for it. Used on its
own (``call_sites=False``), the function mode watches every torch call, and a call counts
when the nearest calling frame outside torch is the program's own. Operators are left to
the operator sites either way.

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
from .torch_ops import (BINARY_FORMS, LOSS_MODULE_FUNCTIONS, checked_entry, checked_functions,
                        recorded_functions, reduction_axis, tensor_shapes)

__all__ = ["TorchCalls"]


@dataclass
class TorchCalls:
    """Context manager that records :class:`CallRecord` s for calls made from ``filename``.

    By default a torch function mode sees every torch call while it is active (each costs a
    Python dispatch: ~1.4x on a small training loop). With ``call_sites=True`` nothing is
    hooked globally: the program is instrumented with :attr:`callee` as its callee filter
    (``instrument(callee_name=…)``), which looks at what each of the program's own calls
    calls and records only the checked ones — a loss module as the loss function its forward
    calls (one whose forward the program overrides runs under the function mode for that
    call). Calls torch makes for itself cost nothing then; a checked function that the program
    hands to other code to call (``map(torch.sub, …)``, ``functools.partial``) is not seen.
    """

    filename: str
    reductions: bool = False  # record the axes of reductions too
    call_sites: bool = False  # record through the program's instrumented calls, not a mode
    records: dict = field(default_factory=dict)  # CallRecord -> count
    axes: AxesLog = field(default_factory=AxesLog)
    _mode: object = None
    _active: bool = False  # a loss module's call is running under the mode
    _callee: object = None

    def __enter__(self):
        self._mode = _recorder_class()(self)
        if not self.call_sites:
            self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        if not self.call_sites:
            self._mode.__exit__(*exc)
        return False

    @property
    def callee(self):
        """The callee filter for ``instrument(callee_name=…)``: ``f`` itself, or a stand-in that
        records the call and makes it."""
        if self._callee is None:
            self._callee = _callee_filter(self)
        return self._callee

    def observe(self, frame, func, args, kwargs, target, target_args):
        """Record the call ``func(*args, **kwargs)`` made at ``frame`` if it is checked (or a
        reduction, expansion or mask); make it as ``target(*target_args, **kwargs)`` (a bound
        method is judged as its unbound function with ``self`` first) and return the result."""
        entry = checked_entry(func, args, kwargs)
        if entry is None:
            other = recorded_functions().get(func)
            out = target(*target_args, **kwargs)
            if other is not None and frame is not None:
                self.other(frame, other, args, kwargs, out)
            return out
        if frame is not None:
            shapes = tensor_shapes(_torch(), entry[0], args, kwargs)
            if len(set(shapes)) > 1:
                self.record(frame, entry, shapes)
        return target(*target_args, **kwargs)

    def record(self, frame, entry, shapes, role: str = "operands") -> None:
        key = CallRecord(frame.f_lineno, entry[0], entry[1], tuple(shapes), role)
        self.records[key] = self.records.get(key, 0) + 1

    def other(self, frame, entry, args, kwargs, out) -> None:
        """A reduction, expansion or masked fill that returned ``out``: record what the judge
        needs (the axes reduced, from and to shape, tensor and mask)."""
        kind, name = entry
        if kind == "params" or (kind == "reduce" and not self.reductions):
            return
        if not args or not hasattr(args[0], "shape"):
            return
        if kind == "reduce":
            dim, keep = reduction_axis(name, args, kwargs)
            self.axes.add(frame, dim, args[0].dim(), keep)
        elif kind == "mask":
            shapes = tensor_shapes(_torch(), name, args[:2], {})
            if len(set(shapes)) > 1:
                self.record(frame, (name, None), shapes)
        elif tuple(args[0].shape) != tuple(out.shape):
            self.record(frame, (name, None), (tuple(args[0].shape), tuple(out.shape)), "expand")

    def under_mode(self, f, *args, **kwargs):
        """Call ``f`` (a loss module whose forward is the program's own) with the function mode
        on: the loss function it reaches is recorded at the program's line."""
        if self._active:
            return f(*args, **kwargs)
        self._active = True
        try:
            with self._mode:
                return f(*args, **kwargs)
        finally:
            self._active = False

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
            frame = _caller_in(self.calls.filename, torch_dir, depth=2)
            return self.calls.observe(frame, func, args, kwargs, func, args)

    return _Recorder


#: how the callee filter treats a type of callable
_SKIP, _FUNCTION, _BUILTIN, _METHOD, _MODULE = range(5)


def _callee_kind(torch, t) -> int:
    import types
    if issubclass(t, torch.nn.Module):
        return _MODULE
    if t is types.BuiltinFunctionType:  # also bound C methods: ``torch.where``, ``x.sub``
        return _BUILTIN
    if t is types.MethodType:
        return _METHOD
    if t in (types.FunctionType, types.MethodDescriptorType, types.WrapperDescriptorType,
             types.MethodWrapperType, types.ClassMethodDescriptorType):
        return _FUNCTION
    return _SKIP


def _loss_kind(torch, t):
    """For a module type: the checked loss function its torch-defined forward calls; True for
    a loss module whose forward the program overrides; None for other modules."""
    for cls in t.__mro__:
        name = LOSS_MODULE_FUNCTIONS.get(cls.__name__)
        if name is not None and cls.__module__.startswith("torch."):
            return name if t.forward is cls.forward else True
    return None


def _watched(calls: TorchCalls) -> set:
    """The torch callables whose calls the callee filter records: the checked ones, the
    expansions and masked fills, ``max``/``min`` (element-wise with a second tensor), and the
    other reductions when the program passes an axis as a value."""
    keep = {"expand", "mask"} | ({"reduce"} if calls.reductions else set())
    return set(checked_functions()) | {f for f, (kind, name) in recorded_functions().items()
                                       if kind in keep or name in BINARY_FORMS}


def _callee_filter(calls: TorchCalls):
    """The callee filter of ``calls``: returns what the program calls unchanged unless it is
    a watched torch callable (function, tensor method) or a checked loss module; a stand-in
    that records the call and makes it otherwise. Called from the program's frame only."""
    import functools
    import torch
    watched = _watched(calls)
    tensor = torch.Tensor
    methods = {name: getattr(tensor, name) for name in dir(tensor)
               if _hashable(getattr(tensor, name, None)) and getattr(tensor, name) in watched}
    kinds: dict = {}
    losses: dict = {}
    partial, getframe, observe, record = functools.partial, sys._getframe, calls.observe, calls.record

    def function(f, *args, **kwargs):
        return observe(getframe(1), f, args, kwargs, f, args)

    def method(unbound, f, *args, **kwargs):  # a bound tensor method: as Tensor.name(self, …)
        return observe(getframe(1), unbound, (f.__self__,) + args, kwargs, f, args)

    def loss(name, f, *args, **kwargs):  # a loss module: judged as its loss function
        shapes = tensor_shapes(torch, name, args, kwargs)
        if len(set(shapes)) > 1:
            record(getframe(1), (name, None), shapes)
        return f(*args, **kwargs)

    def callee(f):
        t = type(f)
        kind = kinds.get(t)
        if kind is None:
            kind = kinds[t] = _callee_kind(torch, t)
        if kind == _SKIP:
            return f
        if kind == _BUILTIN:
            if isinstance(f.__self__, tensor):
                unbound = methods.get(f.__name__)
                return f if unbound is None else partial(method, unbound, f)
            return partial(function, f) if f in watched else f
        if kind == _METHOD:
            if isinstance(f.__self__, tensor) and f.__func__ in watched:
                return partial(method, f.__func__, f)
            return f
        if kind == _FUNCTION:
            return partial(function, f) if f in watched else f
        name = losses[t] if t in losses else losses.setdefault(t, _loss_kind(torch, t))
        if name is None:
            return f
        return partial(calls.under_mode, f) if name is True else partial(loss, name, f)

    return callee


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return value is not None
