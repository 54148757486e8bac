"""The traced forward computation: one :class:`Node` per operation, in the order it ran.

A node names its canonical operation (``"mul"``, ``"sum"``, ``"getitem"`` …), the nodes it
read, the parameters that fix its meaning (axes, a scalar, an index), the shape and dtype it
produced and the source line that produced it.

>>> n = Node(3, "exp", (1,), (), (2, 3), "float64", "numpy", Line("f.py", 4, "y = np.exp(x)"))
>>> n
Node(#3 exp(#1) -> (2, 3) float64, f.py:4)
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Line", "Node", "Graph", "IndexItem"]


@dataclass(frozen=True)
class Line:
    """Where an operation was written: file, line number and the line's text."""

    filename: str
    lineno: int
    text: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


@dataclass(frozen=True)
class IndexItem:
    """One entry of an index: ``kind`` is 'int', 'slice', 'none', 'ellipsis', 'node' (an
    integer array that is a node), 'range' or 'list'; ``value`` holds its numbers."""

    kind: str
    value: tuple = ()

    @property
    def advanced(self) -> bool:
        return self.kind in ("node", "range", "list")


@dataclass(frozen=True)
class Node:
    """One traced operation (or an argument, ``op == 'input'``, or a constant array)."""

    id: int
    op: str
    inputs: tuple[int, ...]
    params: tuple[tuple[str, object], ...]
    shape: tuple[int, ...]
    dtype: str
    lib: str
    line: Line | None = None

    def param(self, key: str, default=None):
        return dict(self.params).get(key, default)

    @property
    def floating(self) -> bool:
        return "float" in self.dtype

    def __repr__(self) -> str:
        args = ", ".join(f"#{i}" for i in self.inputs)
        where = f", {self.line}" if self.line else ""
        return f"Node(#{self.id} {self.op}({args}) -> {self.shape} {self.dtype}{where})"


@dataclass(frozen=True)
class Graph:
    """The nodes of one traced call, the argument each input node stands for, and the result."""

    nodes: tuple[Node, ...]
    arg_names: tuple[str, ...]  # the function's parameters, in order
    inputs: tuple[tuple[str, int], ...]  # (parameter name, node id) of every array argument
    output: int
    constants: tuple[tuple[int, object], ...] = ()  # node id -> the constant's value
    function_name: str = "f"

    def node(self, k: int) -> Node:
        return self.nodes[k]

    def constant(self, k: int):
        return dict(self.constants)[k]

    @property
    def lib(self) -> str:
        return self.nodes[self.output].lib

    def __repr__(self) -> str:
        return (f"Graph({self.function_name}: {len(self.nodes)} nodes, inputs "
                f"{[n for n, _ in self.inputs]}, output #{self.output})")
