"""From traced sites to decisions: which `*` chains become which explicit form, and why not.

A *chain* is Python's left-nested ``f0 * f1 * … * fn``; its sites are joined execution by
execution (the left operand of an outer site is the result of the inner one) into the leaf
operands of each run of the whole chain. Every run must give the same explicit text, else the
chain is kept with its reason.

>>> from broadcasting.trace import trace_source
>>> import numpy as np
>>> t = trace_source("y = 2.0 * x * W", {"x": np.ones(3), "W": np.ones((2, 3))})
>>> runs = chain_runs([t.sites[1], t.sites[0]])
>>> [[o.shape for o in run] for run in runs]
[[None, (3,), (2, 3)]]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..explain import explain
from ..shapes import BroadcastError, broadcast_tuples
from ..trace import Operand, Site
from .forms import Aliases, Form, build_ellipsis_form, build_form
from .forms import classify
from .outcome import EQUAL_SHAPES, Kept, Outcome

__all__ = ["Decision", "chain_runs", "decide", "broadcasts", "formula", "ellipsis_formula", "NEVER_RAN"]

#: more runs than this in one chain are not enumerated (the chain is kept)
MAX_RUNS = 256
NEVER_RAN = Kept(Outcome.NEVER_RAN, "never ran: no shapes were recorded")


@dataclass(frozen=True)
class Decision:
    """What happens to one chain: its form (None when kept), why it is kept (None when
    rewritten), the leaf operands of its first run, and the index formula's template."""

    form: Form | None
    kept: Kept | None
    leaves: tuple[Operand, ...] = ()
    runs: int = 0
    ellipsis: bool = False  # the form is the '...' one (equal shapes, ranks vary by run)

    @property
    def rewritten(self) -> bool:
        return self.form is not None

    @property
    def outcome(self) -> Outcome:
        return Outcome.REWRITTEN if self.kept is None else self.kept.outcome

    @property
    def reason(self) -> str | None:
        return None if self.kept is None else self.kept.message


def _result(leaves) -> Operand:
    arrays = [o for o in leaves if o.is_array]
    if not arrays:
        return Operand("number", "number")
    try:
        shape = broadcast_tuples(tuple(o.shape for o in arrays))
    except BroadcastError:
        return Operand("other", "error")
    return Operand(arrays[0].kind, "array", shape)


def _joins(result: Operand, left: Operand) -> bool:
    if result.is_array and result.shape == ():
        return left.is_array and left.shape == () or left.kind == "number"  # numpy 0-d -> scalar
    return result.is_array == left.is_array and result.shape == left.shape


def chain_runs(sites: list[Site]) -> list[list[Operand]] | None:
    """The leaf operands of each run of a chain whose sites are given innermost first
    (None when there are more than ``MAX_RUNS``)."""
    runs = [[e.left, e.right] for e in sites[0].executions]
    for site in sites[1:]:
        runs = [run + [e.right] for run in runs for e in site.executions
                if _joins(_result(run), e.left)]
        if len(runs) > MAX_RUNS:
            return None
    return runs


def _describe(run) -> str:
    return " * ".join(str(o.shape) if o.is_array else o.type_name for o in run)


def broadcasts(runs) -> bool:
    """Whether some run of a chain multiplies arrays of different shapes."""
    return any(len({o.shape for o in run if o.is_array}) > 1 for run in runs)


def decide(sites: list[Site], style: str, aliases: Aliases, inplace: bool = False,
           all_products: bool = False) -> Decision:
    """The decision for one chain (sites innermost first). Unless ``all_products``, a chain
    whose every run multiplies equal shapes is left as written (nothing is broadcast)."""
    if not sites[-1].ran:
        return Decision(None, NEVER_RAN)
    runs = chain_runs(sites)
    if runs is None:
        return Decision(None, Kept(Outcome.TOO_MANY_PATTERNS,
                                   f"more than {MAX_RUNS} different operand patterns"))
    if not runs:
        return Decision(None, Kept(Outcome.INCOMPLETE,
                                   "never ran to the end: no complete execution was recorded"))
    if not all_products and not broadcasts(runs) and all(classify(r) is None for r in runs):
        return Decision(None, EQUAL_SHAPES, tuple(runs[0]), len(runs))
    forms = [build_form(run, style, aliases, inplace, not all_products) for run in runs]
    reasons = {f for f in forms if isinstance(f, Kept)}
    texts = {f.render(_names(len(runs[0]))) for f in forms if isinstance(f, Form)}
    if reasons and not texts and len(reasons) == 1:
        return Decision(None, reasons.pop(), tuple(runs[0]), len(runs))
    if reasons or len(texts) > 1:
        form = _one_ellipsis_form(runs, style, aliases, inplace)
        if form is not None:
            return Decision(form, None, tuple(runs[0]), len(runs), ellipsis=True)
        seen = "; ".join(_describe(r) for r in runs[:4])
        return Decision(None, Kept(Outcome.MIXED_FORMS,
                                   f"its executions need different explicit forms ({seen})"),
                        tuple(runs[0]), len(runs))
    ranks = {len(_result(run).shape or ()) for run in runs}
    return Decision(forms[0], None, tuple(runs[0]), len(runs), ellipsis=len(ranks) > 1)


def _one_ellipsis_form(runs, style: str, aliases: Aliases, inplace: bool) -> Form | None:
    """The one '...' form that covers every run (each multiplying equal shapes), or None."""
    forms = [build_ellipsis_form(run, style, aliases, inplace) for run in runs]
    if not all(isinstance(f, Form) for f in forms):
        return None
    texts = {f.render(_names(len(runs[0]))) for f in forms}
    return forms[0] if len(texts) == 1 else None


def ellipsis_formula(leaves, names, result: str | None) -> str:
    """The index formula of a '...' form: every array indexed ``[...]`` (the same axes in
    every operand), Python numbers as plain factors.

    >>> from broadcasting.trace import Operand
    >>> g = Operand("numpy", "ndarray", (3,), "f")
    >>> ellipsis_formula((Operand("number", "float"), g, g), ["(1 - b2)", "g", "g"], "v")
    'v[...] = (1 - b2) · g[...] · g[...]'
    """
    out = result or formula(leaves, names, None).split("[", 1)[0]  # the plain formula's name
    factors = [f"{name}[...]" if o.is_array else name for o, name in zip(leaves, names)]
    return f"{out}[...] = " + " · ".join(factors)


def _names(n: int) -> list[str]:
    return [f"__bc_x{k}" for k in range(n)]


def formula(leaves, names, result: str | None, drop=None, letters=None) -> str:
    """The index formula in the program's own names, ``·`` between factors, derived from the
    plan (Python numbers are factors without indices).

    >>> from broadcasting.trace import Operand
    >>> a, B = Operand("numpy", "ndarray", (3,), "f"), Operand("numpy", "ndarray", (2, 3), "f")
    >>> formula((Operand("number", "float"), a, B), ["0.5", "a", "B"], "C")
    'C[i,j] = 0.5 · a[j] · B[i,j]'

    ``drop`` (leaf -> axis positions) leaves indices out: an operand written ``x[:, None]`` is
    named ``x`` with the index of its added axis dropped. ``letters`` (a
    :class:`~broadcasting.rewrite.letters.Letters`) maps the axis labels to letters the
    program does not use.
    """
    shapes = [o.shape if o.is_array else () for o in leaves]
    marks = [f"\x01{k}\x02" for k in range(len(leaves))]
    e = explain(*shapes, names=tuple(marks) + ((result,) if result else ()))
    text = e.index
    text = text.replace(" * ", " · ")
    for k, positions in (drop or {}).items():
        text = re.sub(re.escape(marks[k]) + r"\[([^\]]*)\]", lambda m: marks[k] + _without(
            m.group(1), positions), text)
    if letters is not None:
        text = letters.index(text)
    for mark, name in zip(marks, names):
        text = text.replace(mark, name)
    return text


def _without(index: str, positions) -> str:
    kept = [p for n, p in enumerate(index.split(",")) if n not in positions]
    return f"[{','.join(kept)}]" if kept else ""
