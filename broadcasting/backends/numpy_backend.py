"""numpy adapter."""
from __future__ import annotations

from .base import Backend, fold_python_numbers


class NumpyBackend(Backend):
    name = "numpy"

    def einsum(self, equation, operands, dtype):
        import numpy as np
        # Python numbers become 0-d arrays of the result dtype: np.einsum would otherwise make
        # float64 of a Python float next to float32, while * keeps float32 (NEP 50).
        ops = [x if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x, dtype=dtype)
               for x in operands]
        out = np.einsum(equation, *ops, optimize=len(ops) > 2)
        out = np.asarray(out)
        return out if out.dtype == dtype else out.astype(dtype)

    def result_dtype(self, operands):
        import numpy as np
        operands = fold_python_numbers(operands)
        dtype = operands[0]
        for x in operands[1:]:
            dtype = np.result_type(dtype, x)
            # after the first step the partial product is an array of that dtype
        if not isinstance(dtype, np.dtype):
            dtype = np.result_type(dtype)
        return dtype

    def cast(self, x, dtype):
        return x.astype(dtype)

    def sum(self, x, axes, keepdims):
        return x.sum(axis=axes, keepdims=keepdims, dtype=x.dtype) if axes else x

    def permute(self, x, order):
        return x.transpose(order)

    def reshape(self, x, shape):
        return x.reshape(shape)
