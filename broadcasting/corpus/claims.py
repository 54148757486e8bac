"""Checks shared by the kinds: the claims a case makes about one ``op`` between operands
(``result_shape``, ``einsum``, ``einops``), re-derived by the library today and verified
numerically against numpy, torch, the einsum engines and the index oracle.

>>> from broadcasting.corpus.backends import Backends
>>> case = {"id": "e", "kind": "elementwise", "seed": 3, "op": "*", "shapes": [[3], [2, 3]],
...         "dtypes": ["float64", "float64"], "einsum": "j,ij->ij", "einops": "j, i j -> i j",
...         "result_shape": [2, 3]}
>>> check_product(case, Backends(("numpy", "einops", "bc")))
[]
>>> check_product(dict(case, einsum="j,ij->ji"), Backends(("numpy",)))[:2]
["einsum: claim 'j,ij->ji' but the library derives 'j,ij->ij' today", "np.einsum('j,ij->ji'): shape (3, 2), expected (2, 3)"]
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from ..explain import explain
from ..shapes import BroadcastError
from .arrays import make_arrays
from .oracle import BINARY, OracleMismatch, oracle_value

__all__ = ["derived_claims", "check_derivation", "check_product", "native", "run_claim",
           "dtype_name", "check_result_dtypes", "compare_many"]

CLAIM_KEYS = ("result_shape", "einsum", "einops")


def derived_claims(op: str, shapes, adjoints: bool = False) -> dict:
    """What the library derives today for ``op`` over ``shapes``: the claim keys that apply
    (``adjoints`` too when asked)."""
    e = explain(*[tuple(s) for s in shapes], op=op)
    out = {"result_shape": list(e.result_shape)}
    if e.einsum is not None:
        out["einsum"], out["einops"] = e.einsum, e.einops
    if adjoints:
        out["adjoints"] = list(e.adjoints)
    return out


def check_derivation(case: dict, keys=CLAIM_KEYS) -> list[str]:
    """Each claim must still be what ``bc.explain`` derives today."""
    try:
        today = derived_claims(case["op"], case["shapes"], adjoints="adjoints" in keys)
    except BroadcastError as err:
        return [f"bc.explain refuses the shapes today: {err}"]
    return [f"{k}: claim {case.get(k)!r} but the library derives {today.get(k)!r} today"
            for k in keys if case.get(k) != today.get(k)]


def native(op: str, operands):
    """``operands[0] op operands[1] op …`` with the library's own operator."""
    if op == "@":
        return operands[0] @ operands[1]
    return reduce(BINARY[op], operands)


def run_claim(what: str, fn, expected, backends, dtype) -> list[str]:
    """Evaluate ``fn()`` and compare with ``expected``; an exception is a failed claim."""
    try:
        got = fn()
    except Exception as err:  # a claimed einsum that does not run is a failed claim
        return [f"{what}: raised {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"]
    msgs = backends.differ(what, got, expected, dtype)
    got_dtype = backends.numpy(got).dtype
    if not msgs and dtype is not None and got_dtype != dtype:
        msgs.append(f"{what}: dtype {got_dtype}, expected {np.dtype(dtype)} (the dtype of *)")
    return msgs


def compare_many(claims, expected: np.ndarray, backends, dtype) -> list[str]:
    """Each ``(what, value or thunk)`` must have ``expected``'s shape, the dtype ``dtype`` and its
    values (one vectorised comparison for all of them); one line per claim that does not."""
    msgs, good = [], []
    for what, value in claims:
        try:
            got = backends.numpy(value() if callable(value) else value)
        except Exception as err:  # a claimed einsum that does not run is a failed claim
            msgs.append(f"{what}: raised {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            continue
        if got.shape != expected.shape:
            msgs.append(f"{what}: shape {got.shape}, expected {expected.shape}")
        elif dtype is not None and got.dtype != dtype:
            msgs.append(f"{what}: dtype {got.dtype}, expected {np.dtype(dtype)} (the dtype of *)")
        else:
            good.append((what, got))
    if good and not backends.close(np.stack([g for _, g in good]),
                                   np.stack([expected] * len(good)), dtype):
        msgs += [m for what, got in good for m in backends.differ(what, got, expected, dtype)]
    return msgs


def dtype_name(dtype) -> str:
    """``'float32'`` for ``np.float32`` and ``torch.float32`` alike."""
    return str(dtype).removeprefix("torch.")


def check_result_dtypes(case: dict, np_result, torch_result) -> list[str]:
    """The claimed ``numpy_dtype`` / ``torch_dtype`` of the result against what each library gave."""
    msgs = []
    for key, got in (("numpy_dtype", np_result), ("torch_dtype", torch_result)):
        if key in case and got is not None and dtype_name(got.dtype) != case[key]:
            msgs.append(f"{key}: claim {case[key]!r} but {key.split('_')[0]} gives "
                        f"{dtype_name(got.dtype)!r}")
    return msgs


def _expected(case, arrays, msgs):
    try:
        return oracle_value(case["op"], arrays, tuple(case["result_shape"]))
    except OracleMismatch as err:
        msgs.append(f"index oracle: {err}")
        return None


def check_product(case: dict, backends, arrays=None) -> list[str]:
    """All claims of an ``op`` case: derivation, then numpy/torch/einsum values vs the oracle."""
    msgs = check_derivation(case) if backends.derive else []
    op, claim = case["op"], tuple(case["result_shape"])
    arrays = make_arrays(case) if arrays is None else arrays
    expected = _expected(case, arrays, msgs)
    dtype = arrays[0].dtype
    ref = expected if expected is not None else np.empty(claim, dtype)
    try:
        e = explain(*(x.shape for x in arrays), op=op)
    except BroadcastError as err:
        return msgs + [f"bc.explain: {err}"]
    eq, pattern = case.get("einsum"), case.get("einops")
    claims, np_result, torch_result = [], None, None
    if backends.use("numpy"):
        np_result = native(op, arrays)
        claims.append((f"numpy {op}", np_result))
        if eq is not None:
            claims.append((f"np.einsum({eq!r})", lambda: np.einsum(eq, *e.einsum_operands(*arrays))))
    if backends.use("torch"):
        tensors = [backends.tensor(x) for x in arrays]
        torch_result = native(op, tensors)
        claims.append((f"torch {op}", torch_result))
        if eq is not None:
            claims.append((f"torch.einsum({eq!r})",
                           lambda: backends.torch.einsum(eq, *e.einsum_operands(*tensors))))
    if backends.use("einops") and pattern is not None:
        import einops
        claims.append((f"einops.einsum({pattern!r})",
                       lambda: einops.einsum(*e.einsum_operands(*arrays), pattern)))
    if backends.use("bc") and eq is not None:
        from ..explicit import einsum, multiply
        claims.append((f"bc.einsum({eq!r})", lambda: einsum(eq, *e.einsum_operands(*arrays))))
        if op == "*":
            claims.append(("bc.multiply", lambda: multiply(*arrays)))
    msgs += compare_many(claims, ref, backends, dtype)
    return msgs + check_result_dtypes(case, np_result, torch_result)
