"""The forward value of a node as Python source, in the traced library's spelling.

A broadcast between operands of different shapes is written with an explicit
``broadcast_to``; the values are the very ones the traced function computed.

>>> from .graph import Node
>>> from .context import Context
>>> nodes = {0: Node(0, "input", (), (), (3,), "float64", "numpy"),
...          1: Node(1, "input", (), (), (2, 3), "float64", "numpy")}
>>> ctx = Context("numpy", "numpy", {0: "a", 1: "B", 2: "C"}, nodes)
>>> forward_expr(Node(2, "mul", (0, 1), (), (2, 3), "float64", "numpy"), nodes, ctx, None)
'np.broadcast_to(a, (2, 3)) * B'
"""
from __future__ import annotations

from ..errors import DeriveError
from .context import literal

__all__ = ["forward_expr", "index_text", "constant_expr"]

UNARY_NP = {"exp": "np.exp", "log": "np.log", "sqrt": "np.sqrt", "abs": "np.abs",
            "tanh": "np.tanh"}
BINOPS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
SCALAR = {"add_s": "{x} + {c}", "sub_s": "{x} - {c}", "rsub_s": "{c} - {x}", "mul_s": "{x} * {c}",
          "div_s": "{x} / {c}", "rdiv_s": "{c} / {x}", "pow_s": "{x} ** {c}",
          "rpow_s": "{c} ** {x}"}
MAX_LITERAL = 64


def index_text(items, names: list[str], lib: str) -> str:
    """An index (``IndexItem`` s) as source; ``names`` are the names of its array entries."""
    xp = "np" if lib == "numpy" else "torch"
    parts = []
    for it in items:
        if it.kind == "int":
            parts.append(str(it.value[0]))
        elif it.kind == "slice":
            a, b, c = ("" if v is None else str(v) for v in it.value)
            parts.append(f"{a}:{b}" + (f":{c}" if c else ""))
        elif it.kind in ("none", "ellipsis"):
            parts.append("None" if it.kind == "none" else "...")
        elif it.kind == "node":
            parts.append(names[it.value[0]])
        elif it.kind == "range":
            start, stop, step = it.value
            bounds = (stop,) if (start, step) == (0, 1) else it.value
            parts.append(f"{xp}.arange({', '.join(str(v) for v in bounds)})")
        else:
            parts.append(f"{xp}.{'array' if lib == 'numpy' else 'tensor'}({list(it.value)!r})")
    return ", ".join(parts)


def constant_expr(value, lib: str, line) -> str:
    """A constant array met during the trace, as a literal (small) or an ``arange``."""
    import numpy as np
    data = value.detach().cpu().numpy() if lib == "torch" else np.asarray(value)
    dtype = str(value.dtype).replace("torch.", "")
    xp = "np" if lib == "numpy" else "torch"
    if data.ndim == 1 and data.size and np.issubdtype(data.dtype, np.integer) and \
            np.array_equal(data, np.arange(data.size)):
        return f"{xp}.arange({data.size})"
    if data.size > MAX_LITERAL and data.size and (data == data.flat[0]).all():
        fill = data.flat[0].item()
        return f"{xp}.full({data.shape!r}, {fill!r}, dtype={xp}.{dtype})"
    if data.size > MAX_LITERAL:
        raise DeriveError(f"a constant array of shape {data.shape} created inside the function "
                          f"(used at {line}) cannot be written into the backward function; "
                          f"pass it as an argument")
    make = "np.array" if lib == "numpy" else "torch.tensor"
    return f"{make}({data.tolist()!r}, dtype={xp}.{dtype})"


def _binary(node, nodes, ctx):
    a, b = (ctx.v(k) for k in node.inputs)
    sa, sb = (nodes[k].shape for k in node.inputs)
    if node.op == "matmul":
        return f"{a} @ {b}"
    a, b = ctx.broadcast_to(a, sa, node.shape), ctx.broadcast_to(b, sb, node.shape)
    return f"{a} {BINOPS[node.op]} {b}"


def _reduce(node, nodes, ctx):
    x = ctx.v(node.inputs[0])
    axes, keep = node.param("axes"), node.param("keepdims")
    ndim = len(nodes[node.inputs[0]].shape)
    key = "axis" if ctx.lib == "numpy" else "dim"
    name = "amax" if node.op == "max" and ctx.lib == "torch" else node.op
    args = [x]
    if tuple(axes) != tuple(range(ndim)) or (keep and ctx.lib == "torch") or name == "amax":
        args.append(f"{key}={axes[0] if len(axes) == 1 else tuple(axes)!r}")
    if keep:
        args.append("keepdims=True" if ctx.lib == "numpy" else "keepdim=True")
    return f"{ctx.xp}.{name}({', '.join(args)})"


def _unary(node, nodes, ctx):
    x = ctx.v(node.inputs[0])
    if node.op == "neg":
        return f"-{x}"
    if node.op == "relu":
        c = literal(node.param("c"), ctx.lib)
        if ctx.lib == "numpy":
            return f"np.maximum({x}, {c})"
        return f"torch.relu({x})" if node.param("c") == 0 else f"torch.clamp({x}, min={c})"
    if node.op in SCALAR:
        return SCALAR[node.op].format(x=x, c=literal(node.param("c"), ctx.lib))
    if node.op in ("softmax", "log_softmax"):
        return f"torch.{node.op}({x}, dim={node.param('axis')})"
    if ctx.lib == "numpy" and node.op in UNARY_NP:
        return f"{UNARY_NP[node.op]}({x})"
    return f"{ctx.xp}.{node.op}({x})"


def forward_expr(node, nodes, ctx, constant) -> str:
    """Source computing ``node`` from the names of its inputs."""
    if node.op == "const":
        return constant_expr(constant, ctx.lib, node.line)
    if node.op in BINOPS or node.op == "matmul":
        return _binary(node, nodes, ctx)
    if node.op in ("sum", "mean", "max", "argmax"):
        return _reduce(node, nodes, ctx)
    x = ctx.v(node.inputs[0]) if node.inputs else ""
    if node.op == "permute":
        perm = node.param("perm")
        return f"np.transpose({x}, {perm!r})" if ctx.lib == "numpy" else f"{x}.permute{perm!r}"
    if node.op == "reshape":
        return f"{x}.reshape({node.shape!r})"
    if node.op == "mask":
        test = f"({x} {node.param('cmp')} {literal(node.param('c'), ctx.lib)})"
        return f"{test}.astype({x}.dtype)" if ctx.lib == "numpy" else f"{test}.to({x}.dtype)"
    if node.op == "getitem":
        names = [ctx.v(k) for k in node.inputs]
        return f"{x}[{index_text(node.param('index'), names, ctx.lib)}]"
    if node.op in ("cat", "stack"):
        names = ", ".join(ctx.v(k) for k in node.inputs)
        fn = {("numpy", "cat"): "np.concatenate", ("numpy", "stack"): "np.stack",
              ("torch", "cat"): "torch.cat", ("torch", "stack"): "torch.stack"}[ctx.lib, node.op]
        key = "axis" if ctx.lib == "numpy" else "dim"
        return f"{fn}([{names}], {key}={node.param('axis')})"
    if node.op == "einsum":
        names = ", ".join(ctx.v(k) for k in node.inputs)
        return f'{ctx.xp}.einsum("{node.param("equation")}", {names})'
    if node.op in ("cross_entropy", "nll_loss"):
        return (f"torch.nn.functional.{node.op}({x}, {ctx.v(node.inputs[1])}, "
                f"reduction={node.param('reduction')!r})")
    return _unary(node, nodes, ctx)
