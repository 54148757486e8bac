"""Two sections of the backprop page, worked with small integers so every printed value is exact
on any machine, and each checked against torch autograd when the page is built:

- :func:`compact_rule_section` — the compact-Jacobian trick in general: which Jacobians are
  diagonal or Kronecker-structured, what their compact form is, worked on ``a * B`` (with
  respect to the copied operand) and on an elementwise ``relu``, besides the notebook's ``x @ W``;
- :func:`batch_section` — with a batch of 4, the ``*`` chain that runs and is silently wrong, the
  right gradient (``bi,bj->ij``), and the same one layer further from the loss.

>>> "bi,bj->ij" in batch_section()
True
>>> "diagonal" in compact_rule_section()
True
"""
from __future__ import annotations

import numpy as np

from ..explain import explain
from ..shapes import BroadcastError
from .markup import code, math_block, table, typeset

__all__ = ["compact_rule_section", "batch_section", "BATCH"]


def _show(x) -> str:
    """An integer-valued array as numpy prints it without the float point noise: ``[[1 2]]``."""
    return np.array2string(np.asarray(x).astype(np.int64), separator=" ")


def _autograd(f, *arrays):
    """torch autograd: the gradient of the scalar ``f(*tensors)`` with respect to each array."""
    import torch
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    f(*ts).backward()
    return [t.grad.numpy() for t in ts]


# ------------------------------------------------------------------ Q4


def _broadcast_case() -> list[str]:
    a, B = np.array([1, 2, 3]), np.array([[1, 2, 3], [4, 5, 6]])
    G = np.array([[1, 0, 2], [1, 1, 0]])
    e = explain(a, B, names=("a", "B", "C"))
    jac = e.jacobian(0)
    dense, compact = jac.dense(a, B), jac.compact(a, B)
    vjp = jac.vjp(G, a, B)
    (auto,) = _autograd(lambda t: ((t * _t(B)) * _t(G)).sum(), a)
    assert np.array_equal(vjp, auto) and np.array_equal(compact, B)
    return ["### Worked case: `a * B` with respect to the copied `a`", "",
            f"`a` = {a.tolist()} of shape (3,) is copied along the rows of `B` (shape (2, 3)). "
            f"Entry $C_{{ik}}$ depends on $a_j$ only when $j = k$:", "", math_block(jac.latex), "",
            f"The dense Jacobian has shape {dense.shape} ({dense.size} entries, "
            f"{int(np.count_nonzero(dense))} non-zero); the compact one keeps an axis per label "
            f"(`{jac.compact_index}`), shape {compact.shape} — it is `B` itself:", "",
            code(f"dense[:, :, 0] =\n{_show(dense[:, :, 0])}\ncompact =\n{_show(compact)}", "text"), "",
            f"A gradient `G` of `C` flows back to `a` as the compact Jacobian times `G`, summed over "
            f"the axis `a` was copied along — einsum `{jac.vjp_einsum}` over `G, B`:", "",
            code(f"G =\n{_show(G)}\nvjp = {_show(vjp)}        # = (G * B).sum(0); torch's a.grad: "
                 f"{_show(auto)}", "text"), ""]


def _t(x):
    import torch
    return torch.tensor(np.asarray(x, dtype=np.float64))


def _elementwise_case() -> list[str]:
    h, G = np.array([-1, 2, 3]), np.array([5, 6, 7])
    dense = np.diag((h > 0).astype(np.int64))
    compact = (h > 0).astype(np.int64)
    (auto,) = _autograd(lambda t: (t.relu() * _t(G)).sum(), h)
    assert np.array_equal(dense @ G, auto) and np.array_equal(compact * G, auto)
    return ["### Worked case: an elementwise `relu`", "",
            "`hact = relu(h)` acts entry by entry: $\\mathrm{hact}_k$ depends on $h_j$ only when "
            "$j = k$, so the Jacobian is **diagonal**:", "",
            math_block("\\frac{\\partial\\, \\mathrm{hact}_{k}}{\\partial h_{j}} = "
                       "\\mathrm{relu}'(h_{j})\\, \\delta_{jk}"), "",
            f"With `h` = {h.tolist()} the dense Jacobian is a 3 × 3 diagonal matrix; the compact "
            f"one is its diagonal — the notebook's `dhact_dh`, a vector of the shape of `h`. "
            f"Backward multiplies it entry by entry with the incoming gradient:", "",
            code(f"dense =\n{_show(dense)}\ncompact = {_show(compact)}\n"
                 f"G = {_show(G)}\ndense @ G = {_show(dense @ G)}    compact * G = "
                 f"{_show(compact * G)}    torch: {_show(auto)}", "text"), ""]


def compact_rule_section() -> str:
    """Q4: the compact-Jacobian rule in general, with two worked cases besides ``x @ W``."""
    xw = explain((2,), (2, 3), op="@", names=("x", "W", "h"))
    rows = [["elementwise `f(h)`", "diagonal: $f'(h_j)\\,\\delta_{jk}$", "`f'(h)`, the shape of `h`",
             "`G * f'(h)`"],
            ["`a * B`, w.r.t. the operand copied (`a`)", "a δ per label `a` has",
             "the other operand, on the result's axes", "sum of `G * B` over the copied axes"],
            ["`a * B`, w.r.t. the operand of the result's shape (`B`)", "a δ per label: diagonal",
             "the other operand (`a`), copied", "`G * a`"],
            ["`x @ W`, w.r.t. `W`", f"${xw.jacobian(1).latex.split('=')[1].strip()}$",
             f"`{xw.jacobian(1).compact_index}`: `x` copied along `j`", "`einsum('i,j->ij', x, G)`"],
            ["`x @ W`, w.r.t. `x`", f"${xw.jacobian(0).latex.split('=')[1].strip()}$: no δ",
             "`W` itself: nothing to compress", "`W @ G`"]]
    out = ["## The compact Jacobian, in general", "",
           "The notebook's trick — store only the non-zero entries of $\\partial h/\\partial W$ — "
           "works whenever the Jacobian is made of Kronecker deltas, and for everything the "
           "notebook multiplies it is. The rule: **every label the operand shares with the "
           "result contributes a δ** (result entry and operand entry must agree on it); what "
           "multiplies the deltas is the product of the *other* operands. The compact form keeps "
           "one axis per distinct label and drops the deltas; the backward pass is then one "
           "einsum of the incoming gradient `G` with it, summing the labels the operand lacks.", "",
           table(["operation", "Jacobian", "compact form", "backward (vector-Jacobian product)"],
                 rows), "",
           "Only a label shared by *both* the operand and the result gives a δ; `x @ W` with "
           "respect to `x` has none (its label `i` is summed away), so its Jacobian is `W` "
           "itself, already compact.", ""]
    out += _broadcast_case() + _elementwise_case()
    return typeset("\n".join(out))


# ------------------------------------------------------------------ Q5

#: the batch example: inputs X (4, 2), weights W (2, 3), wout (3,), targets t (4,); the score is
#: linear (no sigmoid) so that every value is a small integer
BATCH = {"X": [[1, 2], [0, 1], [2, 0], [1, 1]], "W": [[1, -1, 2], [0, 1, -1]],
         "wout": [1, 2, -1], "t": [1, 0, 2, 1]}


def _torch_loss(X, t):
    def loss(W, wout):
        return (((_t(X) @ W).relu() @ wout - _t(t)) ** 2).sum()
    return loss


def _batch_values():
    X, W, wout, t = (np.array(BATCH[k]) for k in ("X", "W", "wout", "t"))
    h = X @ W
    hact = np.maximum(h, 0)
    score = hact @ wout
    s = 2 * (score - t)                       # dloss/dscore, one per sample
    G = s[:, None] * wout * (h > 0)           # dloss/dh, one row per sample
    auto_W, auto_wout = _autograd(_torch_loss(X, t), W, wout)
    right_W, right_wout = np.einsum("bi,bj->ij", X, G), np.einsum("b,bj->j", s, hact)
    assert np.array_equal(right_W, auto_W) and np.array_equal(right_wout, auto_wout)
    return X, W, wout, t, h, hact, score, s, G, right_W, right_wout


def batch_section() -> str:
    """Q5: with a batch of 4, the silently wrong ``*`` chain and the right einsum, two layers."""
    X, W, wout, t, h, hact, score, s, G, right_W, right_wout = _batch_values()
    wrong_W = X.sum(0)[:, None] * G.sum(0)
    wrong_wout = s.sum() * hact.sum(0)
    try:
        explain(s.shape, wout.shape, names=("dloss_dscore", "dscore_dhact"))
        literal = "runs."
    except BroadcastError as err:
        literal = f"stops: *{err}*."
    setup = (f"X = np.array({BATCH['X']})      # 4 samples, 2 inputs\n"
             f"W = np.array({BATCH['W']})\nwout = np.array({BATCH['wout']})\n"
             f"t = np.array({BATCH['t']})\n\nh = X @ W                  # (4, 3)\n"
             f"hact = np.maximum(h, 0)\nscore = hact @ wout        # (4,)\n"
             f"loss = ((score - t) ** 2).sum()")
    out = ["## With a batch: the `*` chain is silently wrong", "",
           "A batch of 4 samples through the same network, with a linear score and a squared "
           "loss summed over the batch (no sigmoid, so every number is a small integer):", "",
           code(setup, "python"), "",
           code(f"h =\n{_show(h)}\nscore = {_show(score)}\ndloss/dscore = 2 (score - t) = {_show(s)}",
                "text"), "",
           f"The notebook's chain copied as it is {literal} The batch axis of `dloss_dscore` "
           f"(4 samples) meets the hidden axis of `dscore_dhact` (3 units). Two repairs make it "
           f"run:", "",
           "- **silently wrong**: reduce each factor over the batch first, then chain as for one "
           "sample — the shapes are those of one sample again, and the result is a plausible "
           "(2, 3) matrix;",
           "- **right**: keep the batch axis in every factor, multiply sample by sample, and "
           "sum over the batch *last*.", "",
           "### The layer next to the loss: `dloss/dwout`", "",
           code(f"wrong = s.sum() * hact.sum(0)           = {_show(wrong_wout)}\n"
                f"right = np.einsum('b,bj->j', s, hact)   = {_show(right_wout)}    "
                f"(= torch's wout.grad)", "text"), "",
           "### One layer deeper: `dloss/dW`", "",
           "The gradient reaching `h` is one row per sample, $G_{bj} = s_b\\, w^{out}_j\\, "
           "\\mathrm{relu}'(h_{bj})$ (`s[:, None] * wout * (h > 0)` — here broadcasting is right: "
           "each sample keeps its own row):", "",
           code(f"G =\n{_show(G)}", "text"), "",
           "and sample $b$ contributes the outer product $x_b\\, g_b^\\top$ of *its own* input and "
           "gradient:", "",
           "$$\\frac{\\partial\\,\\mathrm{loss}}{\\partial W_{ij}} = \\sum_b X_{bi}\\, G_{bj}, "
           "\\qquad \\texttt{einsum(\"bi,bj->ij\", X, G)} = X^\\top G$$", "",
           "The tempting repair is the notebook's chain on summed factors — its `dh_dW` built "
           "from the summed input, times the summed `g`:", "",
           code(f"wrong = X.sum(0)[:, None] * G.sum(0)    =\n{_show(wrong_W)}\n"
                f"right = np.einsum('bi,bj->ij', X, G)    =\n{_show(right_W)}    (= torch's W.grad)",
                "text"), "",
           "The wrong one is $(\\sum_b x_b)(\\sum_b g_b)^\\top$: it pairs sample 1's input with "
           "sample 3's gradient. Only with a single sample are the two the same — which is why "
           "the notebook's chain was right.", ""]
    return typeset("\n".join(out))
