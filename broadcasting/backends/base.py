"""What every backend provides to the explicit runtime."""
from __future__ import annotations


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

    def permute(self, x, order: tuple[int, ...]):
        raise NotImplementedError

    def reshape(self, x, shape: tuple[int, ...]):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name} backend>"
