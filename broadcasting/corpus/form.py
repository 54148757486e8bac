"""The form of each case: what the generator writes at that position of its file, from the case's
own inputs. A case is compared key by key (extra and missing keys included) with the case its
kind's ``expected(case, n, corpus_seed)`` rebuilds: ``id`` must be ``<kind>-<n>`` for the n-th
line, ``seed`` must be the value seed the corpus seed gives that position (so a changed seed
fails), and each kind pins what its generator fixes (the dtypes of elementwise and matmul cases
are uniform and equal to the claimed result dtype; a promotion case's forms and dtypes follow
from its position; a programs case is wholly fixed by its position).

A kind without ``expected`` is checked only by its ``check``.

>>> from broadcasting.corpus.kinds import case_seed
>>> case = {"id": "matmul-00001", "kind": "matmul", "op": "@", "shapes": [[1], [1]],
...         "dtypes": ["float32", "float32"], "seed": case_seed(0, "matmul", 1),
...         "result_shape": [], "index": "c = Σ_i a[i] * b[i]", "einsum": "i,i->",
...         "einops": "i, i -> ", "numpy_dtype": "float32", "torch_dtype": "float32"}
>>> check_form(case, 1, 0)
[]
>>> check_form(dict(case, dtypes=["float32", "float64"], seed=5), 1, 0)
["dtypes: claim ['float32', 'float64'] but the generator writes ['float32', 'float32'] for these inputs", 'seed: claim 5 but the generator writes 664740093 for these inputs']
"""
from __future__ import annotations

from .kinds import kind_module

__all__ = ["check_form"]


def check_form(case: dict, n: int, corpus_seed: int) -> list[str]:
    """Each key where ``case`` (the ``n``-th of its file) differs from what the generator writes
    for its inputs; a case that cannot be rebuilt is one failed line."""
    module = kind_module(case["kind"])
    if not hasattr(module, "expected"):
        return []
    try:
        want = module.expected(case, n, corpus_seed)
    except Exception as err:  # tampered inputs the generator cannot take
        return [f"the generator cannot rebuild this case: {type(err).__name__}: {err}"]
    msgs = [f"{k}: claim {case[k]!r} but the generator writes {want[k]!r} for these inputs"
            for k in want if k in case and case[k] != want[k]]
    msgs += [f"{k}: missing (the generator writes {want[k]!r})" for k in want if k not in case]
    msgs += [f"{k}: not a key of a {case['kind']} case" for k in case if k not in want]
    return msgs
