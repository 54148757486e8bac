"""``@``: 1-D promotion on either side, batch broadcasting, empty axes (size 0 rows, columns,
contracted axis and batch), from hypothesis' ``mutually_broadcastable_shapes`` with numpy's
matmul signature ``(m?,n),(n,p?)->(m?,p?)``, in float64 and float32.

Claims: ``result_shape``, ``einsum``, ``einops``, ``numpy_dtype``, ``torch_dtype``.

>>> _case(0, 0, ((3,), (2, 3, 4)), "float64")["einsum"]
'j,ijk->ik'
"""
from __future__ import annotations

from ..claims import check_product, check_products, derived_claims
from ..shapes import MATMUL_SIGNATURE, hypothesis_shapes
from . import case_id, case_seed

NAME = "matmul"
DTYPES = ("float64", "float32")
#: distinct hypothesis draws with sides ≥ 1, and with sides ≥ 0 (empty axes)
DRAWS, EMPTY_DRAWS = 450, 150


def _case(n: int, seed: int, shapes, dtype: str) -> dict:
    shapes = [list(s) for s in shapes]
    case = {"id": case_id(NAME, n), "kind": NAME, "op": "@", "shapes": shapes,
            "dtypes": [dtype, dtype], "seed": case_seed(seed, NAME, n)}
    case.update(derived_claims("@", shapes))
    case["numpy_dtype"] = case["torch_dtype"] = dtype
    return case


def generate(seed: int) -> list[dict]:
    """Each hypothesis draw in float64 and float32."""
    draws = hypothesis_shapes(seed + 10, DRAWS, max_dims=3, max_side=4,
                              signature=MATMUL_SIGNATURE)
    draws += hypothesis_shapes(seed + 11, EMPTY_DRAWS, max_dims=3, max_side=3, min_side=0,
                               signature=MATMUL_SIGNATURE)
    specs = [(shapes, dtype) for shapes in draws for dtype in DTYPES]
    return [_case(n, seed, shapes, dtype) for n, (shapes, dtype) in enumerate(specs)]


def expected(case: dict, n: int, seed: int) -> dict:
    """The case the generator writes at position ``n`` for this case's ``shapes`` and first
    dtype (both operands share it; the result has it in numpy and torch)."""
    return _case(n, seed, case["shapes"], case["dtypes"][0])


def check(case: dict, backends) -> list[str]:
    """Every claim of one case (see :func:`broadcasting.corpus.claims.check_product`)."""
    return check_product(case, backends)


def check_many(cases: list[dict], backends) -> list[list[str]]:
    """:func:`check` for a batch, stage by stage (faster; same claims)."""
    return check_products(cases, backends)
