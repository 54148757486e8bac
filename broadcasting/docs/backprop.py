"""The backprop page: the seed notebook's network walked through with every ``*`` made
explicit, its Jacobians (full, compact, vector-Jacobian product), the four routes to the
gradients agreeing, and the answers to the notebook's open questions. Every formula comes from
:func:`broadcasting.explain` and :mod:`broadcasting.jacobian`; every number is computed here by
:mod:`broadcasting.examples.backprop`.

>>> _chain(CHAIN_W).einsum
',,j,j,ij->ij'

"""
from __future__ import annotations

import numpy as np

from ..explain import explain
from ..notation.matrix import CONVENTION
from ..shapes import format_shape
from .markup import code, math_block, md_header, table, typeset

__all__ = ["backprop_page", "CHAIN_WOUT", "CHAIN_W"]

#: the notebook's two chains: names and shapes of the factors, and of the result
CHAIN_WOUT = (("dloss_dprob", (1,)), ("dprob_dscore", ()), ("dscore_dwout", (3,)), "dloss_dwout")
CHAIN_W = (("dloss_dprob", (1,)), ("dprob_dscore", ()), ("dscore_dhact", (3,)),
           ("dhact_dh", (3,)), ("dh_dW", (2, 3)), "dloss_dW")


def _chain(chain):
    *factors, result = chain
    return explain(*[s for _, s in factors], names=[n for n, _ in factors] + [result])


def _arr(x, digits: int = 4) -> str:
    return np.array2string(np.round(np.asarray(x, dtype=np.float64), digits) + 0.0,
                           separator=", ", floatmode="maxprec")


def _chain_section(title: str, chain, code_line: str) -> list[str]:
    e = _chain(chain)
    out = [f"### {title}", "", "The notebook writes:", "", code(code_line, "python"), "",
           "The shapes, aligned on the right:", "", code("\n".join(e.table()), "text"), "",
           "What that `*` chain computes, entry by entry:", "", math_block(e.latex), ""]
    if e.matrix is not None:
        out += ["As a matrix expression:", "", math_block(e.matrix), "",
                f"({e.matrix_form.case}{': ' + e.matrix_form.words if e.matrix_form.words else ''})", "",
                f"*{CONVENTION}*", ""]
    out += ["The same, with nothing left implicit:", "",
            code(f'{e.plan.result_name} = einops.einsum({", ".join(o.name + o.index_text for o in e.operands)}, '
                 f'"{e.einops}")', "python"), ""]
    return out


def _jacobian_section() -> list[str]:
    from ..examples.backprop import notebook_sample
    s = notebook_sample()
    e = explain(s.x, s.W, op="@", names=("x", "W", "h"))
    jac = e.jacobian(1)
    v = np.ones(e.result_shape)
    out = ["## The Jacobian of h = x @ W", "",
           f"`x` has shape {format_shape(s.x.shape)}, `W` {format_shape(s.W.shape)}, so `h` has "
           f"{e.result_shape[0]} entries and `W` {s.W.size}: the full Jacobian has "
           f"{e.result_shape[0]} × {s.W.size} = {e.result_shape[0] * s.W.size} partial "
           f"derivatives. Written with a Kronecker delta (δ is 1 where its two labels are "
           f"equal, else 0):", "", math_block(jac.latex), "", code(jac.index, "text"), "",
           f"**Full** (dense, shape {format_shape(jac.dense(s.x, s.W).shape)}: one "
           f"{format_shape(s.W.shape)} matrix per entry of `h`; most entries are zero):", "",
           code(_arr(jac.dense(s.x, s.W)), "text"), "",
           f"**Compact** (only what the delta allows, shape "
           f"{format_shape(jac.compact(s.x, s.W).shape)}: the notebook's `J`):", "",
           code(_arr(jac.compact(s.x, s.W)), "text"), "",
           "**Vector-Jacobian product**: what `h.backward(v)` computes — the gradient of "
           "`v · h`, not the Jacobian. With `v` all ones it *looks* like the compact Jacobian, "
           "which is why the notebook's `W.grad` printed it:", "",
           code(f'vjp einsum: {jac.vjp_einsum}\nv = {_arr(v)}\n'
                f'vjp(v) = {_arr(jac.vjp(v, s.x, s.W))}', "text"), ""]
    return out


def _routes_section() -> list[str]:
    from ..examples.backprop import Network, four_ways, notebook_sample
    rows = []
    cases = [("the notebook's sample (relu, squared)", Network(), notebook_sample(dtype="float64"))]
    for net in (Network(activation="tanh", loss="bce"), Network(inputs=4, hidden=5, batch=8,
                                                                  activation="sigmoid")):
        cases.append((repr(net), net, net.sample(seed=0)))
    for label, net, sample in cases:
        ways = four_ways(net, sample)
        rows.append([label, ", ".join(name for name, _ in ways.routes),
                     f"{ways.max_difference():.1e}", "yes" if ways.agree() else "**no**"])
    nb = four_ways(Network(), notebook_sample(dtype="float64"))
    return ["## The four routes agree", "",
            "The gradients of the loss with respect to `W` and `wout`, computed by each route "
            "of `broadcasting.examples.backprop`: the notebook's broadcast chain, the full "
            "Jacobians contracted by the chain rule, and torch autograd.", "",
            table(["network", "routes", "largest difference to autograd", "agree"], rows), "",
            "On the notebook's sample:", "",
            code(f"dloss/dW    = {_arr(nb['autograd'].W)}\ndloss/dwout = {_arr(nb['autograd'].wout)}",
                 "text"), ""]


def _answers() -> list[str]:
    """The answers of :mod:`broadcasting.examples.answers`, their math typeset as MathML."""
    from ..examples.answers import all_answers
    out = ["## Answers to the notebook's open questions", "",
           "![a * B: the vector copied down the rows](diagrams/row-vector-times-matrix.svg)", ""]
    for text in all_answers().values():
        out += [typeset(text.replace("\n### ", "\n### ").strip()), ""]
    return out


def backprop_page() -> str:
    """The Markdown of the backprop walkthrough."""
    out = [md_header(), "# Backprop by hand, every `*` explicit", "",
           "The seed notebook builds a tiny network — `h = x @ W`, `hact = relu(h)`, "
           "`score = hact @ wout`, `prob = sigmoid(score)`, `loss = (prob - t)**2` — stores each "
           "local derivative on the forward pass, and multiplies them with `*`. Its gradients "
           "match torch \"because pytorch does smart things with `*`\". Here is what those `*` "
           "are.", "",
           "## The chain rule, one `*` at a time", ""]
    out += _chain_section("dloss/dwout", CHAIN_WOUT,
                          "dloss_dwout = dloss_dprob * dprob_dscore * dscore_dwout")
    out += _chain_section("dloss/dW", CHAIN_W,
                          "dloss_dW = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh * dh_dW")
    out += _jacobian_section()
    out += _routes_section()
    out += _answers()
    return "\n".join(out)
