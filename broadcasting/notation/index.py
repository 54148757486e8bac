"""Index formulas: ``C[i,j] = a[j] * B[i,j]`` in plain text and ``C_{ij} = a_{j} B_{ij}`` in LaTeX.

Operands are indexed as the arrays they are: a stretched size-1 axis is written ``0``
(``a[0,j]``), so the formula holds for the original arrays with no broadcasting at all.
"""
from __future__ import annotations

from ..ops import BY_SYMBOL
from ..plan import BroadcastPlan, OperandPlan



def subscripts(plan_op: OperandPlan) -> list[str]:
    return [a.label if a.kept else "0" for a in plan_op.axes]


def text_term(name: str, subs) -> str:
    return f"{name}[{','.join(subs)}]" if subs else name


def index_formula(plan: BroadcastPlan, result: str | None = None) -> str:
    """``C[i,j] = a[j] * B[i,j]``; sums over contracted labels are written ``Σ_j``.

    >>> from broadcasting.plan import make_plan
    >>> index_formula(make_plan(((3,), (2, 3))))
    'C[i,j] = a[j] * B[i,j]'
    >>> index_formula(make_plan(((2,), (2, 3)), op="@", names=("x", "W", "h")))
    'h[j] = Σ_i x[i] * W[i,j]'
    >>> index_formula(make_plan(((2, 1), (3,)), op="+"))
    'C[i,j] = A[i,0] + b[j]'
    """
    lhs = text_term(result or plan.result_name, plan.result_labels)
    op = "*" if plan.op == "@" else plan.op
    rhs = f" {op} ".join(text_term(o.name, subscripts(o)) for o in plan.operands)
    total = "".join(f"Σ_{c} " for c in plan.contracted)
    return f"{lhs} = {total}{rhs}"


def latex_name(name: str) -> str:
    """A variable name as LaTeX: one letter stays, longer names go upright.

    >>> latex_name("W"), latex_name("dloss_dW")
    ('W', '\\\\mathrm{dloss\\\\_dW}')
    """
    if len(name) == 1:
        return name
    return "\\mathrm{" + name.replace("_", "\\_") + "}"


def latex_term(name: str, subs) -> str:
    if not subs:
        return latex_name(name)
    sep = "" if all(len(s) == 1 for s in subs) else ","
    return f"{latex_name(name)}_{{{sep.join(subs)}}}"


def latex_formula(plan: BroadcastPlan) -> str:
    """The index formula in LaTeX.

    >>> from broadcasting.plan import make_plan
    >>> latex_formula(make_plan(((3,), (2, 3))))
    'C_{ij} = a_{j} B_{ij}'
    >>> latex_formula(make_plan(((2, 3), (3, 4)), op="@"))
    'C_{ik} = \\\\sum_{j} A_{ij} B_{jk}'
    >>> latex_formula(make_plan(((3,), (2, 3)), op="/"))
    'C_{ij} = \\\\frac{a_{j}}{B_{ij}}'
    """
    terms = [latex_term(o.name, subscripts(o)) for o in plan.operands]
    sep = BY_SYMBOL[plan.op].latex
    if sep is not None:
        rhs = sep.join(terms)
    else:
        rhs = terms[0]
        for t in terms[1:]:
            if plan.op == "/":
                rhs = f"\\frac{{{rhs}}}{{{t}}}"
            elif plan.op == "//":
                rhs = f"\\left\\lfloor \\frac{{{rhs}}}{{{t}}} \\right\\rfloor"
        if plan.op == "**":  # right-associative
            rhs = terms[-1]
            for t in reversed(terms[:-1]):
                rhs = f"{{{t}}}^{{{rhs}}}"
    if plan.op in ("==", "!=", "<", "<=", ">", ">="):
        rhs = f"[{rhs}]"  # Iverson bracket: 1 where the comparison holds
    total = "".join(f"\\sum_{{{c}}} " for c in plan.contracted)
    return f"{latex_term(plan.result_name, plan.result_labels)} = {total}{rhs}"


def backward_formulas(plan: BroadcastPlan) -> tuple[str, ...]:
    """For each operand, its gradient as an index formula (products and sums only spelled out).

    >>> from broadcasting.plan import make_plan
    >>> backward_formulas(make_plan(((3,), (2, 3))))
    ('dL/da[j] = Σ_i dL/dC[i,j] * B[i,j]', 'dL/dB[i,j] = dL/dC[i,j] * a[j]')
    """
    terms = [text_term(p.name, subscripts(p)) for p in plan.operands]  # once: linear in operands
    return tuple(backward_formula(plan, k, terms) for k in range(len(plan.operands)))


def backward_formula(plan: BroadcastPlan, k: int, terms: list[str] | None = None) -> str:
    """The gradient of operand ``k`` as an index formula (one of :func:`backward_formulas`).

    >>> from broadcasting.plan import make_plan
    >>> backward_formula(make_plan(((2, 1), (3,)), op="+"), 0)
    'dL/dA[i] = Σ_j dL/dC[i,j]   (kept as A[i,0])'
    """
    o = plan.operands[k]
    grad = text_term(f"dL/d{plan.result_name}", plan.result_labels)
    if terms is None:
        terms = [text_term(p.name, subscripts(p)) for p in plan.operands]
    total = "".join(f"Σ_{s} " for s in _summed(plan, o))
    lhs = text_term(f"dL/d{o.name}", [a.label for a in o.axes if a.kept])
    if plan.is_product:
        factors = " * ".join([grad] + terms[:k] + terms[k + 1:])
    elif plan.op in ("+", "-"):
        sign = "-" if plan.op == "-" and o.position > 0 else ""
        factors = sign + grad
    else:
        factors = f"{grad} * ∂{plan.result_name}/∂{o.name}"
    note = "" if all(a.kept for a in o.axes) else f"   (kept as {o.name}[{','.join(subscripts(o))}])"
    return f"{lhs} = {total}{factors}{note}"


def _summed(plan: BroadcastPlan, o: OperandPlan) -> list[str]:
    """The labels the gradient of ``o`` sums over, in order of first appearance: the result's,
    then (for products) those only other operands carry (the contracted label of ``@``)."""
    own = set(o.labels)
    out = [lab for lab in plan.result_labels if lab not in own]
    if plan.is_product and plan.contracted:
        for p in plan.operands:
            out += [lab for lab in p.labels if p is not o and lab not in own and lab not in out
                    and lab not in plan.result_labels]
    return out
