"""Thin adapters for numpy and torch, looked up lazily.

A backend is only touched when its module is already imported (einops' ``sys.modules``
trick): asking whether ``x`` is a torch tensor never imports torch.

>>> import numpy as np
>>> backend_of(np.ones(2)).name
'numpy'
>>> backend_of(2.0) is None
True
"""
from __future__ import annotations

import sys
from typing import Any

from .base import Backend
from .numpy_backend import NumpyBackend
from .torch_backend import TorchBackend

__all__ = ["Backend", "backend_of", "backend_for", "is_array", "NUMPY", "TORCH"]

NUMPY = NumpyBackend()
TORCH = TorchBackend()


def backend_of(x: Any) -> Backend | None:
    """The backend of one array, or ``None`` for anything that is not a numpy/torch array."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(x, (np.ndarray, np.generic)):
        return NUMPY
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return TORCH
    return None


def is_array(x: Any) -> bool:
    """Whether ``x`` is a numpy ndarray or a torch tensor (not a number or a numpy scalar).

    >>> import numpy as np
    >>> is_array(np.ones(2)), is_array(np.float32(1)), is_array(1.0)
    (True, False, False)
    """
    np = sys.modules.get("numpy")
    if np is not None and isinstance(x, np.ndarray):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def backend_for(operands) -> Backend:
    """The one backend of a list of operands (Python numbers go with anything; numpy by default).

    Mixing numpy arrays and torch tensors is refused with a one-line TypeError.
    """
    found = None
    for k, x in enumerate(operands):
        b = backend_of(x)
        if b is None or b is found:
            continue
        if found is None:
            found = b
        elif b is TORCH or found is TORCH:
            if b is NUMPY and not isinstance(x, sys.modules["numpy"].ndarray):
                continue  # numpy scalars mix with tensors like Python numbers
            if found is NUMPY and not any(isinstance(y, sys.modules["numpy"].ndarray) for y in operands):
                found = b
                continue
            raise TypeError(f"operand {k} is a {type(x).__name__} but an earlier operand is a "
                            f"{found.name} array: convert one side (torch.from_numpy(a) or t.numpy())")
    return found or NUMPY
