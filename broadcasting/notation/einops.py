"""The einops pattern of a plan: the einsum with spaces, ``"j, i j -> i j"``."""
from __future__ import annotations

from ..plan import BroadcastPlan


def einops_pattern(plan: BroadcastPlan) -> str | None:
    """The ``einops.einsum`` pattern, or ``None`` for operators that are not products.

    >>> from broadcasting.plan import make_plan
    >>> einops_pattern(make_plan(((), (3,), (2, 3))))
    ', j, i j -> i j'
    """
    if not plan.is_product:
        return None
    ins = ", ".join(" ".join(o.labels) for o in plan.operands)
    return ins + " -> " + " ".join(plan.result_labels)
