"""Checks shared by the kinds: the claims a case makes about one ``op`` between operands
(``result_shape``, ``einsum``, ``einops``), re-derived by the library today and verified
numerically against numpy, torch, the einsum engines and the index oracle.

>>> from broadcasting.corpus.backends import Backends
>>> case = {"id": "e", "kind": "elementwise", "seed": 3, "op": "*", "shapes": [[3], [2, 3]],
...         "dtypes": ["float64", "float64"], "einsum": "j,ij->ij", "einops": "j, i j -> i j",
...         "result_shape": [2, 3], "index": "C[i,j] = a[j] * B[i,j]"}
>>> check_product(case, Backends(("numpy", "einops", "bc")))
[]
>>> check_product(dict(case, einsum="j,ij->ji"), Backends(("numpy",)))[:2]
["einsum: claim 'j,ij->ji' but the library derives 'j,ij->ij' today", "np.einsum('j,ij->ji'): shape (3, 2), expected (2, 3)"]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, reduce

import numpy as np

from ..explain import explain
from ..shapes import BroadcastError
from .arrays import make_arrays
from .oracle import BINARY, OracleMismatch, oracle_value

__all__ = ["derived_claims", "check_derivation", "check_product", "native", "run_claim",
           "dtype_name", "check_result_dtypes", "compare_many", "check_products",
           "Claim", "run_claims"]

CLAIM_KEYS = ("result_shape", "index", "einsum", "einops")


def derived_claims(op: str, shapes, adjoints: bool = False) -> dict:
    """What the library derives today for ``op`` over ``shapes``: the claim keys that apply
    (``adjoints`` too when asked). ``index`` (the index formula) names the op and each operand's
    axes (``0`` where a size-1 axis is stretched), so together with ``result_shape`` it pins the
    operand shapes of an elementwise case.

    >>> derived_claims("-", [[2, 3], [1, 3]])
    {'result_shape': [2, 3], 'index': 'C[i,j] = A[i,j] - B[0,j]'}
    """
    shapes = tuple(tuple(s) for s in shapes)
    return {k: list(v) if isinstance(v, (list, tuple)) else v
            for k, v in _derived(op, shapes, adjoints).items()}


@lru_cache(maxsize=4096)
def _derived(op: str, shapes: tuple, adjoints: bool) -> dict:
    e = explain(*shapes, op=op)
    out = {"result_shape": list(e.result_shape), "index": e.index}
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
    values (bit for bit, else within the tolerance of ``dtype``); one line per claim that does
    not."""
    msgs, inexact = [], []
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
        elif got.dtype != expected.dtype or got.tobytes() != expected.tobytes():
            inexact.append((what, got))  # not bit for bit: within the tolerance?
    for what, got in inexact:
        msgs += backends.differ(what, got, expected, dtype)
    return msgs


@lru_cache(maxsize=256)
def dtype_name(dtype) -> str:
    """``'float32'`` for ``np.float32`` and ``torch.float32`` alike.

    >>> dtype_name(np.dtype("float32"))
    'float32'
    """
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


@dataclass(frozen=True)
class Claim:
    """One numeric claim of a case: ``compute()`` must give ``expected`` (shape, dtype, values).
    Failures are appended to ``msgs`` (the case's list); ``engine`` groups claims for
    :func:`run_claims`."""

    msgs: list
    engine: str
    what: str
    compute: object
    expected: np.ndarray
    dtype: object = None

    def __repr__(self) -> str:
        return f"Claim({self.what!r})"


def run_claims(claims, backends) -> None:
    """Evaluate claims engine by engine (all ``np.einsum`` claims, then all ``einops`` ones, …),
    which keeps each library's code hot, and record each failure in its case's ``msgs``."""
    groups: dict = {}
    for c in claims:
        groups.setdefault(c.engine, []).append(c)
    for group in groups.values():
        values = []
        for c in group:
            try:
                values.append((True, c.compute()))
            except Exception as err:  # a claimed einsum that does not run is a failed claim
                first = str(err).splitlines()[0] if str(err) else ""
                c.msgs.append(f"{c.what}: raised {type(err).__name__}: {first}")
                values.append((False, None))
        for c, (ok, value) in zip(group, values):
            if ok:
                c.msgs.extend(compare_many([(c.what, value)], c.expected, backends, c.dtype))


def check_product(case: dict, backends) -> list[str]:
    """All claims of one ``op`` case (see :func:`check_products`)."""
    return check_products([case], backends)[0]


@dataclass
class _Work:
    """The state of one case while :func:`check_products` runs its stages."""

    case: dict
    msgs: list
    arrays: list | None = None
    ref: np.ndarray | None = None
    explanation: object = None
    ops: tuple = ()
    tensors: list | None = None
    results: dict = field(default_factory=dict)
    #: whether every setup step went through (the engines run only then)
    ready: bool = False


def _engines(backends):
    """(label, applies, compute) of every engine a product case is checked with, in order."""
    out = []
    if backends.use("numpy"):
        out += [(lambda c: f"numpy {c['op']}", lambda w: True,
                 lambda w: native(w.case["op"], w.arrays)),
                (lambda c: f"np.einsum({c['einsum']!r})", lambda w: "einsum" in w.case,
                 lambda w: np.einsum(w.case["einsum"], *w.ops))]
    if backends.use("torch"):
        out += [(lambda c: f"torch {c['op']}", lambda w: True,
                 lambda w: native(w.case["op"], w.tensors)),
                (lambda c: f"torch.einsum({c['einsum']!r})", lambda w: "einsum" in w.case,
                 lambda w: backends.torch.einsum(w.case["einsum"],
                                                 *w.explanation.einsum_operands(*w.tensors)))]
    if backends.use("einops"):
        import einops
        out.append((lambda c: f"einops.einsum({c['einops']!r})", lambda w: "einops" in w.case,
                    lambda w: einops.einsum(*w.ops, w.case["einops"])))
    if backends.use("bc"):
        from ..explicit import einsum, multiply
        out += [(lambda c: f"bc.einsum({c['einsum']!r})", lambda w: "einsum" in w.case,
                 lambda w: einsum(w.case["einsum"], *w.ops)),
                (lambda c: "bc.multiply", lambda w: w.case["op"] == "*",
                 lambda w: multiply(*w.arrays))]
    return out


def _oracle(w: _Work) -> None:
    expected = _expected(w.case, w.arrays, w.msgs)
    w.ref = expected if expected is not None else np.empty(tuple(w.case["result_shape"]),
                                                           w.arrays[0].dtype)


def _numpy_reference(w: _Work) -> None:
    """The torch side of a parallel run compares with numpy's ``op`` (which the numpy side
    checks against the index oracle): the same reference, a few times cheaper."""
    w.ref = np.asarray(native(w.case["op"], w.arrays))


def _explain(w: _Work, numpy_operands: bool = True) -> None:
    try:
        w.explanation = explain(*(x.shape for x in w.arrays), op=w.case["op"])
    except BroadcastError as err:
        w.msgs.append(f"bc.explain: {err}")
        return
    if numpy_operands and w.case.get("einsum") is not None:
        w.ops = w.explanation.einsum_operands(*w.arrays)
    w.ready = True


def _explain_for_torch(w: _Work) -> None:
    """Only a claimed einsum needs the explanation on the torch side (its operands)."""
    if w.case.get("einsum") is None:
        w.ready = True
    else:
        _explain(w, numpy_operands=False)


def _build_arrays(w: _Work) -> None:
    w.arrays = make_arrays(w.case)


_SETUP = (("building the arrays", _build_arrays), ("the index oracle", _oracle),
          ("bc.explain", _explain))
_TORCH_SETUP = (("building the arrays", _build_arrays), ("numpy's result", _numpy_reference),
                ("bc.explain", _explain_for_torch))


def check_products(cases, backends) -> list[list[str]]:
    """All claims of many ``op`` cases, run stage by stage over the whole batch (one engine at a
    time keeps each library's code hot): the derivation, the index oracle, then numpy ``op`` and
    ``np.einsum``, torch ``op`` and ``torch.einsum``, ``einops.einsum``, ``bc.einsum`` and
    ``bc.multiply`` against the oracle (shape, dtype of ``*``, values), then the claimed result
    dtypes. One list of failed claims per case. The torch side of a parallel run (numpy checked
    elsewhere) compares with numpy's ``op`` instead of the oracle and explains only the cases
    whose einsum it runs."""
    work = [_Work(c, check_derivation(c) if backends.derive else []) for c in cases]
    live = work
    for what, step in _TORCH_SETUP if backends.torch_side else _SETUP:  # each over the batch
        live = [w for w in live if _guarded(w, what, step)]  # a case that breaks drops out
    live = [w for w in live if w.ready]
    if backends.use("torch"):
        for w in live:
            w.tensors = [backends.tensor(x) for x in w.arrays]
    for label, applies, compute in _engines(backends):
        ran = []
        for w in live:
            if applies(w):
                what = label(w.case)
                value = w.results[what] = _attempt(w, what, compute)
                if value is not None:
                    ran.append((w, what, value))
        for w, what, value in ran:  # then compared, the engine's code no longer in the way
            w.msgs.extend(compare_many(((what, value),), w.ref, backends, w.arrays[0].dtype))
    for w in live:
        np_result = w.results.get(f"numpy {w.case['op']}")
        torch_result = w.results.get(f"torch {w.case['op']}")
        w.msgs.extend(check_result_dtypes(w.case, np_result, torch_result))
    return [w.msgs for w in work]


def _attempt(w: _Work, what: str, compute):
    try:
        return compute(w)
    except Exception as err:  # a claimed einsum that does not run is a failed claim
        first = str(err).splitlines()[0] if str(err) else ""
        w.msgs.append(f"{what}: raised {type(err).__name__}: {first}")
        return None


def _guarded(w: _Work, what: str, step) -> bool:
    try:
        step(w)
        return True
    except Exception as err:  # a malformed claim (bad shapes, dtypes) fails its case
        w.msgs.append(f"{what}: raised {type(err).__name__}: {err}")
        return False
