"""Type promotion of ``*``: every pair of operands among bool, int8, uint8, int32, int64, float16,
float32, float64, complex64, complex128 as arrays (shape (2,)) and 0-d arrays, and Python
scalars (bool, int, float, complex). The dtype numpy gives and the dtype torch gives are
recorded; where they differ (int64 array × float32 0-d: numpy float64, torch float32) that is
data, not a failure; a library changing from its record is.

Claims: ``numpy_dtype``, ``torch_dtype`` (``"error: <class>"`` where a library refuses), and,
checked on every run, ``bc.multiply`` and ``bc.einsum`` giving the same dtype and values as ``*``
in each library.

>>> len(operand_kinds()) ** 2 - 4 ** 2     # pairs, not both Python scalars
560
"""
from __future__ import annotations

import warnings

from ...explain import explain
from ..arrays import DTYPES, rng_of, values
from ..claims import dtype_name
from . import case_id, case_seed

NAME = "promotion"
FORMS = ("array", "0-d", "scalar")
SCALARS = ("bool", "int", "float", "complex")
SHAPES = {"array": [2], "0-d": [], "scalar": []}


def operand_kinds() -> list[tuple[str, str]]:
    """(form, dtype) of every operand: arrays and 0-d arrays of each dtype, Python scalars."""
    return [(f, d) for f in FORMS[:2] for d in DTYPES] + [("scalar", s) for s in SCALARS]


def make_operands(case: dict, torch=None) -> list:
    """The operands: numpy arrays (or torch tensors when ``torch`` is the torch module) and Python
    scalars (int scalars are drawn in [0, 5] so that numpy accepts them with unsigned arrays)."""
    rng = rng_of(case)
    out = []
    for form, dtype, shape in zip(case["forms"], case["dtypes"], case["shapes"]):
        if form == "scalar":
            x = values(rng, (), {"bool": "bool", "int": "uint8", "float": "float64",
                                 "complex": "complex128"}[dtype]).item()
            out.append({"bool": bool, "int": int, "float": float, "complex": complex}[dtype](x))
        else:
            x = values(rng, shape, dtype)
            out.append(torch.from_numpy(x) if torch else x)  # fresh arrays are contiguous
    return out


def _dtype_of(fn) -> str:
    try:
        return dtype_name(fn().dtype)
    except Exception as err:  # a refusal is recorded, not hidden
        return f"error: {type(err).__name__}"


def generate(seed: int) -> list[dict]:
    import torch
    with warnings.catch_warnings():  # torch: "ComplexHalf support is experimental"
        warnings.simplefilter("ignore", UserWarning)
        return _generate(seed, torch)


def pairs() -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """The operand pairs, in case order: every (left, right) of :func:`operand_kinds` but two
    Python scalars."""
    kinds = operand_kinds()
    return [(left, right) for left in kinds for right in kinds if not left[0] == right[0] == "scalar"]


def _inputs(n: int, seed: int) -> dict:
    (lf, ld), (rf, rd) = pairs()[n]
    return {"id": case_id(NAME, n), "kind": NAME, "op": "*", "forms": [lf, rf], "dtypes": [ld, rd],
            "shapes": [SHAPES[lf], SHAPES[rf]], "seed": case_seed(seed, NAME, n)}


def expected(case: dict, n: int, seed: int) -> dict:
    """The case at position ``n``: its operands (forms, dtypes, shapes) follow from the position;
    the recorded dtypes are checked against the libraries by :func:`check`.

    >>> expected({}, 1, 0)["dtypes"]
    ['bool', 'int8']
    """
    return dict(_inputs(n, seed), numpy_dtype=case.get("numpy_dtype"),
                torch_dtype=case.get("torch_dtype"))


def _generate(seed: int, torch) -> list[dict]:
    cases = []
    for n in range(len(pairs())):
        case = _inputs(n, seed)
        a, b = make_operands(case)
        ta, tb = make_operands(case, torch)
        case["numpy_dtype"] = _dtype_of(lambda: a * b)
        case["torch_dtype"] = _dtype_of(lambda: ta * tb)
        cases.append(case)
    return cases


def check(case: dict, backends) -> list[str]:
    """numpy's and torch's dtype of ``*`` against the record; bc.multiply and bc.einsum against
    ``*`` in each library (dtype and values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _check(case, backends)


def _check(case: dict, backends) -> list[str]:
    msgs = []
    libs = [("numpy", None)] if backends.use("numpy") else []
    if backends.use("torch"):
        libs.append(("torch", backends.torch))
    for lib, module in libs:
        a, b = make_operands(case, module)
        if backends.device != "cpu" and module is not None:
            a, b = [x.to(backends.device) if hasattr(x, "to") else x for x in (a, b)]
        got = _dtype_of(lambda: a * b)
        if got != case[f"{lib}_dtype"]:
            msgs.append(f"{lib}_dtype: claim {case[f'{lib}_dtype']!r} but {lib} * gives {got!r}")
        if got.startswith("error") or not backends.use("bc"):
            continue
        msgs += _check_explicit(lib, a, b, backends)
    return msgs


def _check_explicit(lib: str, a, b, backends) -> list[str]:
    from ...explicit import einsum, multiply
    want = a * b
    e = explain(a if hasattr(a, "shape") else (), b if hasattr(b, "shape") else ())
    msgs = []
    for what, fn in (("bc.multiply", lambda: multiply(a, b)),
                     (f"bc.einsum({e.einsum!r})", lambda: einsum(e.einsum, *e.einsum_operands(a, b)))):
        try:
            got = fn()
        except Exception as err:
            msgs.append(f"{lib}: {what} raised {type(err).__name__}: {err}")
            continue
        if dtype_name(got.dtype) != dtype_name(want.dtype):
            msgs.append(f"{lib}: {what} gives {dtype_name(got.dtype)}, * gives {dtype_name(want.dtype)}")
        else:
            msgs += backends.differ(f"{lib}: {what}", got, want)
    return msgs
