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
    return tuple(adjoint_einsum(plan, k) for k in range(len(plan.operands)))


def adjoint_einsum(plan: BroadcastPlan, k: int) -> str:
    """The gradient einsum of operand ``k`` (one of :func:`adjoint_einsums`).

    >>> from broadcasting.plan import make_plan
    >>> adjoint_einsum(make_plan(((3,), (2, 3))), 1)
    'ij,j->ij'
    """
    o = plan.operands[k]
    grad = "".join(plan.result_labels)
    target = "".join(o.labels)
    if plan.is_product:
        others = ["".join(p.labels) for p in plan.operands if p is not o]
        return ",".join([grad] + others) + "->" + target
    return grad + "->" + target
