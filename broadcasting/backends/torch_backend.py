"""torch adapter (torch is imported only when a tensor was already seen)."""
from __future__ import annotations

from functools import lru_cache

from .base import Backend, fold_python_numbers


@lru_cache(maxsize=256)
def _probe(dtype, kind: str):
    """A tiny tensor standing for a partial product: ``kind`` is 'dim' or 'zero' (0-d)."""
    import torch
    return torch.empty((1,) if kind == "dim" else (), dtype=dtype)


def _probe_of(x):
    import torch
    if isinstance(x, torch.Tensor):
        return _probe(x.dtype, "dim" if x.dim() else "zero")
    if hasattr(x, "dtype") and hasattr(x, "item"):  # numpy scalar: torch treats it as a number
        return x.item()
    return x


class TorchBackend(Backend):
    name = "torch"

    def einsum(self, equation, operands, dtype):
        import torch
        # torch.einsum promotes a 0-d float64 tensor with float32 to float64, * does not:
        # bring every operand to the dtype * gives before contracting.
        # torch has no bool or complex32 contraction: work wider, then come back
        work = {torch.bool: torch.int64, torch.complex32: torch.complex64}.get(dtype, dtype)
        ops = [x.to(work) if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=work)
               for x in operands]
        device = next((x.device for x in operands if isinstance(x, torch.Tensor)), None)
        if device is not None:
            ops = [x.to(device) for x in ops]
        out = torch.einsum(equation, *ops)
        if dtype == torch.bool:
            return out != 0
        return out if out.dtype == dtype else out.to(dtype)  # integer sums promote to int64

    def result_dtype(self, operands):
        import torch
        operands = fold_python_numbers(operands)
        acc = _probe_of(operands[0])
        for x in operands[1:]:
            x = _probe_of(x)
            dtype = torch.result_type(acc, x)
            dims = [p.dim() for p in (acc, x) if isinstance(p, torch.Tensor)]
            acc = _probe(dtype, "dim" if any(dims) else "zero")
        return acc.dtype if isinstance(acc, torch.Tensor) else torch.tensor(acc).dtype

    def cast(self, x, dtype):
        return x.to(dtype)

    def sum(self, x, axes, keepdims):
        return x.sum(dim=axes, keepdim=keepdims, dtype=x.dtype) if axes else x

    def permute(self, x, order):
        return x.permute(order)

    def reshape(self, x, shape):
        return x.reshape(shape)
