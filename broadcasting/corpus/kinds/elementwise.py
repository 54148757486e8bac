"""Elementwise ``*`` (and ``+ - /``): every two-operand broadcast pattern up to rank 3, and
random shapes from hypothesis (rank ≤ 6, 2–5 operands), in float64 and float32.

Claims: ``result_shape``; for ``*`` the ``einsum`` and ``einops`` over
``Explanation.einsum_operands``; ``numpy_dtype`` and ``torch_dtype`` of the result.

>>> c = _case(0, 0, "*", ((3,), (2, 3)), "float32")
>>> c["einsum"], c["result_shape"], c["numpy_dtype"]
('j,ij->ij', [2, 3], 'float32')
"""
from __future__ import annotations

import itertools

from ..claims import check_product, check_products, derived_claims
from ..shapes import hypothesis_shapes
from . import case_id, case_seed

NAME = "elementwise"

#: per axis, the sizes of (a, b): equal, a side 1 (either), both 1, size 0
AXIS_PATTERNS = (("n", "n"), (1, "n"), ("n", 1), (1, 1), (0, 0))
#: axis sizes used for "n", by axis position (distinct, so a transposition shows)
SIZES = (2, 3, 4)
DTYPES = ("float64", "float32")
OPS = ("*", "+", "-", "/")
#: distinct hypothesis draws per operand count (2–5)
DRAWS = 240


def two_operand_patterns(max_rank: int = 3) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every pair of shapes up to ``max_rank``: per axis one of :data:`AXIS_PATTERNS`, and
    either side missing some leading axes; duplicates removed, in a fixed order.

    >>> two_operand_patterns(1)
    [((), ()), ((2,), (2,)), ((2,), ()), ((), (2,)), ((1,), (2,)), ((1,), ()), ((2,), (1,)), ((), (1,)), ((1,), (1,)), ((0,), (0,)), ((0,), ()), ((), (0,))]
    """
    out: dict = {}
    for rank in range(max_rank + 1):
        offset = max_rank - rank
        for axes in itertools.product(AXIS_PATTERNS, repeat=rank):
            a = tuple(SIZES[offset + d] if s == "n" else s for d, (s, _) in enumerate(axes))
            b = tuple(SIZES[offset + d] if s == "n" else s for d, (_, s) in enumerate(axes))
            for cut in range(rank + 1):
                out.setdefault((a, b[cut:] if cut else b), None)
                out.setdefault((a[cut:], b), None)
    return list(out)


def _case(n: int, seed: int, op: str, shapes, dtype: str) -> dict:
    shapes = [list(s) for s in shapes]
    case = {"id": case_id(NAME, n), "kind": NAME, "op": op, "shapes": shapes,
            "dtypes": [dtype] * len(shapes), "seed": case_seed(seed, NAME, n)}
    case.update(derived_claims(op, shapes))
    case["numpy_dtype"] = case["torch_dtype"] = dtype
    return case


def generate(seed: int) -> list[dict]:
    """Exhaustive two-operand patterns, then hypothesis draws with 2–5 operands: each pattern
    or draw gives ``*`` in float64 and float32, and ``+ - /`` in one of them each."""
    shape_sets = list(two_operand_patterns())
    for operands in range(2, 6):
        shape_sets += hypothesis_shapes(seed + operands, DRAWS, num_shapes=operands, max_dims=6,
                                        max_side=4)
    specs = []
    for k, shapes in enumerate(shape_sets):
        specs += [("*", shapes, "float64"), ("*", shapes, "float32")]
        specs += [(op, shapes, DTYPES[(k + j) % 2]) for j, op in enumerate(OPS[1:])]
    return [_case(n, seed, op, shapes, dtype) for n, (op, shapes, dtype) in enumerate(specs)]


def expected(case: dict, n: int, seed: int) -> dict:
    """The case the generator writes at position ``n`` for this case's ``op``, ``shapes`` and
    first dtype (all operands share it; the result has it in numpy and torch)."""
    return _case(n, seed, case["op"], case["shapes"], case["dtypes"][0])


def check(case: dict, backends) -> list[str]:
    """Every claim of one case (see :func:`broadcasting.corpus.claims.check_product`)."""
    return check_product(case, backends)


def check_many(cases: list[dict], backends) -> list[list[str]]:
    """:func:`check` for a batch, stage by stage (faster; same claims)."""
    return check_products(cases, backends)
