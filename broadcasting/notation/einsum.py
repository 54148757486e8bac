"""Einsum equations of a plan: the forward one lives on the plan; here the backward ones."""
from __future__ import annotations

from ..plan import BroadcastPlan


def adjoint_einsums(plan: BroadcastPlan) -> tuple[str, ...]:
    """For each operand, the einsum that gives its gradient (with stretched axes removed).

    For ``*`` and ``@`` its inputs are the result's gradient then the other operands'
    ``einsum_operands``; for the other operators its one input is the result's gradient times
    the local derivative, summed over the axes the operand was broadcast along.

    >>> from broadcasting.plan import make_plan
    >>> adjoint_einsums(make_plan(((3,), (2, 3))))
    ('ij,ij->j', 'ij,j->ij')
    >>> adjoint_einsums(make_plan(((3,), (2, 3)), op="+"))
    ('ij->j', 'ij->ij')
    >>> adjoint_einsums(make_plan(((2,), (2, 3)), op="@"))
    ('j,ij->i', 'j,i->ij')
    """
    terms = _terms(plan)  # once: linear in the operands
    return tuple(adjoint_einsum(plan, k, terms) for k in range(len(plan.operands)))


def _terms(plan: BroadcastPlan) -> list[str]:
    return ["".join(o.labels) for o in plan.operands]


def adjoint_einsum(plan: BroadcastPlan, k: int, terms: list[str] | None = None) -> str:
    """The gradient einsum of operand ``k`` (one of :func:`adjoint_einsums`).

    >>> from broadcasting.plan import make_plan
    >>> adjoint_einsum(make_plan(((3,), (2, 3))), 1)
    'ij,j->ij'
    """
    terms = _terms(plan) if terms is None else terms
    grad = "".join(plan.result_labels)
    if not plan.is_product:
        return f"{grad}->{terms[k]}"
    return ",".join([grad] + terms[:k] + terms[k + 1:]) + "->" + terms[k]
