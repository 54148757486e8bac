"""Dtype proofs by execution on tiny stand-ins ("probes").

A probe is an array of the recorded kind and dtype with every axis of size 1 (or a number of
the recorded Python/numpy type). The dtype of the original product and of the emitted explicit
form are both obtained by *running* them on probes, so the rules of numpy (NEP 50) and torch
(0-d tensors and Python numbers are weak, einsum is not) are never re-implemented here.

>>> import numpy as np
>>> from broadcasting.trace import Operand
>>> p = probe(Operand("numpy", "ndarray", (2, 3), "float32"))
>>> p.shape, p.dtype
((1, 1), dtype('float32'))
>>> probe(Operand("number", "float"))
1.0
"""
from __future__ import annotations

import sys

from ..trace import Operand

__all__ = ["probe", "dtype_of", "run_probe"]

_PY_NUMBERS = {"int": 1, "float": 1.0, "complex": 1j, "bool": True}


def probe(op: Operand):
    """A stand-in for ``op`` with the same kind, rank and dtype (sizes all 1)."""
    if op.kind == "numpy":
        import numpy as np
        return np.zeros((1,) * len(op.shape), dtype=np.dtype(op.dtype or "float64"))
    if op.kind == "torch":
        import torch
        dtype = getattr(torch, (op.dtype or "torch.float32").split(".", 1)[-1])
        return torch.zeros((1,) * len(op.shape), dtype=dtype)
    if op.kind == "number":
        if op.type_name in _PY_NUMBERS:
            return _PY_NUMBERS[op.type_name]
        np = sys.modules.get("numpy")
        scalar = getattr(np, op.type_name, None) if np is not None else None
        if scalar is not None:
            return scalar(1)
    raise TypeError(f"no probe for a {op.type_name}")


def dtype_of(value) -> str:
    """The dtype of a probe result as the tracer writes it (``'float32'``, ``'torch.float32'``),
    or the type name of a number."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or not hasattr(value, "shape"):
        return type(value).__name__
    return str(dtype)


def run_probe(code: str, names: dict) -> str | None:
    """Evaluate ``code`` with ``names`` bound; the dtype of the result, or None if it raises."""
    try:
        return dtype_of(eval(code, dict(names)))  # noqa: S307 - our own generated expression
    except Exception:  # the form does not run on these operands: not provably the same
        return None
