"""How a case's ``seed`` becomes arrays, and dtype names shared by numpy and torch.

>>> a, b = make_arrays({"seed": 1, "shapes": [[2], [3, 1]], "dtypes": ["float32", "int8"]})
>>> a.dtype, b.shape, b.dtype
(dtype('float32'), (3, 1), dtype('int8'))
>>> bool((make_arrays({"seed": 1, "shapes": [[2]], "dtypes": ["float64"]})[0] ==
...       make_arrays({"seed": 1, "shapes": [[2]], "dtypes": ["float64"]})[0]).all())
True
"""
from __future__ import annotations

import numpy as np

__all__ = ["DTYPES", "values", "make_arrays", "rng_of"]

#: the dtypes the corpus uses, by the name numpy and torch share
DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64",
          "complex128")


def rng_of(case: dict) -> np.random.Generator:
    """The generator every array of a case is drawn from, in order."""
    return np.random.default_rng(case["seed"])


def values(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    """One array of ``shape`` and ``dtype`` drawn from ``rng``.

    Floats: standard normal, then cast; complex: normal real and imaginary parts; signed ints:
    integers in [-5, 5]; unsigned: [0, 10]; bool: a fair coin.

    >>> values(np.random.default_rng(0), (3,), "uint8").dtype
    dtype('uint8')
    """
    return np.asarray(_draw(rng, tuple(shape), dtype))


def _draw(rng: np.random.Generator, shape: tuple[int, ...], dtype: str):
    kind = np.dtype(dtype).kind
    if kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if kind == "b":
        return rng.random(shape) < 0.5
    low = 0 if kind == "u" else -5
    return rng.integers(low, low + 11, size=shape).astype(dtype)


def make_arrays(case: dict, rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """The operands of a case: ``values(rng, shapes[k], dtypes[k])`` for each k, in order."""
    rng = rng_of(case) if rng is None else rng
    return [values(rng, s, d) for s, d in zip(case["shapes"], case["dtypes"])]
