"""``strict``: a guard under which implicit broadcasting between torch tensors is an error.

Inside ``with bc.strict(level):`` (or a function decorated with ``@bc.strict(level)``) the
element-wise torch operations whose tensor operands have different shapes are checked at one of
three levels:

- ``"outer"`` — only what the audit warns about: accidental outer products
  (``(n, 1) - (n,) -> (n, n)``), ambiguous alignment (a reduction without keepdims broadcast
  back onto the wrong axis of a square array, also spelled ``expand_as``), loss input/target
  shape mismatches, misaligned rank promotion. Judged as the audit judges: from the program's
  source at the line that made the call (explicit ``[:, None]``/``unsqueeze`` at the site
  make an outer product intended; ``# broadcasting: ok`` silences a line). Every ordinary
  idiom passes (bias rows, ``(B, 1, 1, T)`` attention masks, ``(C, 1, 1)`` normalisation,
  keepdim reductions, explicit pairwise losses, length and label masks). Choose it for real
  code and test suites: it stops the bugs, not the broadcasting.
- ``"rank"`` — no implicit rank promotion: operands must have the same number of axes;
  size-1 axes may stretch (JAX's ``jax_numpy_rank_promotion="raise"``). Choose it to make
  every new axis visible in the code (``b[None, :]``).
- ``"all"`` (the default, and what ``bc.strict()`` always did) — any two different shapes.
  Choose it for code that must be broadcast-free (every broadcast written as an einsum).

``mode="raise"`` raises :class:`BroadcastError` carrying the explanation (``err.explanation``);
``mode="warn"`` issues a :class:`BroadcastWarning` (at the program's line) and lets it run;
``mode="off"`` allows broadcasting again inside a strict block. ``strict("warn")`` and
``strict("off")`` keep their old meaning (level ``"all"``). Equal shapes, Python scalars and
0-d tensors are always allowed. Leaving the block restores normal behaviour, also after an
exception. Blocks nest: the innermost decides.

It is built on torch's function-mode hook (``torch.overrides.TorchFunctionMode``), so
``a * b``, ``torch.mul(a, b)``, ``a.mul(b)`` and ``a.mul_(b)`` are all seen. The operations
checked (:data:`CHECKED`): arithmetic ``add sub rsub mul div true_divide floor_divide remainder
fmod pow float_power`` (with their operator, reflected and in-place forms), comparisons ``eq ne
lt le gt ge`` (and ``greater``, ``less``… aliases), ``logical_and/or/xor``,
``bitwise_and/or/xor``, ``maximum minimum fmax fmin atan2 hypot copysign xlogy lerp``, and the
multi-operand ``where addcmul addcdiv``, and the element-wise losses of
``torch.nn.functional`` (:data:`LOSSES`: input against target, where torch itself only warns).
Not checked: ``@``/``matmul`` (its batch broadcasting
is part of its definition), indexing, reductions, ``masked_fill`` and in-place copies; level
``"outer"`` also judges ``masked_fill`` (the mask against the tensor), ``expand_as``/``expand``/
``broadcast_to`` and ``broadcast_tensors`` (the parameters of ``torch.distributions``) as the
audit does.

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
>>> x, b = torch.ones(8, 3), torch.ones(3)
>>> with bc.strict("outer"):
...     h = x + b                                 # a bias row: allowed
...     pred, y = torch.ones(8, 1), torch.ones(8)
...     err = pred - y
Traceback (most recent call last):
...
broadcasting.shapes.BroadcastError: <doctest ...>:4:11: accidental-outer-product: pred(8, 1) - y(8,) -> (8, 8) is an outer product...
>>> with bc.strict("rank"):
...     m = torch.ones(8, 3) * torch.ones(8, 1)   # size-1 stretching: allowed
...     h = x + b
Traceback (most recent call last):
...
broadcasting.shapes.BroadcastError: implicit rank promotion in add: ...
"""
import contextlib
import os
import threading
import warnings
from functools import lru_cache

from ..errors import UsageError
from ..shapes import BroadcastError, format_shape
from .torch_ops import CHECKED, LOSSES, checked_entry, recorded_functions, tensor_shapes

__all__ = ["strict", "BroadcastWarning", "CHECKED", "LOSSES", "MODES", "LEVELS", "collecting"]

MODES = ("raise", "warn", "off")
LEVELS = ("outer", "rank", "all")

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


def _torch():
    import torch
    return torch


def _rank_message(name: str, op: str | None, shapes) -> tuple[str, object] | None:
    """For ``strict("rank")``: the message when the operands' ranks differ, else None."""
    from ..explain import explain
    if len({len(s) for s in shapes}) == 1:
        return None
    try:
        e = explain(*shapes, op=op or "*")
    except BroadcastError:
        return None
    given = (f" {op} ".join if op else ", ".join)(
        f"{o.name}{format_shape(o.shape)}" for o in e.plan.operands)
    fixes = ", ".join(f"{o.name}[{', '.join(['None'] * len(o.new) + [':'] * len(o.shape))}]"
                      for o in e.plan.operands if o.new)
    return (f"implicit rank promotion in {name}: {given} -> {format_shape(e.result_shape)}: "
            f"{e.copies}; write the new axes ({fixes}) or use strict('outer')", e)


def _outer_message(name: str, op: str | None, shapes, role: str = "operands"):
    """For ``strict("outer")``: the audit's warning at the program's line, else None."""
    import torch
    from .live import judge_here, program_frame
    frame = program_frame((os.path.dirname(torch.__file__), contextlib.__file__))
    found = None if frame is None else judge_here(frame, name, op, shapes, role)
    if found is None or not found.finding.is_warning:
        return None
    return found, frame


def _warn_at_program(text: str) -> None:
    """A :class:`BroadcastWarning` at the program's line (the nearest frame outside torch)."""
    from .live import program_frame
    frame = program_frame((os.path.dirname(_torch().__file__), contextlib.__file__))
    if frame is None:
        warnings.warn(text, BroadcastWarning, stacklevel=2)
    else:
        warnings.warn_explicit(text, BroadcastWarning, frame.f_code.co_filename, frame.f_lineno)


@lru_cache(maxsize=1)
def _mode_class():
    from torch.overrides import TorchFunctionMode

    class _StrictMode(TorchFunctionMode):
        """The torch function mode behind one entered ``strict`` block."""

        def __init__(self, level: str, mode: str, sink=None):
            super().__init__()
            self.level, self.mode, self.sink = level, mode, sink

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
            entry = checked_entry(func, args, kwargs)
            stack = _active()
            if entry is not None and self.mode != "off" and stack and stack[-1] is self:
                self._check(entry, args, kwargs)
            elif self.level == "outer" and self.mode != "off" and stack and stack[-1] is self:
                return self._expansion(func, args, kwargs)
            return func(*args, **kwargs)

        def _expansion(self, func, args, kwargs):
            """``expand_as``/``expand``/``broadcast_to`` judged as the audit does; and
            ``broadcast_tensors`` (distributions): an accidental outer product only."""
            out = func(*args, **kwargs)
            kind, name = recorded_functions().get(func, (None, None))
            if kind == "expand" and hasattr(args[0], "shape") and \
                    tuple(args[0].shape) != tuple(out.shape):
                self._outer((name, None), (tuple(args[0].shape), tuple(out.shape)), "expand")
            elif kind in ("params", "mask"):
                shapes = tensor_shapes(_torch(), name, args[:2] if kind == "mask" else args,
                                       {} if kind == "mask" else kwargs)
                if len(set(shapes)) > 1:
                    self._outer((name, None), shapes, "params" if kind == "params" else "operands")
            return out

        def _check(self, entry, args, kwargs):
            import torch
            shapes = tensor_shapes(torch, entry[0], args, kwargs)
            if len(set(shapes)) <= 1:
                return
            if self.level == "outer":
                return self._outer(entry, shapes)
            found = (_rank_message if self.level == "rank" else _message)(entry[0], entry[1], shapes)
            if found is not None:
                self._report(*found)

        def _outer(self, entry, shapes, role="operands"):
            found = _outer_message(entry[0], entry[1], shapes, role)
            if found is None:
                return
            live, frame = found
            if self.sink is not None:
                self.sink.append(live)
                return
            if self.mode == "warn":
                _warn_at_program(str(live))
                return
            from ..explain import explain
            self._report(str(live), explain(*shapes, op=entry[1] or "*"))

        def _report(self, text, explanation):
            if self.mode == "warn":
                _warn_at_program(text)
                return
            err = BroadcastError(text)
            err.explanation = explanation
            raise err

    return _StrictMode


class strict(contextlib.ContextDecorator):
    """Forbid (``mode="raise"``), report (``"warn"``) or allow again (``"off"``) implicit
    broadcasting between torch tensors, at a ``level``: ``"outer"`` (only what the audit
    warns about), ``"rank"`` (no implicit rank promotion) or ``"all"`` (the default: any two
    different shapes); a context manager and a decorator. ``strict("warn")``/``strict("off")``
    name the mode, as before.

    >>> import torch, warnings
    >>> with strict("warn"), warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     y = torch.ones(4, 1) - torch.ones(4)
    >>> caught[0].category.__name__, y.shape
    ('BroadcastWarning', torch.Size([4, 4]))
    >>> strict("outer", mode="warn")
    strict('outer', mode='warn')
    """

    def __init__(self, level: str = "all", mode: str | None = None):
        if level in MODES and mode is None:
            level, mode = "all", level  # strict("warn"): the mode, as before levels existed
        mode = "raise" if mode is None else mode
        if level not in LEVELS:
            raise UsageError(f"strict mode {level!r} is not a level ({', '.join(LEVELS)}) nor a "
                             f"mode ({', '.join(MODES)}); use strict('outer') for real code, "
                             f"strict() to refuse every broadcast")
        if mode not in MODES:
            raise UsageError(f"strict mode {mode!r} is not one of {', '.join(MODES)}; "
                             f"use strict() to raise or strict('warn') to warn")
        self.level, self.mode = level, mode
        self._sink = None
        self._entered: list = []

    def __repr__(self) -> str:
        return f"strict({self.level!r}, mode={self.mode!r})"

    def _recreate_cm(self):
        copy = strict(self.level, self.mode)  # each decorated call gets its own block
        copy._sink = self._sink
        return copy

    def __enter__(self):
        mode = _mode_class()(self.level, self.mode, self._sink)
        mode.__enter__()
        self._entered.append(mode)
        return self

    def __exit__(self, *exc):
        self._entered.pop().__exit__(*exc)
        return False


def collecting(sink: list) -> strict:
    """A ``strict("outer")`` block that appends each finding (a ``LiveFinding``: file and
    audit finding) to ``sink`` instead of raising: the pytest plugin's audit.

    >>> import torch
    >>> found = []
    >>> with collecting(found):
    ...     d = torch.ones(3, 1) - torch.ones(3)
    >>> [(f.finding.kind, f.finding.shapes) for f in found]
    [('accidental-outer-product', ((3, 1), (3,)))]
    """
    guard = strict("outer", "warn")
    guard._sink = sink
    return guard
