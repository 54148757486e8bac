"""``strict``: a guard under which implicit broadcasting between torch tensors is an error.

Inside ``with bc.strict():`` (or a function decorated with ``@bc.strict()``) every element-wise
torch operation whose tensor operands have different shapes raises :class:`BroadcastError`
carrying the explanation (``err.explanation``); ``mode="warn"`` issues a
:class:`BroadcastWarning` instead and lets it run. Equal shapes, Python scalars and 0-d tensors
are allowed. Leaving the block restores normal behaviour, also after an exception. Blocks nest:
the innermost decides (``strict("off")`` allows broadcasting again inside a strict block).

It is built on torch's function-mode hook (``torch.overrides.TorchFunctionMode``), so
``a * b``, ``torch.mul(a, b)``, ``a.mul(b)`` and ``a.mul_(b)`` are all seen. The operations
checked (:data:`CHECKED`): arithmetic ``add sub rsub mul div true_divide floor_divide remainder
fmod pow float_power`` (with their operator, reflected and in-place forms), comparisons ``eq ne
lt le gt ge`` (and ``greater``, ``less``… aliases), ``logical_and/or/xor``,
``bitwise_and/or/xor``, ``maximum minimum fmax fmin atan2 hypot copysign xlogy lerp``, and the
multi-operand ``where addcmul addcdiv``, and the element-wise losses of
``torch.nn.functional`` (:data:`LOSSES`: input against target, where torch itself only warns).
Not checked: ``@``/``matmul`` (its batch broadcasting
is part of its definition), indexing, reductions, ``masked_fill`` and in-place copies.

torch is imported when a block is entered, never before.

>>> import torch, broadcasting as bc
>>> with bc.strict():
...     ok = torch.ones(2, 3) * torch.ones(2, 3) + 1.0
...     torch.ones(3) * torch.ones(2, 3)
Traceback (most recent call last):
...
broadcasting.shapes.BroadcastError: implicit broadcasting in mul: a(3,) * B(2, 3) -> (2, 3): ...
>>> (torch.ones(3) * torch.ones(2, 3)).shape   # normal again outside
torch.Size([2, 3])
"""
from __future__ import annotations

import contextlib
import threading
import warnings
from functools import lru_cache

from ..errors import UsageError
from ..shapes import BroadcastError, format_shape
from .torch_ops import CHECKED, LOSSES, checked_functions, tensor_shapes

__all__ = ["strict", "BroadcastWarning", "CHECKED", "LOSSES", "MODES"]

MODES = ("raise", "warn", "off")

class BroadcastWarning(UserWarning):
    """Issued by ``strict(mode="warn")`` for each implicit broadcast between torch tensors."""


_local = threading.local()


def _active() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def _message(name: str, op: str | None, shapes) -> tuple[str, object] | None:
    from ..explain import explain
    try:
        e = explain(*shapes, op=op or "*")
    except BroadcastError:
        return None  # does not broadcast at all: torch raises its own error
    ops = f" {op} ".join if op else ", ".join
    given = ops(f"{o.name}{format_shape(o.shape)}" for o in e.plan.operands)
    explicit = next(f"{o.name}.expand{format_shape(e.result_shape)}" for o in e.plan.operands
                    if o.shape != e.result_shape)
    formula = f"; {e.index}" if op else ""
    formula += "".join(f"; {w.kind}: {w.message}" for w in e.warnings)
    text = (f"implicit broadcasting in {name}: {given} -> {format_shape(e.result_shape)}: "
            f"{e.copies}{formula}; make it explicit (e.g. {explicit}, or bc.einsum) or "
            f"leave strict mode")
    return text, e


@lru_cache(maxsize=1)
def _mode_class():
    from torch.overrides import TorchFunctionMode

    class _StrictMode(TorchFunctionMode):
        """The torch function mode behind one entered ``strict`` block."""

        def __init__(self, mode: str):
            super().__init__()
            self.mode = mode

        def __enter__(self):
            out = super().__enter__()
            _active().append(self)
            return out

        def __exit__(self, *exc):
            stack = _active()
            if stack and stack[-1] is self:
                stack.pop()
            return super().__exit__(*exc)

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            entry = checked_functions().get(func)
            stack = _active()
            if entry is not None and self.mode != "off" and stack and stack[-1] is self:
                self._check(entry, args, kwargs)
            return func(*args, **kwargs)

        def _check(self, entry, args, kwargs):
            import torch
            shapes = tensor_shapes(torch, entry[0], args, kwargs)
            if len(set(shapes)) <= 1:
                return
            found = _message(entry[0], entry[1], shapes)
            if found is None:
                return
            text, explanation = found
            if self.mode == "warn":
                warnings.warn(text, BroadcastWarning, stacklevel=4)
                return
            err = BroadcastError(text)
            err.explanation = explanation
            raise err

    return _StrictMode


class strict(contextlib.ContextDecorator):
    """Forbid (``mode="raise"``), report (``"warn"``) or allow again (``"off"``) implicit
    broadcasting between torch tensors; a context manager and a decorator.

    >>> import torch, warnings
    >>> with strict("warn"), warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     y = torch.ones(4, 1) - torch.ones(4)
    >>> caught[0].category.__name__, y.shape
    ('BroadcastWarning', torch.Size([4, 4]))
    """

    def __init__(self, mode: str = "raise"):
        if mode not in MODES:
            raise UsageError(f"strict mode {mode!r} is not one of {', '.join(MODES)}; "
                             f"use strict() to raise or strict('warn') to warn")
        self.mode = mode
        self._entered: list = []

    def __repr__(self) -> str:
        return f"strict(mode={self.mode!r})"

    def _recreate_cm(self):
        return strict(self.mode)  # each decorated call gets its own block

    def __enter__(self):
        mode = _mode_class()(self.mode)
        mode.__enter__()
        self._entered.append(mode)
        return self

    def __exit__(self, *exc):
        self._entered.pop().__exit__(*exc)
        return False
