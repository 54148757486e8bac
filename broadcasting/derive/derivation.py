"""``derive(f, *example_args)``: the backward pass of a traced forward function, as the source
of a standalone function, one :class:`Step` per forward operation.

>>> import numpy as np
>>> def f(x, W):
...     return np.tanh(x @ W).sum()
>>> d = derive(f, np.ones(2), np.ones((2, 3)))
>>> print(d.source)  # doctest: +ELLIPSIS
import numpy as np
<BLANKLINE>
def f_backward(grad_out, x, W):
    ...
    dW = np.einsum("i,j->ij", x, dt)
    return dx, dW
>>> dx, dW = d.function(np.float64(1.0), np.array([1.0, 2.0]), np.zeros((2, 3)))
>>> dW
array([[1., 1., 1.],
       [2., 2., 2.]])
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import DeriveError
from .context import STYLES, Context
from .forward import forward_expr
from .graph import Graph
from .rules import contributions
from .tracer import trace

__all__ = ["derive", "Derivation", "Step"]

RESERVED = {"np", "torch", "einops", "grad_out", "math", "range", "len", "float", "int"}
NO_GRADIENT = ("input", "const", "argmax", "mask")


@dataclass(frozen=True)
class Step:
    """One forward operation and its backward rule: shapes, index formula, LaTeX, code."""

    op: str
    line: int | None
    text: str
    output: str
    inputs: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    result_shape: tuple[int, ...]
    index: str
    latex: str
    code: str

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n}{s}" for n, s in zip(self.inputs, self.shapes))
        where = f"line {self.line}: " if self.line else ""
        return (f"Step({where}{self.op}({shapes}) -> {self.output}{self.result_shape}; "
                f"{self.index.splitlines()[0] if self.index else ''})")


@dataclass(frozen=True)
class Derivation:
    """The derived backward pass: ``source``, ``function`` (compiled), ``steps`` (reverse
    order), the gradients it returns (``wrt``) and every einsum it writes, with shapes."""

    source: str
    steps: tuple[Step, ...]
    function_name: str
    wrt: tuple[str, ...]
    einsums: tuple[tuple[str, tuple], ...]
    graph: Graph = field(repr=False, compare=False)

    @cached_property
    def function(self):
        namespace: dict = {}
        exec(compile(self.source, f"<derived {self.function_name}>", "exec"), namespace)
        return namespace[self.function_name]

    def __repr__(self) -> str:
        return (f"Derivation({self.function_name}: {len(self.steps)} steps, gradients of "
                f"{', '.join(self.wrt)}, {len(self.einsums)} einsums)")

    def _repr_markdown_(self) -> str:
        rows = ["| line | forward | shapes | backward rule |", "|---|---|---|---|"]
        for s in self.steps:
            shapes = ", ".join(str(x) for x in s.shapes)
            rule = "<br>".join(f"${x}$" for x in s.latex.split(r" \\ "))
            rows.append(f"| {s.line or ''} | `{s.text or s.op}` | {shapes} → {s.result_shape} | "
                        f"{rule} |")
        return (f"**Backward pass** `{self.function_name}` (gradients of "
                f"{', '.join(self.wrt)})\n\n```python\n{self.source}```\n\n" + "\n".join(rows))


def _node_names(graph: Graph) -> dict[int, str]:
    taken = RESERVED | set(keyword.kwlist) | set(graph.arg_names)
    names = {k: name for name, k in graph.inputs}
    last = {}
    for n in graph.nodes:
        if n.line and n.op not in NO_GRADIENT:
            last[(n.line.filename, n.line.lineno)] = n.id
    for n in graph.nodes:
        if n.id in names:
            continue
        base = "const" if n.op == "const" else "t"
        if n.line and last.get((n.line.filename, n.line.lineno)) == n.id:
            m = re.match(r"([A-Za-z_]\w*)\s*=(?!=)", n.line.text)
            base = m.group(1) if m else ("out" if n.id == graph.output else base)
        name, k = base, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        names[n.id] = name
    return names


def _needs(graph: Graph, wrt: tuple[str, ...]) -> set[int]:
    """Nodes whose gradient is needed: the ``wrt`` inputs and what is computed from them."""
    needs = {k for name, k in graph.inputs if name in wrt}
    for n in graph.nodes:
        if n.op not in NO_GRADIENT and n.floating and any(k in needs for k in n.inputs):
            needs.add(n.id)
    return needs


def _accumulate(ctx: Context, k: int, c, exists: bool) -> list[str]:
    name = ctx.d(k)
    t = ctx.temp(f"{name}_part") if exists and c.value == "{t}" else name
    lines = [line.replace("{t}", t) for line in c.pre]
    if c.value == "{t}":
        return lines + ([f"{name} = {name} + {t}"] if exists else [])
    if exists:
        value = f"({c.value})" if c.value.startswith("-") or " - " in c.value or \
            " + " in c.value else c.value
        return lines + [f"{name} = {name} + {value}"]
    return lines + [f"{name} = {c.value}"]


def _step(node, ctx, contribs, code) -> Step:
    nodes = ctx.nodes
    return Step(node.op, node.line.lineno if node.line else None,
                node.line.text if node.line else "", ctx.names[node.id],
                tuple(ctx.names[k] for k in node.inputs),
                tuple(nodes[k].shape for k in node.inputs), node.shape,
                "\n".join(c.index for c in contribs), r" \\ ".join(c.latex for c in contribs),
                "\n".join(code))


def _backward(graph: Graph, ctx: Context, needs: set[int]):
    have, lines, steps, last = {graph.output}, [], [], None
    ctx.grad_names[graph.output] = "grad_out"
    for node in reversed(graph.nodes):
        if node.id not in have or node.op in NO_GRADIENT:
            continue
        want = [p for p, k in enumerate(node.inputs) if k in needs]
        if not want:
            continue
        contribs = contributions(node, ctx.nodes, ctx, ctx.d(node.id), want)
        code = []
        for c in contribs:
            k = node.inputs[c.position]
            code += _accumulate(ctx, k, c, k in have)
            have.add(k)
            if c.notes:  # native style: the einsums its native line computes
                code[-1] += "  # einsum " + ", ".join(f'"{eq}"' for eq in c.notes)
        steps.append(_step(node, ctx, contribs, code))
        comment = f"# line {node.line.lineno}: {node.line.text}" if node.line else f"# {node.op}"
        lines += ([comment] if comment != last else []) + code
        last = comment
    return lines, steps, have


def _forward(graph: Graph, ctx: Context) -> list[str]:
    needed = set(ctx.used)
    for n in reversed(graph.nodes):
        if n.id in needed:
            needed.update(n.inputs)
    lines = []
    for n in graph.nodes:
        if n.id in needed and n.op != "input":
            const = graph.constant(n.id) if n.op == "const" else None
            where = f"  # line {n.line.lineno}" if n.line else ""
            lines.append(f"{ctx.names[n.id]} = {forward_expr(n, ctx.nodes, ctx, const)}{where}")
    return lines


def _wrt(graph: Graph, wrt) -> tuple[str, ...]:
    floating = [name for name, k in graph.inputs if graph.node(k).floating]
    if wrt is None:
        if not floating:
            raise DeriveError("no floating-point array argument to differentiate")
        return tuple(floating)
    names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    for name in names:
        if name not in floating:
            raise DeriveError(f"wrt={name!r}: not a floating-point array argument of "
                              f"{graph.function_name}; choose from {floating}")
    return names


def _style(graph: Graph, style) -> str:
    style = style or graph.lib
    if style not in STYLES:
        raise DeriveError(f"style {style!r} is not one of {', '.join(STYLES)}")
    if style in ("numpy", "torch") and style != graph.lib:  # (native and einops fit both)
        raise DeriveError(f"style {style!r} for {graph.lib} arguments: use style "
                          f"{graph.lib!r} or 'einops'")
    return style


def _source(graph, ctx, fname, wrt, single, forward, backward) -> str:
    header = ["import numpy as np" if graph.lib == "numpy" else "import torch"]
    if ctx.style == "einops":
        header.append("import einops")
    body = [f'"""Gradients of {graph.function_name} with respect to {", ".join(wrt)}, from '
            f'grad_out (written by broadcasting.derive)."""',
            "# forward pass (the values the backward pass reads)"] + forward + \
        ["# backward pass, from the last operation to the first"] + backward
    grads = [ctx.grad_names[k] for name, k in graph.inputs if name in wrt]
    ret = grads[0] if single else (", ".join(grads) + ("," if len(grads) == 1 else ""))
    body.append(f"return {ret}")
    args = ", ".join(("grad_out",) + graph.arg_names)
    return "\n".join(header) + f"\n\n\ndef {fname}({args}):\n" + \
        "".join(f"    {line}\n" for line in body)


def derive(f, *example_args, wrt=None, style=None) -> Derivation:
    """Trace ``f`` once on the example arrays and write its backward pass by hand.

    ``wrt``: a parameter name (the function returns that gradient) or names (a tuple);
    default every floating-point array argument. ``style``: how einsums are spelled —
    ``'numpy'`` / ``'torch'`` (the arguments' library, the default), ``'einops'``, or
    ``'native'`` (sum, ``@`` and explicit ``broadcast_to``, each einsum kept as a comment).

    >>> import numpy as np
    >>> d = derive(lambda a, B: (a * B).sum(), np.ones(3), np.ones((2, 3)), wrt="a")
    >>> [line.strip() for line in d.source.splitlines() if line.strip().startswith("da")]
    ['da = np.einsum("bi,bi->i", dt, B)']
    >>> d.function(np.float64(1.0), np.ones(3), np.arange(6.0).reshape(2, 3))
    array([3., 5., 7.])
    """
    graph = trace(f, *example_args)
    wrt_names, style = _wrt(graph, wrt), _style(graph, style)
    names = _node_names(graph)
    ctx = Context(graph.lib, style, names, {n.id: n for n in graph.nodes})
    backward, steps, have = _backward(graph, ctx, _needs(graph, wrt_names))
    for name, k in graph.inputs:
        if name in wrt_names and k not in have:
            backward.append(f"{ctx.d(k)} = {ctx.xp}.zeros_like({name})  # the result does not "
                            f"depend on {name}")
    forward = _forward(graph, ctx)
    fname = f"{graph.function_name}_backward" if graph.function_name.isidentifier() else \
        "f_backward"
    source = _source(graph, ctx, fname, wrt_names, isinstance(wrt, str), forward, backward)
    return Derivation(source, tuple(steps), fname, wrt_names, tuple(ctx.einsums), graph)
