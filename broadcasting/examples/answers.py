"""Answers to the seed notebook's open questions, as Markdown (math in ``$…$``), produced from
the library's objects — explanations, Jacobians, the network's routes — and their numbers.

- :func:`paper_notation`: how ``scalar * vector`` and ``vector * matrix`` are written on paper;
- :func:`outer_product`: why ``dloss_dW`` computed with ``*`` is the outer product ``x gᵀ``,
  and so why "``v * x`` needs ``xᵀ vᵀ``";
- :func:`jacobian_product`: why ``h.backward(v)`` gives a Jacobian product, not a gradient;
- :func:`batch_sum`: why, with a batch, the broadcast chain's terms must still be summed;
- :func:`all_answers`: all of them, in that order, keyed by name.

>>> print(paper_notation().splitlines()[0])
### How is `scalar * vector` written on paper?
"""
from __future__ import annotations

import numpy as np

from ..explain import explain
from ..explicit import einsum
from ..notation.index import latex_name
from ..shapes import BroadcastError
from .backprop import (Network, autograd_gradients, batch_einsum_gradients, batched_broadcast_terms,
                       notebook_gradients, notebook_sample)

__all__ = ["paper_notation", "outer_product", "jacobian_product", "batch_sum", "all_answers"]


def _number(v: float, digits: int) -> str:
    text = f"{float(v):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bmatrix(array, digits: int = 4) -> str:
    """A 1-D or 2-D array as a LaTeX matrix (a 1-D array as a row).

    >>> bmatrix(np.array([[1.0, 0.5], [2.0, 0.25]]))
    '\\\\begin{bmatrix} 1 & 0.5 \\\\\\\\ 2 & 0.25 \\\\end{bmatrix}'
    """
    a = np.asarray(array, dtype=float)
    rows = a.reshape(1, -1) if a.ndim <= 1 else a
    body = " \\\\ ".join(" & ".join(_number(v, digits) for v in row) for row in rows)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"


def _facts(e) -> str:
    mf = e.matrix_form
    words = f" ({mf.case}: {mf.words})" if mf is not None and mf.words else ""
    return (f"- index form: ${e.latex}$\n- matrix form: ${e.matrix}${words}\n"
            f"- einsum: `{e.einsum}` (einops `{e.einops}`)")


def paper_notation() -> str:
    """How the notebook's ``scalar * vector`` and ``vector * matrix`` are written on paper.

    >>> "C = B \\\\, \\\\operatorname{diag}(a)" in paper_notation()
    True
    """
    s, v = np.float32(2.0), np.array([0.5, 1.0, 2.0], dtype=np.float32)
    sv = explain(s, v, names=("s", "v", "y"))
    a, B = v, np.array([[1, 1, 1], [2, 2, 2]], dtype=np.float32)
    aB = explain(a, B, names=("a", "B", "C"))
    by_matrix = B @ np.diag(a)
    assert np.array_equal(by_matrix, a * B) and np.array_equal(einsum(aB.einsum, a, B), a * B)
    return "\n".join([
        "### How is `scalar * vector` written on paper?", "",
        f"A 0-d array times a vector of shape {v.shape}: every entry is scaled. On paper it is "
        f"scalar multiplication, nothing more.", "", _facts(sv), "",
        f"With $s = {_number(s, 4)}$ and $v = {bmatrix(v)}$: $s\\,v = {bmatrix(s * v)}$.", "",
        "### How is `vector * matrix` written on paper?", "",
        f"The notebook's `a * B` with `a` of shape {a.shape} and `B` of shape {B.shape}: the "
        f"vector is lined up with the *last* axis of `B` and copied along the first "
        f"({B.shape[0]} copies). Entry by entry, column $j$ of $B$ is multiplied by $a_j$ — "
        f"a matrix product with a diagonal matrix on the right:", "", _facts(aB), "",
        f"$$B\\,\\operatorname{{diag}}(a) = {bmatrix(B)} {bmatrix(np.diag(a))} = "
        f"{bmatrix(by_matrix)}$$", "",
        "which is what numpy and torch print for `a * B`. (Were `a` lined up with the rows, "
        "$a_i B_{ij}$, it would be $\\operatorname{diag}(a)\\,B$ — broadcasting never does that "
        "by itself: it aligns shapes on the right.)",
    ])


def _chain_names() -> tuple[str, ...]:
    return ("dloss_dprob", "dprob_dscore", "dscore_dhact", "dhact_dh", "dh_dW", "dloss_dW")


def outer_product() -> str:
    """Why the notebook's ``dloss_dW = dloss_dprob * … * dh_dW`` is the outer product ``x gᵀ``.

    >>> "x \\\\, g^\\\\top" in outer_product()
    True
    """
    x, t, W, wout = notebook_sample().arrays
    h = x @ W
    jac = explain(x, W, op="@", names=("x", "W", "h")).jacobian(1)
    dh_dW = jac.compact(x, W)
    hact = np.maximum(h, 0)
    prob = 1 / (1 + np.exp(-(hact @ wout)))
    factors = (2 * (prob - t), prob * (1 - prob), wout, (h > 0).astype(h.dtype), dh_dW)
    chain = explain(*factors, names=_chain_names())
    g = (factors[0][0] * factors[1]) * factors[2] * factors[3]  # dloss/dh
    outer = explain(x[:, None], g, names=("x", "g", "G"))
    dW = notebook_gradients(x, t, W, wout)[0]
    assert np.allclose(dW, np.outer(x, g)) and np.allclose(dW, autograd_gradients(x, t, W, wout)[0])
    try:
        explain((3,), (2,), names=("v", "x"))
        refusal = "(it broadcasts)"
    except BroadcastError as err:
        refusal = f"numpy, torch and this library refuse it: *{err}*"
    return "\n".join([
        "### Why is `dloss_dW` computed with `*` the outer product $x\\,g^\\top$?", "",
        "Because it is $x \\otimes g$: every input times every entry of the gradient that reaches "
        "$h$. Here is why.", "",
        f"The notebook multiplies five stored derivatives of shapes "
        f"{', '.join(str(tuple(np.shape(f))) for f in factors)}. Broadcasting lines them up as", "",
        f"$${chain.latex}$$", "",
        f"The last factor is the notebook's stored Jacobian of $h = xW$ with respect to $W$: "
        f"${jac.latex}$, whose compact form keeps the entries the delta allows, "
        f"`{jac.compact_index}`, i.e. $J = {bmatrix(dh_dW)}$. Every other factor carries no $i$. "
        f"Collect them into one vector,", "",
        f"$$g_j = {latex_name('dloss_dprob')}_0 \\, {latex_name('dprob_dscore')} \\, "
        f"{latex_name('dscore_dhact')}_j \\, {latex_name('dhact_dh')}_j = "
        f"\\frac{{\\partial\\, \\mathrm{{loss}}}}{{\\partial h_j}}, \\qquad g = {bmatrix(g)},$$", "",
        f"and the chain reads ${latex_name('dloss_dW')}_{{ij}} = x_i\\, g_j$ (below, `x` enters as "
        f"the column `x[:, None]` of shape {x[:, None].shape}, so its entry $x_{{i0}}$ is $x_i$):",
        "", _facts(outer), "",
        f"$$x\\,g^\\top = {bmatrix(x[:, None])} {bmatrix(g)} = {bmatrix(np.outer(x, g))},$$", "",
        "the notebook's `dloss/dW` and torch's `W.grad`. The `*` chain got it right because the "
        "stored `dh_dW` already holds the copies of $x$ along $j$ — broadcasting did the outer "
        "product's copying.", "",
        "So the old notes' `v * x` with `v` of shape (3,) and `x` of shape (2,) cannot be an "
        f"elementwise product — {refusal}. What the chain rule means is the outer product "
        "$x\\,v^\\top$ of column vectors, $(2\\times 1)(1\\times 3) = 2\\times 3$; with the "
        "notebook's row vectors that is $x^\\top v$ (or `x.T @ v.T` if $v$ is a column). In code: "
        f"`x[:, None] * v`, `np.outer(x, v)` or `einsum('{outer.einsum}', x, v)`.",
    ])


def jacobian_product() -> str:
    """Why ``h.backward(v)`` leaves ``vᵀJ`` in ``W.grad`` and not "the gradient" of ``h``.

    >>> "\\\\delta_{jk}" in jacobian_product()
    True
    """
    import torch
    x, _, W, _ = notebook_sample().arrays
    jac = explain(x, W, op="@", names=("x", "W", "h")).jacobian(1)
    dense = jac.dense(x, W)
    lines = []
    for v in (np.ones(3, dtype=x.dtype), np.array([1, 0, 0], dtype=x.dtype)):
        Wt = torch.from_numpy(W).requires_grad_(True)
        (torch.from_numpy(x) @ Wt).backward(torch.from_numpy(v))
        got = jac.vjp(v, x, W)
        assert np.allclose(Wt.grad.numpy(), got)
        lines.append(f"- $v = {bmatrix(v)}$: `W.grad` $= {bmatrix(Wt.grad.numpy())}$")
    parts = " + ".join(f"{bmatrix(dense[k])}" for k in range(dense.shape[0]))
    return "\n".join([
        "### Why is the Jacobian product `h.backward(v)` not the gradient?", "",
        f"A gradient belongs to a *scalar* function. $h = xW$ has {dense.shape[0]} components, so "
        f"it has {dense.shape[0]} gradients $\\partial h_k / \\partial W$, each of $W$'s shape "
        f"{W.shape}: together the {dense.size} partial derivatives of the Jacobian, shape "
        f"{dense.shape} (`Jacobian.dense`):", "",
        f"$${jac.latex}$$", "",
        f"$$\\frac{{\\partial h_1}}{{\\partial W}} + \\frac{{\\partial h_2}}{{\\partial W}} + "
        f"\\frac{{\\partial h_3}}{{\\partial W}} = {parts}$$", "",
        f"`h.backward(v)` computes $\\sum_k v_k\\, \\partial h_k/\\partial W$ — the vector-Jacobian "
        f"product, einsum `{jac.vjp_einsum}` over `v, x` (`Jacobian.vjp`): the gradient of the "
        f"*scalar* $v \\cdot h$, not of $h$:", "", *lines, "",
        f"With $v$ all ones it is the sum of the three matrices above; it equals the notebook's "
        f"\"efficiently stored\" $J = {bmatrix(jac.compact(x, W))}$ only because each "
        f"$\\partial h_k/\\partial W$ has a single non-zero column, $k$ — the delta "
        f"in the formula. Another $v$ picks another combination: $v = e_1$ gives the first "
        f"gradient alone. In a network, backward starts from a scalar loss, and the $v$ "
        f"reaching $h$ is $\\partial\\,\\mathrm{{loss}}/\\partial h$: then `W.grad` is the "
        f"gradient of the loss, $x\\,g^\\top$.",
    ])


def batch_sum(batch: int = 4, inputs: int = 2, hidden: int = 3) -> str:
    """Why a batch axis turns the ``*`` chain into per-sample terms that must be summed.

    >>> "bi,bj->ij" in batch_sum()
    True
    """
    net = Network(inputs=inputs, hidden=hidden, batch=batch)
    s = net.sample(seed=0)
    dW_terms, _, dloss_dh = batched_broadcast_terms(*s.arrays)
    right = batch_einsum_gradients(*s.arrays)[0]
    assert np.allclose(right, dW_terms.sum(0)) and np.allclose(right, autograd_gradients(*s.arrays)[0])
    try:
        explain((batch,), (hidden,), names=("dloss_dprob", "dscore_dhact"))
        literal = "runs, silently multiplying samples with hidden units"
    except BroadcastError as err:
        literal = f"fails: *{err}*"
    return "\n".join([
        "### With a batch, the broadcast chain gives one term per sample", "",
        f"With a batch of {batch}, `dloss_dprob` has shape ({batch},) and `dscore_dhact` shape "
        f"({hidden},): the notebook's chain copied as it is {literal}. "
        f"(When the batch size equals the hidden size it runs and is wrong.)", "",
        f"Keeping the batch axis apart (`dloss_dh[:, None, :] * dh_dW`) gives terms of shape "
        f"{dW_terms.shape}: term $b$ is sample $b$'s gradient $x_b\\, g_b^\\top$. The loss "
        f"sums the samples, so its gradient is the **sum** of the terms over the batch — "
        f"a sum of outer products, which one einsum says:", "",
        "$$\\frac{\\partial\\,\\mathrm{loss}}{\\partial W_{ij}} = \\sum_b x_{bi}\\, g_{bj}"
        " \\qquad \\texttt{einsum(\"bi,bj->ij\", x, dloss\\_dh)} = X^\\top G$$", "",
        f"For this sample: $X^\\top G = {bmatrix(right)}$, equal to `terms.sum(0)` and to "
        f"torch's `W.grad`.",
    ])


def all_answers() -> dict[str, str]:
    """Every answer, keyed by the function's name.

    >>> list(all_answers())
    ['paper_notation', 'outer_product', 'jacobian_product', 'batch_sum']
    """
    return {f.__name__: f() for f in (paper_notation, outer_product, jacobian_product, batch_sum)}
