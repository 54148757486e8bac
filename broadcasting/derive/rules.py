"""The local backward rule of every covered operation, written as source.

``contributions(node, nodes, ctx, g, want)`` returns, for each input position in ``want``, a
:class:`Contribution`: the expression of that input's share of the gradient (given the name
``g`` of the gradient of the node's value), lines it needs first, and its index formula.
Every product is an einsum checked by :meth:`.context.Context.einsum`; the reverse of a
broadcast is an einsum summing over the stretched axes; the reverse of a reduction is an
explicit ``broadcast_to``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..explain import explain
from .context import LETTERS, literal
from .forward import index_text
from .formula import einsum_formula, elementwise_formula, ix, tex, to_latex

__all__ = ["Contribution", "contributions", "ELEMENTWISE"]


@dataclass(frozen=True)
class Contribution:
    """One input's share of the gradient. ``value`` is an expression, or ``"{t}"`` when the
    ``pre`` lines compute it into the target named ``{t}``."""

    position: int
    value: str
    index: str
    latex: str
    pre: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # native style: the einsums its native operations compute


def _c(ctx, *args, **kwargs) -> Contribution:
    """A contribution carrying the einsums written natively since the last one."""
    notes, ctx.notes[:] = tuple(ctx.notes), []
    return Contribution(*args, notes=notes, **kwargs)


#: op -> (expression of the input's gradient, index formula); {g} gradient of the result,
#: {x} the input, {y} the result, {c} the number, {xp} the library
ELEMENTWISE = {
    "neg": ("-{g}", "{dx} += -{dy}"),
    "exp": ("{g} * {y}", "{dx} += {dy} · {y}"),
    "log": ("{g} / {x}", "{dx} += {dy} / {x}"),
    "sqrt": ("{g} / (2 * {y})", "{dx} += {dy} / (2 · {y})"),
    "abs": ("{g} * {xp}.sign({x})", "{dx} += {dy} · sign({x})"),
    "tanh": ("{g} * (1 - {y} ** 2)", "{dx} += {dy} · (1 - {y}²)"),
    "sigmoid": ("{g} * {y} * (1 - {y})", "{dx} += {dy} · {y} · (1 - {y})"),
    "relu": ("{g} * ({x} > {c})", "{dx} += {dy} · [{x} > {c}]"),
    "add_s": ("{g}", "{dx} += {dy}"),
    "sub_s": ("{g}", "{dx} += {dy}"),
    "rsub_s": ("-{g}", "{dx} += -{dy}"),
    "mul_s": ("{g} * {c}", "{dx} += {dy} · {c}"),
    "div_s": ("{g} / {c}", "{dx} += {dy} / {c}"),
    "rdiv_s": ("-{g} * {y} / {x}", "{dx} += -{dy} · {y} / {x}"),
    "pow_s": ("{g} * ({c} * {x} ** {c1})", "{dx} += {dy} · {c} · {x}^({c1})"),
    "rpow_s": ("{g} * {y} * {lnc}", "{dx} += {dy} · {y} · ln {c}"),
}


def _labels(n: int) -> str:
    return LETTERS[:n]


def _elementwise(node, nodes, ctx, g, want):
    expr, formula = ELEMENTWISE[node.op]
    c = node.param("c")
    fields = {"g": g, "xp": ctx.xp}
    if "{x}" in expr:
        fields["x"] = ctx.v(node.inputs[0])
    if "{y}" in expr:
        fields["y"] = ctx.v(node.id)
    if c is not None:
        fields["c"] = literal(c, ctx.lib)
        fields["c1"] = literal(c - 1, ctx.lib)
        if node.op == "rpow_s":
            fields["lnc"] = repr(math.log(c))
    if node.op == "pow_s" and c == 2:
        expr, formula = "{g} * (2 * {x})", "{dx} += {dy} · 2 · {x}"
    x_name = ctx.names[node.inputs[0]]
    names = {"dx": ctx.d(node.inputs[0]), "dy": g, "x": x_name, "y": ctx.names[node.id],
             "c": fields.get("c", ""), "c1": fields.get("c1", "")}
    plain, latex = elementwise_formula(formula.replace("{c}", names["c"]).replace(
        "{c1}", names["c1"]), names, _labels(len(node.shape)))
    return [_c(ctx, 0, expr.format(**fields), plain, latex)]


def _kept(o, shape):
    return "".join(a.label for a in o.axes if a.kept), tuple(
        s for a, s in zip(o.axes, shape) if a.kept)


def _away(name: str, o) -> str:
    """``b[:, 0]``: the operand with its stretched axes indexed away."""
    if all(a.kept for a in o.axes):
        return name
    return f"{name}[{', '.join(':' if a.kept else '0' for a in o.axes)}]"


def _operands(node, nodes, ctx, op):
    shapes = [nodes[k].shape for k in node.inputs]
    e = explain(*shapes, op=op)
    out = "".join(e.plan.result_labels)
    ops = []
    for k, o, s in zip(node.inputs, e.operands, shapes):
        labels, kshape = _kept(o, s)
        ops.append((k, o, s, labels, kshape))
    return e, out, ops


def _linear(node, nodes, ctx, g, want):
    """add, sub, mul, matmul: each gradient is one einsum over the gradient (and the other)."""
    op = "@" if node.op == "matmul" else "*"
    e, out, ops = _operands(node, nodes, ctx, op)
    result = []
    for pos in want:
        k, o, shape, labels, kshape = ops[pos]
        target = ctx.d(k)
        factors = [(g, node.shape, out)]
        if node.op in ("mul", "matmul"):
            kk, ko, _, olab, oshape = ops[1 - pos]
            factors.append((_away(ctx.v(kk), ko), oshape, olab))
        eq = ",".join(f[2] for f in factors) + "->" + labels
        if node.op == "matmul":
            eq = e.adjoints[pos]
        if pos == 1 and len(factors) == 2:  # the other operand first, as in the forward
            factors.reverse()
            terms, res = eq.split("->")
            eq = ",".join(reversed(terms.split(","))) + "->" + res
        value = ctx.reshape(ctx.einsum(eq, [(f[0], f[1]) for f in factors]), kshape, shape)
        sign = "-" if node.op == "sub" and pos == 1 else ""
        plain, latex = einsum_formula(target, labels, [(f[0], f[2]) for f in factors], sign)
        result.append(_c(ctx, pos, sign + value, plain, latex))
    return result


def _divide(node, nodes, ctx, g, want):
    _, out, ops = _operands(node, nodes, ctx, "*")
    (ka, oa, sa, la, ksa), (kb, ob, sb, lb, ksb) = ops
    b = _away(ctx.v(kb), ob)
    result = []
    if 0 in want:
        factors = [(g, node.shape, out), (f"1 / {b}", ksb, lb)]
        value = ctx.einsum(f"{out},{lb}->{la}", [(f[0], f[1]) for f in factors])
        plain, latex = einsum_formula(ctx.d(ka), la, [(f[0], f[2]) for f in factors])
        result.append(_c(ctx, 0, ctx.reshape(value, ksa, sa), plain, latex))
    if 1 in want:
        factors = [(g, node.shape, out), (_away(ctx.v(ka), oa), ksa, la),
                   (f"{b} ** -2", ksb, lb)]
        value = ctx.einsum(f"{out},{la},{lb}->{lb}", [(f[0], f[1]) for f in factors])
        plain, latex = einsum_formula(ctx.d(kb), lb, [(f[0], f[2]) for f in factors],
                                      "-")
        result.append(_c(ctx, 1, "-" + ctx.reshape(value, ksb, sb), plain, latex))
    return result


def _spread(ctx, g, node, xshape):
    """The gradient of a reduction's result copied back along the reduced axes."""
    axes = node.param("axes")
    kept = tuple(1 if d in axes else s for d, s in enumerate(xshape))
    if node.shape == ():
        return ctx.broadcast_to(g, (), xshape)
    return ctx.broadcast_to(ctx.reshape(g, node.shape, kept), kept, xshape)


def _reduction(node, nodes, ctx, g, want):
    x = node.inputs[0]
    xshape = nodes[x].shape
    axes = node.param("axes")
    labels = _labels(len(xshape))
    kept = "".join(c for d, c in enumerate(labels) if d not in axes)
    spread = _spread(ctx, g, node, xshape)
    target, dy = ctx.d(x), ix(g, kept)
    if node.op == "sum":
        return [_c(ctx, 0, spread, f"{ix(target, labels)} += {dy}",
                             f"{tex(target, labels)} " + r"\mathrel{+}= " + tex(g, kept))]
    if node.op == "mean":
        n = math.prod(xshape[d] for d in axes)
        return [_c(ctx, 0, f"{spread} / {n}", f"{ix(target, labels)} += {dy} / {n}",
                             f"{tex(target, labels)} " + r"\mathrel{+}= " +
                             f"{tex(g, kept)} / {n}")]
    return _max(node, nodes, ctx, g, spread, labels, kept)


def _max_at_index(node, nodes, ctx, g, labels, kept_labels):
    """torch's ``x.max(dim)``: the gradient goes to the index it returns (as autograd does)."""
    x, xname = node.inputs[0], ctx.v(node.inputs[0])
    (d,) = node.param("axes")
    kept = tuple(1 if k == d else s for k, s in enumerate(nodes[x].shape))
    index = f"torch.argmax({xname}, dim={d}, keepdim=True)"
    pre = (f"{{t}} = torch.zeros_like({xname}).scatter_({d}, {index}, "
           f"{ctx.reshape(g, node.shape, kept)})",)
    plain = (f"{ix(ctx.d(x), labels)} += {ix(g, kept_labels)} · [{labels[d]} = argmax_"
             f"{labels[d]} {ix(xname, labels)}]")
    return [_c(ctx, 0, "{t}", plain, to_latex(plain), pre)]


def _max(node, nodes, ctx, g, spread, labels, kept_labels):
    if ctx.lib == "torch" and node.param("indices"):
        return _max_at_index(node, nodes, ctx, g, labels, kept_labels)
    x, xname = node.inputs[0], ctx.v(node.inputs[0])
    xshape, axes = nodes[x].shape, node.param("axes")
    kept = tuple(1 if d in axes else s for d, s in enumerate(xshape))
    y = ctx.v(node.id)
    ybig = ctx.broadcast_to(y if node.shape == () else ctx.reshape(y, node.shape, kept),
                            () if node.shape == () else kept, xshape)
    m = ctx.temp(f"{xname}_is_max")
    cast = f".astype({xname}.dtype)" if ctx.lib == "numpy" else f".to({xname}.dtype)"
    key = "axis=" if ctx.lib == "numpy" else "dim="
    keep = "keepdims=True" if ctx.lib == "numpy" else "keepdim=True"
    count = ctx.broadcast_to(f"{m}.sum({key}{tuple(axes)!r}, {keep})", kept, xshape)
    pre = (f"{m} = ({xname} == {ybig}){cast}", f"{m} = {m} / {count}  # ties share the gradient")
    target = ctx.d(x)
    plain = (f"{ix(target, labels)} += {ix(g, kept_labels)} · [{ix(xname, labels)} = "
             f"{ix(ctx.names[node.id], kept_labels)}] / #ties")
    return [_c(ctx, 0, f"{m} * {spread}", plain, to_latex(plain), pre)]


def _permute(node, nodes, ctx, g, want):
    x = node.inputs[0]
    labels = _labels(len(node.shape))
    out = "".join(labels[p] for p in node.param("perm"))
    value = ctx.einsum(f"{out}->{labels}", [(g, node.shape)])
    plain, latex = einsum_formula(ctx.d(x), labels, [(g, out)])
    return [_c(ctx, 0, value, plain, latex)]


def _reshape(node, nodes, ctx, g, want):
    x = node.inputs[0]
    shape = nodes[x].shape
    target = ctx.d(x)
    plain = f"{target} += reshape({g}, {shape})"
    latex = to_latex(plain).replace("reshape(", r"\operatorname{reshape}(")
    return [_c(ctx, 0, ctx.reshape(g, node.shape, shape), plain, latex)]


def _getitem(node, nodes, ctx, g, want):
    x = node.inputs[0]
    items = node.param("index")
    idx = index_text(items, [ctx.v(k) if i else "" for i, k in enumerate(node.inputs)], ctx.lib)
    zeros = f"{{t}} = {ctx.xp}.zeros_like({ctx.v(x)})"
    if not any(it.advanced for it in items):
        scatter = f"{{t}}[{idx}] = {g}"
    elif ctx.lib == "numpy":
        scatter = f"np.add.at({{t}}, ({idx},), {g})  # repeated indices add up"
    else:
        scatter = f"{{t}}.index_put_(({idx},), {g}, accumulate=True)  # repeated indices add up"
    target = ctx.d(x)
    plain = f"{target}[{idx}] += {g}"
    return [_c(ctx, 0, "{t}", plain, to_latex(plain), (zeros, scatter))]


def _softmax(node, nodes, ctx, g, want):
    x, d = node.inputs[0], node.param("axis")
    labels = _labels(len(node.shape))
    rest = labels[:d] + labels[d + 1:]
    rshape = node.shape[:d] + node.shape[d + 1:]
    y, s = ctx.v(node.id), ctx.temp(f"{g}_sum")
    target, S = ctx.d(x), node.shape
    if node.op == "softmax":
        pre = (f"{s} = " + ctx.einsum(f"{labels},{labels}->{rest}", [(g, S), (y, S)]),)
        value = ctx.einsum(f"{labels},{labels}->{labels}", [(y, S), (g, S)]) + " - " + \
            ctx.einsum(f"{labels},{rest}->{labels}", [(y, S), (s, rshape)])
        plain = (f"{ix(target, labels)} += {ix(y, labels)} · ({ix(g, labels)} - "
                 f"Σ_{labels[d]} {ix(g, labels)} · {ix(y, labels)})")
    else:
        pre = (f"{s} = " + ctx.einsum(f"{labels}->{rest}", [(g, S)]),)
        value = f"{g} - " + ctx.einsum(f"{labels},{rest}->{labels}",
                                       [(f"{ctx.xp}.exp({y})", S), (s, rshape)])
        plain = (f"{ix(target, labels)} += {ix(g, labels)} - exp({ix(y, labels)}) · "
                 f"Σ_{labels[d]} {ix(g, labels)}")
    return [_c(ctx, 0, value, plain, to_latex(plain), pre)]


def _cross_entropy(node, nodes, ctx, g, want):
    x, t = node.inputs
    S = nodes[x].shape
    labels = _labels(len(S))
    p = ctx.temp(f"{ctx.names[x]}_softmax")
    tname = ctx.v(t) + ("" if nodes[t].dtype == "int64" else ".long()")
    reduction, n = node.param("reduction"), (S[0] if len(S) == 2 else 1)
    scale = {"mean": f"{g} / {n}" if n != 1 else g, "sum": g, "none": g}[reduction]
    glabels = labels[:-1] if reduction == "none" else ""
    pre = (f"{p} = torch.softmax({ctx.v(x)}, dim=-1)",)
    onehot = f"torch.nn.functional.one_hot({tname}, {S[-1]})"
    value = ctx.einsum(f"{glabels},{labels}->{labels}",
                       [(scale, node.shape), (f"{p} - {onehot}", S)])
    c = labels[-1]
    plain = (f"{ix(ctx.d(x), labels)} += {ix(scale, glabels)} · "
             f"(softmax({ctx.names[x]})[{','.join(labels)}] - [{c} = "
             f"{ix(ctx.names[t], labels[:-1])}])")
    return [_c(ctx, 0, value, plain, to_latex(plain), pre)]


def _nll_loss(node, nodes, ctx, g, want):
    x, t = node.inputs
    S = nodes[x].shape
    reduction, n = node.param("reduction"), (S[0] if len(S) == 2 else 1)
    picked = f"-{g} / {n}" if reduction == "mean" and n != 1 else f"-{g}"
    if len(S) == 2 and reduction != "none":
        picked = ctx.broadcast_to(f"({picked})", (), (n,))
    index = f"torch.arange({n}), {ctx.v(t)}" if len(S) == 2 else ctx.v(t)
    pre = (f"{{t}} = torch.zeros_like({ctx.v(x)})",
           f"{{t}}.index_put_(({index},), {picked}, accumulate=True)")
    labels = _labels(len(S))
    plain = (f"{ix(ctx.d(x), labels)} += -{ix(g, labels[:-1] if reduction == 'none' else '')}"
             f"{' / ' + str(n) if reduction == 'mean' and n != 1 else ''} · [{labels[-1]} = "
             f"{ix(ctx.names[t], labels[:-1])}]")
    return [_c(ctx, 0, "{t}", plain, to_latex(plain), pre)]


def _einsum(node, nodes, ctx, g, want):
    """An einsum's operand gets the einsum of the result's gradient and the other operands."""
    lhs, out = node.param("equation").split("->")
    terms = lhs.split(",")
    result = []
    for pos in want:
        others = [(k, t) for j, (k, t) in enumerate(zip(node.inputs, terms)) if j != pos]
        factors = [(g, node.shape, out)] + [(ctx.v(k), nodes[k].shape, t) for k, t in others]
        eq = ",".join(f[2] for f in factors) + "->" + terms[pos]
        value = ctx.einsum(eq, [(f[0], f[1]) for f in factors])
        plain, latex = einsum_formula(ctx.d(node.inputs[pos]), terms[pos],
                                      [(f[0], f[2]) for f in factors])
        result.append(_c(ctx, pos, value, plain, latex))
    return result


def _join(node, nodes, ctx, g, want):
    """cat: each operand's gradient is its slice of the result's; stack: its index."""
    d, result, start = node.param("axis"), [], 0
    for pos, k in enumerate(node.inputs):
        size = nodes[k].shape[d] if node.op == "cat" else 1
        if pos in want:
            part = f"{start}:{start + size}" if node.op == "cat" else str(start)
            index = ", ".join([":"] * d + [part])
            plain = f"{ctx.d(k)} += {g}[{index}]"
            result.append(_c(ctx, pos, f"{g}[{index}]", plain, to_latex(plain)))
        start += size
    return result


RULES = {"add": _linear, "sub": _linear, "mul": _linear, "matmul": _linear, "div": _divide,
         "sum": _reduction, "mean": _reduction, "max": _reduction, "permute": _permute,
         "reshape": _reshape, "getitem": _getitem, "softmax": _softmax,
         "log_softmax": _softmax, "cross_entropy": _cross_entropy, "nll_loss": _nll_loss,
         "einsum": _einsum, "cat": _join, "stack": _join}
RULES.update({op: _elementwise for op in ELEMENTWISE})


def contributions(node, nodes, ctx, g: str, want) -> list[Contribution]:
    """The gradient shares of ``node``'s inputs at positions ``want``."""
    return RULES[node.op](node, nodes, ctx, g, sorted(want))
