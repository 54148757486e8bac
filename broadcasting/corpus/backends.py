"""Which libraries a run checks against, conversions to torch, and per-dtype comparison.

>>> import numpy as np
>>> b = Backends(("numpy",))
>>> b.use("numpy"), b.use("torch")
(True, False)
>>> b.close(np.array([1.0, np.nan]), np.array([1.0 + 1e-15, np.nan]))
True
>>> b.close(np.zeros((2, 3)), np.zeros((3, 2)))
False
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError

__all__ = ["Backends", "ALL_BACKENDS", "TOLERANCES", "tolerance"]

#: numpy: ``*``/``@`` and ``np.einsum``; torch: ``*``/``@``, ``torch.einsum`` and autograd;
#: einops: ``einops.einsum``; bc: ``bc.einsum``, ``bc.multiply``, ``bc.unbroadcast``.
#: The index oracle and the library's own derivation are always checked.
ALL_BACKENDS = ("numpy", "torch", "einops", "bc")

#: (rtol, atol) per dtype kind and size; integers and bools compare exactly
TOLERANCES = {"float16": (2e-3, 2e-3), "float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13),
              "complex64": (1e-5, 1e-6), "complex128": (1e-12, 1e-13)}


_TOL = {np.dtype(k): v for k, v in TOLERANCES.items()}


def _nan(x: np.ndarray) -> np.ndarray:
    return np.isnan(x) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)


def tolerance(dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing values of ``dtype``; (0, 0) for exact dtypes.

    >>> tolerance("float32"), tolerance("int8")
    ((1e-05, 1e-06), (0.0, 0.0))
    """
    return _TOL.get(np.dtype(dtype), (0.0, 0.0))


def _torch():
    import torch
    return torch


@dataclass(frozen=True)
class Backends:
    """The backends a run checks against and the device of the torch side."""

    names: tuple[str, ...] = ALL_BACKENDS
    device: str = "cpu"
    #: whether to check the claims against what the library derives today (the torch side of
    #: a parallel run leaves this to the numpy side)
    derive: bool = True
    #: whether a torch worker of this run checks the torch side (work that needs torch anyway,
    #: like the ``programs`` routes, is then left to it)
    torch_elsewhere: bool = False
    #: whether a numpy worker of this run checks the numpy side (the torch side then compares
    #: with numpy's results and leaves the numpy routes of ``programs`` cases to it)
    numpy_elsewhere: bool = False

    def __post_init__(self):
        bad = [n for n in self.names if n not in ALL_BACKENDS]
        if bad:
            raise UsageError(f"unknown backend {bad[0]!r}; choose among {', '.join(ALL_BACKENDS)}")

    def __repr__(self) -> str:
        return f"Backends({', '.join(self.names)}; torch on {self.device})"

    def use(self, name: str) -> bool:
        """Whether ``name`` is checked in this run."""
        return name in self.names

    @property
    def torch_side(self) -> bool:
        """Whether these are the torch side's backends in a parallel run whose numpy workers
        hold numpy's results to the index oracle (this side compares with those results).

        >>> Backends(("torch",), numpy_elsewhere=True).torch_side, Backends().torch_side
        (True, False)
        """
        return self.numpy_elsewhere and not self.use("numpy")

    @property
    def torch(self):
        """The torch module (imported on first use)."""
        return _torch()

    def tensor(self, x, requires_grad: bool = False):
        """A numpy array as a torch tensor on this run's device."""
        x = np.asarray(x)
        t = _torch().from_numpy(x if x.flags.c_contiguous else np.ascontiguousarray(x))
        if self.device != "cpu":
            t = t.to(self.device)
        return t.requires_grad_() if requires_grad else t

    @staticmethod
    def numpy(x) -> np.ndarray:
        """Any result (numpy, torch on any device, Python number) as a numpy array."""
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(x, torch.Tensor):
            if x.device.type == "cpu" and not x.requires_grad and not x.is_conj() \
                    and x.dtype != torch.complex32:
                return x.numpy()
            x = x.detach().cpu().resolve_conj()
            if x.dtype == torch.complex32:  # numpy has no complex32
                x = x.to(torch.complex64)
            return x.numpy()
        return np.asarray(x)

    @staticmethod
    def close(actual, expected, dtype=None) -> bool:
        """Same shape and values within the tolerance of ``dtype`` (default: expected's); NaN
        equals NaN."""
        a, e = Backends.numpy(actual), Backends.numpy(expected)
        if a.shape != e.shape:
            return False
        if a.dtype == e.dtype and a.tobytes() == e.tobytes():  # bit-identical: the common case
            return True
        rtol, atol = _TOL.get(e.dtype if dtype is None else np.dtype(dtype), (0.0, 0.0))
        if a.dtype.kind not in "fc" and e.dtype.kind not in "fc":
            return bool((a == e).all())
        with np.errstate(all="ignore"):  # inf - inf is NaN: infinities must be equal
            near = (abs(a - e) <= atol + rtol * abs(e)) & np.isfinite(e)
            same = (a == e) | near | (_nan(a) & _nan(e))
        return bool(same.all())

    def differ(self, what: str, actual, expected, dtype=None) -> list[str]:
        """``[]`` when ``actual`` matches ``expected``, else one line saying what differed."""
        if self.close(actual, expected, dtype):
            return []
        a, e = self.numpy(actual), self.numpy(expected)
        if a.shape != e.shape:
            return [f"{what}: shape {tuple(a.shape)}, expected {tuple(e.shape)}"]
        return [f"{what}: values differ (max |diff| {_max_diff(a, e):.3g})"]


def _max_diff(a: np.ndarray, e: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        d = np.abs(a.astype(np.complex128) - e.astype(np.complex128))
    return float(np.nanmax(d)) if d.size and not np.isnan(d).all() else float("nan")
