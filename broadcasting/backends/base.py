"""What every backend provides to the explicit runtime."""
from __future__ import annotations


def is_python_number(x) -> bool:
    """A Python bool, int, float or complex (weakly typed in ``*``), not a numpy scalar."""
    return type(x) in (bool, int, float, complex)


def fold_python_numbers(operands) -> list:
    """The operands with leading Python numbers multiplied together, as Python does first in
    ``2.0 * 3.0 * x`` (``6.0 * x``): the product stays a weakly typed Python number."""
    out = list(operands[:1])
    for x in operands[1:]:
        if len(out) == 1 and is_python_number(out[0]) and is_python_number(x):
            out[0] = out[0] * x
        else:
            out.append(x)
    return out


class Backend:
    """The few operations the explicit runtime needs from an array library."""

    name = "abstract"

    def einsum(self, equation: str, operands, dtype):
        raise NotImplementedError

    def result_dtype(self, operands):
        """The dtype of ``operands[0] * operands[1] * …`` (left to right)."""
        raise NotImplementedError

    def sum(self, x, axes: tuple[int, ...], keepdims: bool):
        raise NotImplementedError

    def cast(self, x, dtype):
        raise NotImplementedError

    def permute(self, x, order: tuple[int, ...]):
        raise NotImplementedError

    def reshape(self, x, shape: tuple[int, ...]):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name} backend>"
