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
    grad = "".join(plan.result_labels)
    terms = ["".join(o.labels) for o in plan.operands]  # once: linear in the operands
    if not plan.is_product:
        return tuple(f"{grad}->{t}" for t in terms)
    return tuple(",".join([grad] + terms[:k] + terms[k + 1:]) + "->" + t for k, t in enumerate(terms))
