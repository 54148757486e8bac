"""Trace a forward function once: its array arguments are wrapped in :class:`Traced`, which
computes every operation on the real arrays and records it as a :class:`~.graph.Node`.

numpy calls reach the wrapper through ``__array_ufunc__`` / ``__array_function__``, torch calls
through ``__torch_function__``, operators and methods through the wrapper's own methods. What
each spelling means is decided in :mod:`.spellings`; an operation it does not know stops the
trace with a :class:`~broadcasting.errors.DeriveError` naming it and its line.

>>> import numpy as np
>>> g = trace(lambda x, W: np.tanh(x @ W).sum(), np.ones(2), np.ones((2, 3)))
>>> [n.op for n in g.nodes]
['input', 'input', 'matmul', 'tanh', 'sum']
"""
from __future__ import annotations

import inspect
import linecache
import os
import sys
from collections import namedtuple

from ..errors import DeriveError
from .graph import Graph, Line, Node
from .composites import COMPOSITES
from .spellings import CONSTANT_LIKE, normalize

__all__ = ["Traced", "trace", "MaxResult"]

MaxResult = namedtuple("MaxResult", ["values", "indices"])
_HERE = os.path.dirname(os.path.abspath(__file__))


def _library_of(value) -> str | None:
    module = type(value).__module__
    if module.startswith("torch"):
        return "torch"
    if module.startswith("numpy"):
        return "numpy"
    return None


def _skipped_dirs() -> tuple[str, ...]:
    dirs = [os.path.join(_HERE, name) for name in ("tracer.py", "spellings.py", "composites.py")]
    for name in ("numpy", "torch", "einops"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            dirs.append(os.path.dirname(os.path.abspath(module.__file__)))
    return tuple(dirs)


def user_line() -> Line | None:
    """The line of the user's code that is running (the first frame outside this package and
    the array libraries)."""
    skip = _skipped_dirs()
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(skip):
        frame = frame.f_back
    if frame is None:
        return None
    name, lineno = frame.f_code.co_filename, frame.f_lineno
    return Line(name, lineno, linecache.getline(name, lineno).strip())


def _unwrap(x):
    if isinstance(x, Traced):
        return x._value
    if isinstance(x, (tuple, list)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    if isinstance(x, slice):
        return slice(_unwrap(x.start), _unwrap(x.stop), _unwrap(x.step))
    return x


class Recorder:
    """The nodes recorded so far, and the constants (arrays met that no argument produced)."""

    def __init__(self):
        self.nodes: list[Node] = []
        self.constants: dict[int, object] = {}
        self._const_ids: dict[int, int] = {}

    def add(self, op, inputs, params, value, line) -> "Traced":
        lib = _library_of(value)
        if lib is None or not hasattr(value, "shape"):
            raise DeriveError(f"{op} at {line} gave a {type(value).__name__}, not an array; "
                              f"derive follows numpy arrays and torch tensors only")
        node = Node(len(self.nodes), op, tuple(inputs), tuple(sorted(params.items())),
                    tuple(int(s) for s in value.shape), str(value.dtype).replace("torch.", ""),
                    lib, line)
        self.nodes.append(node)
        return Traced(self, node.id, value)

    def node_id(self, x) -> int:
        """The node of an operand: a traced array's own, or a new constant node."""
        if isinstance(x, Traced):
            return x._id
        key = id(x)
        if key not in self._const_ids:
            traced = self.add("const", (), {}, x, None)
            self.constants[traced._id] = x
            self._const_ids[key] = traced._id
        return self._const_ids[key]

    def call(self, name: str, real, args, kwargs):
        """Record ``name(*args, **kwargs)`` (computed by ``real`` on the unwrapped arrays)."""
        if name in CONSTANT_LIKE:  # a constant: its values do not depend on the argument's
            return real(*_unwrap(args), **_unwrap(kwargs))
        lib = next(_library_of(a._value) for a in _flat(args) if isinstance(a, Traced))
        if name in COMPOSITES and args and (isinstance(args[0], Traced) or (
                name in ("minimum", "outer") and isinstance(args[1:2] and args[1], Traced))):
            # written as covered operations
            if name == "where" and self.nodes[args[0]._id].op != "mask":
                raise DeriveError(f"where at {user_line()}: the condition must compare an "
                                  f"array with a number (x > 0) for derive")
            return COMPOSITES[name](lib, args, {**kwargs, "_name": name},
                                    lambda x, c: self._maximum(lib, x, c), user_line())
        line = user_line()
        spelled = normalize(name, args, kwargs, line, lib)
        value = real(*_unwrap(args), **_unwrap(kwargs))
        if spelled.op == "mask":  # 0/1 in the compared array's dtype: it multiplies arrays
            source = _unwrap(spelled.inputs[0])
            value = value.astype(source.dtype) if lib == "numpy" else value.to(source.dtype)
        inputs = [self.node_id(x) for x in spelled.inputs]
        if spelled.op == "max" and spelled.params.get("indices"):
            values = self.add("max", inputs, spelled.params, value[0], line)
            params = {k: v for k, v in spelled.params.items() if k != "indices"}
            return MaxResult(values, self.add("argmax", inputs, params, value[1], line))
        return self.add(spelled.op, inputs, spelled.params, value, line)


    def _maximum(self, lib: str, x, c):
        """``max(x, c)`` for a number ``c``, recorded as the covered ``maximum``."""
        if lib == "numpy":
            import numpy
            return self.call("maximum", numpy.maximum, (x, c), {})
        return self.call("maximum", lambda a, b: a.clamp(min=b), (x, c), {})


def _method(name):
    def method(self, *args, **kwargs):
        return self._rec.call(name, lambda s, *a, **k: getattr(s, name)(*a, **k),
                              (self,) + args, kwargs)
    method.__name__ = name
    return method


def _dunder(name, real):
    def method(self, *args):
        return self._rec.call(name, real, (self,) + args, {})
    method.__name__ = name
    return method


class Traced:
    """An array being traced: the real value plus the node that produced it."""

    __array_priority__ = 1000

    def __init__(self, recorder: Recorder, node_id: int, value):
        self._rec, self._id, self._value = recorder, node_id, value

    def __repr__(self) -> str:
        return f"Traced(#{self._id}, shape={self.shape}, dtype={self.dtype})"

    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def T(self):
        return self._rec.call("T", lambda s: s.T, (self,), {})

    @property
    def size(self):
        return self._value.size  # numpy: the element count; torch: the method size(dim)

    def dim(self) -> int:
        return self.ndim

    def __len__(self) -> int:
        return len(self._value)

    def __getitem__(self, index):
        return self._rec.call("getitem", lambda s, i: s[i], (self, index), {})

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            raise DeriveError(f"np.{ufunc.__name__}.{method} at {user_line()} is not covered")
        return self._rec.call(ufunc.__name__, ufunc, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return self._rec.call(func.__name__, func, args, kwargs)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        args, kwargs = tuple(args), dict(kwargs or {})
        if "input" in kwargs:  # torch.sum(input=x): the input first, as the spellings read it
            args = (kwargs.pop("input"),) + args
        recorder = next(a._rec for a in _flat((*args, *kwargs.values()))
                        if isinstance(a, Traced))
        return recorder.call(getattr(func, "__name__", str(func)), func, args, kwargs)

    def __array__(self, *args, **kwargs):
        raise DeriveError(f"converting a traced array to a plain array at {user_line()} "
                          f"hides the operation from derive; use array operations")

    def _refuse(self, *args, **kwargs):
        raise DeriveError(f"using an array's value in Python (bool, float, int, item, tolist, "
                          f"iteration) at {user_line()}: derive needs array operations only")

    __bool__ = __float__ = __int__ = __index__ = __iter__ = item = tolist = numpy = _refuse

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise DeriveError(f"the method .{name} at {user_line()} is not covered by derive")


for _name in ("sum", "mean", "max", "amax", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
              "relu", "reshape", "view", "flatten", "squeeze", "unsqueeze", "ravel", "transpose",
              "permute", "swapaxes", "t", "softmax", "log_softmax", "neg", "__neg__", "__pos__",
              "__abs__", "pow", "mul", "add", "sub", "div", "matmul", "mm", "dot", "clamp",
              "square", "var", "std", "clip", "logsumexp", "chunk", "split", "amax", "copy",
              "clone", "log1p"):
    setattr(Traced, _name, _method(_name))

for _name in ("add", "sub", "mul", "truediv", "matmul", "pow"):
    _op = {"truediv": "div"}.get(_name, _name)
    setattr(Traced, f"__{_name}__",
            _dunder(_op, lambda a, b, _n=_name: getattr(a, f"__{_n}__")(b)))
    setattr(Traced, f"__r{_name}__",
            _dunder(f"r{_op}", lambda a, b, _n=_name: getattr(a, f"__r{_n}__")(b)))
for _name in ("lt", "le", "gt", "ge", "eq", "ne", "floordiv", "mod"):
    setattr(Traced, f"__{_name}__",
            _dunder(_name, lambda a, b, _n=_name: getattr(a, f"__{_n}__")(b)))
Traced.__hash__ = object.__hash__


def _flat(args):
    for a in args:
        if isinstance(a, (tuple, list)):
            yield from _flat(a)
        else:
            yield a


def _names(f, n: int) -> tuple[str, ...]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    return tuple(names + [f"arg{k}" for k in range(len(names), n)])


def trace(f, *args) -> Graph:
    """Call ``f`` once on ``args`` (numpy arrays, torch tensors, numbers) and return its graph."""
    recorder, wrapped, inputs = Recorder(), [], []
    names = _names(f, len(args))
    for name, a in zip(names, args):
        if _library_of(a) and hasattr(a, "shape"):
            traced = recorder.add("input", (), {"name": name}, a, None)
            inputs.append((name, traced._id))
            wrapped.append(traced)
        else:
            wrapped.append(a)
    if not inputs:
        raise DeriveError("derive needs at least one numpy array or torch tensor argument")
    libs = {recorder.nodes[k].lib for _, k in inputs}
    if len(libs) > 1:
        raise DeriveError("the arguments mix numpy arrays and torch tensors; give one library")
    result = f(*wrapped)
    if not isinstance(result, Traced):
        raise DeriveError(f"{getattr(f, '__name__', 'f')} returned a {type(result).__name__}, not "
                          f"an array computed from its arguments; derive needs one array result")
    return Graph(tuple(recorder.nodes), names, tuple(inputs), result._id,
                 tuple(recorder.constants.items()), getattr(f, "__name__", "f"))
