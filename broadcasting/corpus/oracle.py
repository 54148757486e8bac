"""The index oracle: results computed with no broadcasting at all.

Every operand is gathered into a full-size array by explicit index maps: for each point of the
result (and, for ``@``, of the contracted axis) the flat index of the operand element it reads,
from ``np.indices`` and right-alignment (an axis of size 1 always reads index 0; an equal axis
reads the result's index). The arithmetic then runs on arrays of identical shape. The oracle
takes the *claimed* result shape, so a wrong claim cannot be computed.

>>> import numpy as np
>>> a, B = np.array([1.0, 2.0, 3.0]), np.arange(6.0).reshape(2, 3)
>>> oracle_value("*", [a, B], (2, 3))
array([[ 0.,  2.,  6.],
       [ 3.,  8., 15.]])
>>> oracle_value("@", [a, B.T], (2,))
array([ 8., 26.])
>>> oracle_value("*", [a, B], (3, 2))
Traceback (most recent call last):
...
broadcasting.corpus.oracle.OracleMismatch: operand 0 of shape (3,) does not fit the claimed result (3, 2): axis 0 has 3 vs 2
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache, reduce

import numpy as np

from ..ops import BY_SYMBOL

__all__ = ["OracleMismatch", "IndexMaps", "index_maps", "oracle_value", "oracle_grads", "BINARY"]

#: the elementwise operators of the corpus, applied to same-shape arrays
BINARY = {s: getattr(operator, BY_SYMBOL[s].function) for s in ("*", "+", "-", "/")}


class OracleMismatch(ValueError):
    """The operand shapes cannot be read at the claimed result's indices."""


@dataclass(frozen=True)
class IndexMaps:
    """Flat index arrays over the grid (the result, plus the contracted axis for ``@``)."""

    grid: tuple[int, ...]
    operands: tuple[np.ndarray, ...]  # each of shape ``grid``, indexing the raveled operand
    result: np.ndarray                # of shape ``grid``, indexing the raveled result

    def __repr__(self) -> str:
        return f"IndexMaps(grid={self.grid}, operands={len(self.operands)})"


def _flat(grid_index: np.ndarray, axes: list, shape: tuple[int, ...], grid: tuple[int, ...]):
    """Flat index into an array of ``shape`` whose axis d reads grid axis ``axes[d]`` (or 0 for
    ``None``)."""
    flat = np.zeros(grid, dtype=np.intp)
    stride = 1
    for d in range(len(shape) - 1, -1, -1):
        if axes[d] is not None:
            flat += grid_index[axes[d]] * stride
        stride *= shape[d]
    return flat


def _aligned_axes(k: int, shape, target: tuple[int, ...], first: int, claim) -> list:
    """Grid axes read by ``shape`` right-aligned on ``target`` (which starts at grid axis
    ``first``): size 1 reads 0 (None), an equal size reads the grid axis."""
    off = len(target) - len(shape)
    if off < 0:
        raise OracleMismatch(f"operand {k} of shape {tuple(shape)} has more axes than the claimed "
                             f"result {claim}")
    axes = []
    for d, size in enumerate(shape):
        if size == target[off + d]:
            axes.append(first + off + d)
        elif size == 1:
            axes.append(None)
        else:
            raise OracleMismatch(f"operand {k} of shape {tuple(shape)} does not fit the claimed "
                                 f"result {claim}: axis {d} has {size} vs {target[off + d]}")
    return axes


def index_maps(op: str, shapes: tuple, result_shape: tuple) -> IndexMaps:
    """The flat index maps of ``op`` over operands of ``shapes`` into ``result_shape`` (cached;
    every elementwise operator shares the same maps)."""
    return _index_maps(op == "@", shapes, result_shape)


@lru_cache(maxsize=4096)
def _index_maps(matmul: bool, shapes: tuple, result_shape: tuple) -> IndexMaps:
    if not matmul:
        grid = tuple(result_shape)
        gi = np.indices(grid)
        maps = tuple(_flat(gi, _aligned_axes(k, s, grid, 0, result_shape), s, grid)
                     for k, s in enumerate(shapes))
        return IndexMaps(grid, maps, _flat(gi, list(range(len(grid))), grid, grid))
    return _matmul_maps(shapes, tuple(result_shape))


def _matmul_maps(shapes, result_shape) -> IndexMaps:
    left, right = shapes
    if not left or not right or left[-1] != (right[-2] if len(right) >= 2 else right[0]):
        raise OracleMismatch(f"@ of {left} and {right}: the contracted sizes differ")
    rows, cols = len(left) >= 2, len(right) >= 2
    nb = len(result_shape) - rows - cols
    if nb < 0:
        raise OracleMismatch(f"the claimed result {result_shape} has too few axes for @ of "
                             f"{left} and {right}")
    batch = result_shape[:nb]
    if (rows and result_shape[nb] != left[-2]) or (cols and result_shape[-1] != right[-1]):
        raise OracleMismatch(f"the claimed result {result_shape} does not end with the rows of "
                             f"{left} and the columns of {right}")
    grid = result_shape + (left[-1],)
    gi = np.indices(grid)
    kax = len(grid) - 1
    lax = (_aligned_axes(0, left[:-2], batch, 0, result_shape) + [nb] if rows else []) + [kax]
    rax = (_aligned_axes(1, right[:-2], batch, 0, result_shape) + [kax, len(result_shape) - 1]
           if cols else [kax])
    maps = (_flat(gi, lax, left, grid), _flat(gi, rax, right, grid))
    return IndexMaps(grid, maps, _flat(gi, list(range(len(result_shape))), result_shape, grid))


def _gathered(arrays, maps: IndexMaps) -> list[np.ndarray]:
    return [np.asarray(x).reshape(-1)[m] for x, m in zip(arrays, maps.operands)]


def oracle_value(op: str, arrays, result_shape) -> np.ndarray:
    """``arrays[0] op arrays[1] op …`` computed on gathered full-size arrays (no broadcasting)."""
    maps = index_maps(op, tuple(np.shape(x) for x in arrays), tuple(result_shape))
    full = _gathered(arrays, maps)
    if op == "@":
        return np.sum(full[0] * full[1], axis=-1, dtype=full[0].dtype)
    return reduce(BINARY[op], full)


def oracle_grads(op: str, arrays, grad, result_shape) -> list[np.ndarray]:
    """The gradient of a ``*`` or ``@`` product w.r.t. each operand, by scattering
    ``grad · (product of the other operands)`` back to the element each point read."""
    maps = index_maps(op, tuple(np.shape(x) for x in arrays), tuple(result_shape))
    full = _gathered(arrays, maps)
    g = np.asarray(grad).reshape(-1)[maps.result]
    out = []
    for k, x in enumerate(arrays):
        contrib = reduce(operator.mul, [f for j, f in enumerate(full) if j != k], g)
        summed = np.bincount(maps.operands[k].reshape(-1), weights=contrib.reshape(-1),
                             minlength=np.size(x))
        out.append(summed.astype(np.asarray(x).dtype).reshape(np.shape(x)))
    return out
