"""The first page, "Broadcasting from scratch": the two rules with values, why the copies cost
no memory, every notation of the library on one example, then the seed notebook's chain. Every
array printed on it is computed when the page is built (small integers, so every value is exact
on any machine), and every diagram is drawn from the library.

>>> page = start_page()
>>> page.splitlines()[1]
'# Broadcasting from scratch'
>>> "(0, 8)" in page   # the strides of a broadcast view: 0 along the copies
True
"""
from __future__ import annotations

import numpy as np

from ..explain import explain
from .markup import CONVENTION, code, math_block, md_header, svg_header
from .patterns import run_code

__all__ = ["start_page", "start_svgs", "STEPS"]


#: the examples drawn with values: file name, shapes, names, source lines making the operands
STEPS = (
    ("start-rule-1", ((3,), (2, 3)), ("a", "B", "C"),
     ("a = np.array([1, 2, 3])", "B = np.array([[10, 20, 30], [40, 50, 60]])")),
    ("start-rule-2", ((2, 1), (2, 3)), ("u", "B", "C"),
     ("u = np.array([[1], [2]])", "B = np.array([[10, 20, 30], [40, 50, 60]])")),
    ("start-both", ((3,), (2, 1)), ("a", "u", "C"),
     ("a = np.array([1, 2, 3])", "u = np.array([[1], [2]])")),
)


def _arrays(lines) -> list[np.ndarray]:
    scope: dict = {"np": np}
    exec("\n".join(lines), scope)
    return [scope[line.split(" = ")[0]] for line in lines]


def start_svgs() -> dict[str, str]:
    """The page's diagrams, each cell showing its value: relative path → SVG text.

    >>> svgs = start_svgs()
    >>> sorted(svgs)[0], "C[1,0] = 40" in svgs["diagrams/start-rule-1.svg"]
    ('diagrams/start-both.svg', True)
    """
    out = {}
    for slug, shapes, names, lines in STEPS:
        e = explain(*shapes, names=names)
        out[f"diagrams/{slug}.svg"] = svg_header() + "\n" + e.svg(values=_arrays(lines))
    return out


def _sample(source: str) -> list[str]:
    """A code block, then what it printed when the page was built."""
    return [code(source, "python"), "", "prints", "", code(run_code(source), "text"), ""]


def _step(k: int, prose: str, print_lines: str) -> list[str]:
    slug, shapes, names, lines = STEPS[k]
    e = explain(*shapes, names=names)
    src = "import numpy as np\n" + "\n".join(lines) + "\n" + print_lines
    drawn = " * ".join(f"{n}{s}" for n, s in zip(names, shapes))
    return [prose, "", *_sample(src), f"![Diagram of {drawn}, every cell showing its value; "
            f"copies shaded](diagrams/{slug}.svg)", "", code("\n".join(e.table()), "text"), ""]


def _rules() -> list[str]:
    out = ["## The two rules", "",
           "To combine arrays of different shapes, numpy and torch line the shapes up **on the "
           "right** and compare them axis by axis. Equal sizes match. Then:", "",
           "1. **A missing leading axis is new**: the operand is copied along it.",
           "2. **A size-1 axis facing a larger size is stretched**: the operand is copied along "
           "it.", "", "Anything else — two different sizes, neither of them 1 — is an error.", "",
           "### Rule 1: a missing axis", ""]
    out += _step(0, "`a` has shape (3,), `B` shape (2, 3). Aligned on the right, `a` lacks the "
                 "first axis: it is copied down the 2 rows, and each row of `B` is multiplied by "
                 "the same `a`.", "print(np.broadcast_to(a, B.shape))\nprint(a * B)")
    out += ["### Rule 2: a size-1 axis", ""]
    out += _step(1, "`u` has shape (2, 1): one column. Facing the 3 columns of `B`, its size-1 "
                 "axis is stretched: the column is copied 3 times, so row `i` of `B` is scaled "
                 "by `u[i, 0]`.", "print(np.broadcast_to(u, B.shape))\nprint(u * B)")
    out += ["### Both rules at once", ""]
    out += _step(2, "`a` (3,) against `u` (2, 1): `a` gets a new first axis (rule 1) and "
                 "`u`'s size-1 axis stretches to 3 (rule 2). Neither operand has the result's "
                 "shape (2, 3): every entry of `u` meets every entry of `a` — an outer product.",
                 "print(a * u)\nprint(np.array_equal(a * u, np.outer(u, a)))")
    out += ["### When the rules refuse", "", *_sample(
        "import broadcasting as bc\n\ntry:\n    bc.broadcast_shapes((2, 3), (2,))\n"
        "except bc.BroadcastError as err:\n    print(err)"),
        "numpy and torch refuse the same shapes (with their own messages).", ""]
    return out


def _virtual() -> list[str]:
    return ["## The copies are virtual", "",
            "Nothing is copied in memory. `np.broadcast_to` returns a *view* of the same "
            "memory whose **stride** — how many bytes to step to reach the next entry along an "
            "axis — is 0 along every copied axis: stepping along it stays on the same entry.", "",
            *_sample("import numpy as np\n\na = np.arange(1.0, 4.0)        # float64: 8 bytes "
                     "an entry\nA = np.broadcast_to(a, (2, 3))\nprint(a.strides, A.strides)\n"
                     "print(np.shares_memory(a, A), A.flags.writeable)"),
            "The first axis of `A` has stride 0: both rows are the same 3 numbers. The view is "
            "read-only, because writing into one copy would change them all. The product "
            "`a * B` never builds such a copy either: the loop simply reads `a[j]` for every "
            "`i`.", ""]


def _notations() -> list[str]:
    e = explain((3,), (2, 3), names=("a", "B", "C"))
    mf = e.matrix_form
    check = ("import numpy as np\nimport broadcasting as bc\n\na = np.array([1, 2, 3])\n"
             "B = np.array([[10, 20, 30], [40, 50, 60]])\ne = bc.explain(a, B, names=(\"a\", \"B\", \"C\"))\n\n"
             "print(a * B)\nprint(np.array_equal(a * B, np.einsum(e.einsum, a, B)))   # the einsum\n"
             "print(np.array_equal(a * B, B @ np.diag(a)))               # the matrix form")
    return ["## One example, every notation", "",
            "`bc.explain` says what `a * B` does in each of the notations below; all of them "
            "describe the same numbers.", "",
            "**Aligned shapes** — `·` marks the axis `a` does not have, along which it is copied:",
            "", code("\n".join(e.table()), "text"), "",
            "**Index formula** — entry by entry, with one label per axis of the result:", "",
            math_block(e.latex), "", code(e.index, "text"), "",
            "**Matrix form** — the same as a product of matrices (" + CONVENTION[0].lower()
            + CONVENTION[1:-1] + "):", "", math_block(e.matrix), "",
            f"{mf.case[0].upper() + mf.case[1:]}: {mf.words}.", "",
            f"**einsum** — `{e.einsum}`: a letter per axis; a letter missing on the right of "
            f"`->` would be summed. **einops** — `{e.einops}`.", "",
            "**Backward rule** — the gradient of each operand from the result's gradient "
            "`dL/dC`: an operand that was copied along an axis gets the *sum* of the gradients "
            "of its copies:", "",
            code("\n".join(f"{b}    einsum {a}" for b, a in zip(e.backward, e.adjoints)), "text"), "",
            "All of them agree with numpy, on the values of rule 1:", "", *_sample(check)]


def _chain() -> list[str]:
    names = ("dloss_dprob", "dprob_dscore", "dscore_dhact", "dhact_dh", "dh_dW", "dloss_dW")
    e = explain((1,), (), (3,), (3,), (2, 3), names=names)
    src = ("import numpy as np\n\nx = np.array([1, 2])\ndloss_dprob = np.array([2])            "
           "# (1,)\ndprob_dscore = np.array(3)             # ()\n"
           "dscore_dhact = np.array([1, -1, 2])     # (3,)\ndhact_dh = np.array([0, 1, 1])"
           "         # (3,)\ndh_dW = np.array([[1, 1, 1], [2, 2, 2]])   # (2, 3): x copied along j\n\n"
           "dloss_dW = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh * dh_dW\n"
           "print(dloss_dW)\n\ng = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh   "
           "# dloss/dh, shape (3,)\nprint(g)\nprint(np.array_equal(dloss_dW, np.outer(x, g)))")
    return ["## The notebook's chain", "",
            "The seed notebook computes a gradient with one line of `*`, and asks how it would "
            "be written on paper. With small integers in place of its stored derivatives:", "",
            *_sample(src),
            "The five shapes, aligned on the right — the rules above, applied four times:", "",
            code("\n".join(e.table()), "text"), "",
            "Entry by entry:", "", math_block(e.latex), "",
            "Every factor but the last carries no `i`: together they are one vector `g`, the "
            "gradient reaching `h`. The last, `dh_dW`, is `x` copied along `j`. So the chain is "
            "the **outer product** `x gᵀ` (as the last line checks) — which is why the notebook's "
            "old notes found that `v * x` \"needs `x.T @ v.T`\".", "",
            "Next: the [pattern gallery](patterns/01-scalar-times-vector.md) takes each shape "
            "combination in turn, and [Backprop by hand](backprop.md) works this chain through "
            "with its Jacobians.", ""]


def start_page() -> str:
    """The Markdown of "Broadcasting from scratch"."""
    out = [md_header(), "# Broadcasting from scratch", "",
           "Read this page top to bottom before the gallery. Every array on it was printed by "
           "the code above it when the page was built.", ""]
    return "\n".join(out + _rules() + _virtual() + _notations() + _chain())
