"""Questions about a loaded corpus, for the docs: how many cases verify an operation and shape
pattern, and the numpy/torch divergences recorded as data.

>>> cases = [{"id": "e-1", "kind": "elementwise", "seed": 0, "op": "*", "shapes": [[3], [2, 3]]},
...          {"id": "e-2", "kind": "elementwise", "seed": 1, "op": "*", "shapes": [[4], [5, 4]]}]
>>> pattern_of("*", [[3], [2, 3]])
'-n,nn'
>>> count_cases(cases, op="*", pattern="-n,nn")
2
"""
from __future__ import annotations

__all__ = ["pattern_of", "count_cases", "promotion_table", "error_records", "divergences"]


def pattern_of(op: str, shapes) -> str:
    """The broadcast pattern of operand shapes, independent of sizes: per operand, per result
    axis (right-aligned), ``-`` missing, ``1`` a size 1 facing a larger size (stretched), ``0``
    size zero, ``n`` a size equal to the result's; operands joined by ``,``. For ``@`` the
    shapes themselves are summarised by rank (``@`` patterns are ``"ranks 1,2"``).

    >>> pattern_of("*", [[2, 1], [3]])
    'n1,-n'
    >>> pattern_of("@", [[3], [2, 3, 4]])
    'ranks 1,3'
    """
    shapes = [tuple(s) for s in shapes]
    if op == "@":
        return "ranks " + ",".join(str(len(s)) for s in shapes)
    rank = max((len(s) for s in shapes), default=0)
    result = []
    for d in range(rank):
        sizes = [s[len(s) - rank + d] for s in shapes if len(s) - rank + d >= 0]
        result.append(0 if 0 in sizes else max(sizes, default=1))
    out = []
    for s in shapes:
        codes = "-" * (rank - len(s))
        for d, size in enumerate(s):
            r = result[rank - len(s) + d]
            codes += "0" if size == 0 else "1" if size == 1 and r != 1 else "n"
        out.append(codes)
    return ",".join(out)


def count_cases(cases, kind: str | None = None, op: str | None = None,
                pattern: str | None = None, einsum: str | None = None) -> int:
    """How many cases match every given filter (kind, op, :func:`pattern_of` pattern, einsum)."""
    n = 0
    for c in cases:
        if kind is not None and c.get("kind") != kind:
            continue
        if op is not None and c.get("op") != op:
            continue
        if einsum is not None and c.get("einsum") != einsum:
            continue
        if pattern is not None and ("shapes" not in c or pattern_of(c.get("op", "*"), c["shapes"]) != pattern):
            continue
        n += 1
    return n


def promotion_table(cases) -> list[dict]:
    """One record per promotion case: operand forms and dtypes, the dtype of ``*`` in numpy and
    in torch, and whether they diverge."""
    return [{"id": c["id"], "forms": c["forms"], "dtypes": c["dtypes"],
             "numpy_dtype": c["numpy_dtype"], "torch_dtype": c["torch_dtype"],
             "diverges": c["numpy_dtype"] != c["torch_dtype"]}
            for c in cases if c.get("kind") == "promotion"]


def error_records(cases) -> list[dict]:
    """One record per error case: op, shapes, and the exception each library raises."""
    return [{"id": c["id"], "op": c["op"], "shapes": c["shapes"], "error": c["error"]}
            for c in cases if c.get("kind") == "errors"]


def divergences(cases) -> list[dict]:
    """The promotion records where numpy and torch give different dtypes."""
    return [r for r in promotion_table(cases) if r["diverges"]]
