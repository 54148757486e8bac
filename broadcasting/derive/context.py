"""What the emitters share while writing one backward function: the names of the forward
values, which of them the backward pass reads, fresh temporaries, and the einsum spelling.

Every einsum written goes through :meth:`Context.einsum`, which checks it with
:func:`broadcasting.explicit.parse_equation` on the operand shapes, so no emitted einsum can
rely on implicit size-1 broadcasting.

>>> ctx = Context("numpy", "numpy", {0: "x"}, {})
>>> ctx.einsum("ij->ji", [("dy", (3, 2))])
'np.einsum("ji->ij", dy)'
>>> ctx.einsum("ij,ij->i", [("dy", (2, 3)), ("x", (2, 1))])
Traceback (most recent call last):
...
broadcasting.shapes.BroadcastError: einsum 'ij,ij->i': label 'j' has size 3 in operand 0 (shape (2, 3)) but 1 in operand 1 (shape (2, 1)); einsum would stretch the size-1 axis implicitly: index it away (a[0]) or give both the same size
"""
from __future__ import annotations

import math
import numbers

from ..equation import parse_equation
from .formula import relabel
from .lowering import native, wrap

__all__ = ["Context", "literal", "STYLES"]

STYLES = ("numpy", "torch", "einops", "native")
LETTERS = "ijklmnopqrstuvwxyzabcdefgh"


def literal(c, lib: str) -> str:
    """Python source for a number, keeping a numpy scalar's type (it decides result dtypes)."""
    kind = type(c).__module__
    value = c.item() if hasattr(c, "item") else c
    if isinstance(value, float) and not math.isfinite(value):
        text = f'float("{value}")'
    else:
        text = repr(value)
    if kind == "numpy" and lib == "numpy" and isinstance(c, numbers.Number):
        return f"np.{type(c).__name__}({text})"
    return text


class Context:
    """Names and spelling for one emitted function (mutable while it is written)."""

    def __init__(self, lib: str, style: str, names: dict[int, str], nodes: dict):
        self.lib, self.style, self.names, self.nodes = lib, style, names, nodes
        self.xp = "np" if lib == "numpy" else "torch"
        self.used: set[int] = set()
        self.einsums: list[tuple[str, tuple]] = []
        self.taken: set[str] = set(names.values())
        self.grad_names: dict[int, str] = {}
        self.notes: list[str] = []  # einsums written natively since the last line

    def d(self, node_id: int) -> str:
        """The name of the gradient of a node's value (``dx`` for ``x``), fixed on first use."""
        if node_id not in self.grad_names:
            self.grad_names[node_id] = self.temp(f"d{self.names[node_id]}")
        return self.grad_names[node_id]

    def v(self, node_id: int) -> str:
        """The name of a forward value the backward pass reads (marks it as needed)."""
        self.used.add(node_id)
        return self.names[node_id]

    def temp(self, base: str) -> str:
        name, k = base, 2
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    def einsum(self, equation: str, operands: list[tuple[str, tuple]]) -> str:
        """An einsum over ``(expression, shape)`` operands, checked and spelled in the style."""
        shapes = tuple(tuple(s) for _, s in operands)
        parse_equation(equation, shapes)
        self.einsums.append((equation, shapes))
        lhs, out = equation.split("->")
        m = relabel(lhs.split(","), out)
        equation = "".join(m.get(c, c) for c in equation)
        lhs, out = equation.split("->")
        terms = lhs.split(",")
        if len(terms) == 1 and terms[0] == out:
            return operands[0][0]
        if len(terms) > 1 and all(t == out for t in terms):  # same shapes: a plain product
            return " * ".join(e if e.replace("_", "").isalnum() else f"({e})" for e, _ in operands)
        if self.style == "native":
            fast = native(equation, [e for e, _ in operands], shapes, self.lib)
            if fast is not None:
                self.notes.append(equation)
                return fast
        exprs = ", ".join(e for e, _ in operands)
        if self.style == "einops":
            pattern = ", ".join(" ".join(t) for t in terms) + " -> " + " ".join(out)
            return f'einops.einsum({exprs}, "{pattern}")'
        return f'{self.xp}.einsum("{equation}", {exprs})'

    def broadcast_to(self, expr: str, shape: tuple, target: tuple) -> str:
        """An explicit copy of ``expr`` (shape ``shape``) to ``target`` (no-op when equal)."""
        if tuple(shape) == tuple(target):
            return expr
        return f"{self.xp}.broadcast_to({expr}, {tuple(target)!r})"

    def reshape(self, expr: str, shape: tuple, target: tuple) -> str:
        if tuple(shape) == tuple(target):
            return expr
        return f"{wrap(expr)}.reshape({tuple(target)!r})"
