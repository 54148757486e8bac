"""The pattern gallery: one page per broadcasting pattern, every formula taken from
:func:`broadcasting.explain`, every code sample run at build time (its printed output is part of
the page), and the number of corpus cases that verify the pattern counted from the corpus.

>>> p = PATTERNS[0]
>>> p.slug, p.explanation.einsum
('scalar-times-vector', ',i->i')
"""
from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass
from functools import cached_property

from ..explain import Explanation, explain
from ..shapes import format_shape
from .markup import CONVENTION, code, math_block, md_header, svg_header, table

__all__ = ["Pattern", "PATTERNS", "pattern_page", "pattern_svg", "values_svg", "values_code",
           "numpy_code", "torch_code", "run_code", "table_legend"]


@dataclass(frozen=True)
class Pattern:
    """One gallery entry: shapes, operator and names, plus a sentence saying where it shows up."""

    slug: str
    title: str
    shapes: tuple[tuple[int, ...], ...]
    op: str
    names: tuple[str, ...]
    where: str
    programs: bool = False  # also verified by the corpus's runs of the notebook's network

    @cached_property
    def explanation(self) -> Explanation:
        return explain(*self.shapes, op=self.op, names=self.names)

    @property
    def expression(self) -> str:
        return f" {self.op} ".join(f"{n}{format_shape(s)}" for n, s in zip(self.names, self.shapes))


PATTERNS = (
    Pattern("scalar-times-vector", "Scalar × vector", ((), (3,)), "*", ("s", "v", "w"),
            "Scaling a vector: a learning rate times a gradient, `dprob_dscore * dscore_dwout` in "
            "the notebook."),
    Pattern("scalar-times-matrix", "Scalar × matrix", ((), (2, 3)), "*", ("s", "A", "C"),
            "Scaling a whole matrix: `W - lr * grad`."),
    Pattern("hadamard", "Hadamard (elementwise) product", ((2, 3), (2, 3)), "*", ("A", "B", "C"),
            "Equal shapes: no broadcasting at all, each entry times its partner."),
    Pattern("row-vector-times-matrix", "Vector × matrix", ((3,), (2, 3)), "*", ("a", "B", "C"),
            "The notebook's open question: `a * B` with `a` of shape (3,) scales each column of B."),
    Pattern("column-times-matrix", "Column × matrix", ((2, 1), (2, 3)), "*", ("u", "B", "C"),
            "A column (n, 1) scales each row: per-sample weights times features."),
    Pattern("column-times-row", "Column × row: the outer product", ((2, 1), (1, 3)), "*",
            ("u", "v", "C"), "Every entry of a column times every entry of a row."),
    Pattern("accidental-outer-product", "(n,) × (n, 1): the accidental outer product",
            ((3,), (3, 1)), "*", ("x", "y", "z"),
            "Two vectors of the same length, one of them kept as a column by mistake (a "
            "`keepdims=True`, a target loaded as (n, 1)): the result is n × n, not n."),
    Pattern("size-one-stretch", "Size-1 stretch: (1,) × (2, 3)", ((1,), (2, 3)), "*",
            ("a", "B", "C"), "A length-1 array acts as a scalar: `loss` of shape (1,) in the "
            "notebook."),
    Pattern("batch-times-matrix", "Batch × matrix in 3-D", ((4, 2, 3), (2, 3)), "*",
            ("X", "M", "Y"), "One mask or weight matrix applied to every item of a batch."),
    Pattern("zero-size-axes", "Zero-size axes: (0, 1) × (3,)", ((0, 1), (3,)), "*",
            ("X", "v", "Y"), "An empty batch (zero rows): the size-1 axis still stretches to 3, "
            "and the result has shape (0, 3) — no elements, but a well-defined shape."),
    Pattern("vector-matmul-matrix", "Vector @ matrix: x @ W with a 1-D x (h = Wᵀx)", ((2,), (2, 3)), "@",
            ("x", "W", "h"), "The notebook's `h = x @ W`: a 1-D `x` acts as a row on the left "
            "(hᵀ = xᵀW); written with columns, as every matrix form here is, h = Wᵀx."),
    Pattern("batched-matmul", "Batched matmul", ((5, 2, 3), (3, 4)), "@", ("A", "B", "C"),
            "A batch of matrices times one matrix: the batch axis of B is new, so its gradient "
            "sums over the batch."),
    Pattern("notebook-chain-dloss-dW", "The notebook's chain: dloss_dW",
            ((1,), (), (3,), (3,), (2, 3)), "*",
            ("dloss_dprob", "dprob_dscore", "dscore_dhact", "dhact_dh", "dh_dW", "dloss_dW"),
            "`dloss_dW = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh * dh_dW`: five "
            "factors of four different shapes, one `*` chain.", programs=True),
)


# ------------------------------------------------------------------ code samples


def _array_line(lib: str, name: str, shape: tuple[int, ...], grad: bool) -> str:
    """``B = np.arange(1.0, 7.0).reshape(2, 3)``: small integers, so every output is exact."""
    body = f"{lib}.arange(1.0, {math.prod(shape) + 1}.0)"
    if len(shape) == 0:
        body += ".reshape(())"
    elif len(shape) > 1:
        body += f".reshape{format_shape(shape)}"
    return f"{name} = {body}" + (".requires_grad_()" if grad else "")


def _explicit_args(e: Explanation, suffix: str = "") -> str:
    return ", ".join(f"{o.name}{suffix}{o.index_text}" for o in e.operands)


def numpy_code(p: Pattern) -> str:
    """numpy: the implicit operation, then the same values from the explicit einsum."""
    e = p.explanation
    lines = ["import numpy as np", ""]
    lines += [_array_line("np", o.name, o.shape, False) for o in e.operands]
    res = e.plan.result_name
    lines += ["", f"{res} = {f' {p.op} '.join(o.name for o in e.operands)}    # implicit broadcasting",
              f'{res}_explicit = np.einsum("{e.einsum}", {_explicit_args(e)})',
              f"print({res}.shape, {res}.dtype, np.array_equal({res}, {res}_explicit))"]
    return "\n".join(lines)


def torch_code(p: Pattern) -> str:
    """torch: forward, autograd backward with a gradient G, and each gradient again from the
    adjoint einsums (the backward rule), compared exactly."""
    e = p.explanation
    res = e.plan.result_name
    lines = ["import torch", ""]
    lines += [_array_line("torch", o.name, o.shape, True) for o in e.operands]
    n = math.prod(e.result_shape)
    shape = ", ".join(map(str, e.result_shape)) + ("," if len(e.result_shape) == 1 else "")
    lines += ["", f"{res} = {f' {p.op} '.join(o.name for o in e.operands)}",
              f"G = torch.arange(1.0, {n + 1}.0).reshape({shape})    # dL/d{res}, any values",
              f"{res}.backward(G)", ""]
    for o, eq in zip(e.operands, e.adjoints):
        others = [f"{q.name}.detach(){q.index_text}" for q in e.operands if q is not o]
        lines.append(f'{o.name}_grad = torch.einsum("{eq}", {", ".join(["G"] + others)})'
                     f".reshape({o.name}.shape)")
    checks = ", ".join(f"torch.equal({o.name}.grad, {o.name}_grad)" for o in e.operands)
    lines.append(f"print({res}.shape, {checks})")
    return "\n".join(lines)


def run_code(source: str) -> str:
    """Run a sample and return what it printed (the docs show real output)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<docs sample>", "exec"), {"__name__": "__docs__"})
    return out.getvalue()


# ------------------------------------------------------------------ page


def pattern_svg(p: Pattern) -> str:
    return svg_header() + "\n" + p.explanation.svg()


def _small_integers(shape: tuple[int, ...]):
    """``1, 2, 3, …`` in the given shape: the operands of the values section."""
    import numpy as np
    return np.arange(1, math.prod(shape) + 1).reshape(shape)


def values_code(p: Pattern) -> str:
    """numpy with small integers: the operands going in, the result coming out.

    >>> print(run_code(values_code(PATTERNS[3])))
    a = [1, 2, 3]
    B =
    [[1 2 3]
     [4 5 6]]
    C =
    [[ 1  4  9]
     [ 4 10 18]]
    <BLANKLINE>
    """
    e = p.explanation
    lines = ["import numpy as np", ""]
    for o in e.operands:
        body = f"np.arange(1, {math.prod(o.shape) + 1})"
        body += "" if len(o.shape) == 1 else ".reshape(())" if not o.shape else \
            f".reshape{format_shape(o.shape)}"
        lines.append(f"{o.name} = {body}")
    res = e.plan.result_name
    lines += [f"{res} = {f' {p.op} '.join(o.name for o in e.operands)}", ""]
    lines += [_print_line(n, s) for n, s in [(o.name, o.shape) for o in e.operands]
              + [(res, e.result_shape)]]
    return "\n".join(lines)


def _print_line(name: str, shape: tuple[int, ...]) -> str:
    if 0 in shape:
        return f'print("{name} has shape", {name}.shape, "and no entries")'
    if len(shape) < 2:
        return f'print("{name} =", {name}.tolist())'
    return f'print("{name} =")\nprint({name})'


def values_svg(p: Pattern) -> str:
    """The diagram with each cell showing its value (the operands of :func:`values_code`).

    >>> "C[1,2] = 18" in values_svg(PATTERNS[3])
    True
    """
    e = p.explanation
    return svg_header() + "\n" + e.svg(values=[_small_integers(o.shape) for o in e.operands])


def _values_section(p: Pattern) -> list[str]:
    src = values_code(p)
    return ["## With values", "",
            "The operands as small integers (`1, 2, 3, …` in their shapes), and the result "
            "numpy computes:", "", code(src, "python"), "", "Output:", "",
            code(run_code(src), "text"), "",
            f"![{p.expression} with values: copies shaded, the result on the right]"
            f"(../diagrams/{p.slug}-values.svg)", ""]


def _matrix_section(e: Explanation) -> list[str]:
    mf = e.matrix_form
    if mf is not None:
        words = f" — {mf.words}" if mf.words else ""
        return [math_block(mf.latex), "", f"Case: **{mf.case}**{words}."]
    lead = e.plan.result_labels[0]
    sliced = explain(*[o.shape[1:] if len(o.shape) == len(e.result_shape) else o.shape
                       for o in e.operands], op=e.op, names=[o.name for o in e.operands]
                     + [e.plan.result_name])
    out = [f"The result has rank {len(e.result_shape)}: there is no single matrix form. For each "
           f"fixed `{lead}` the slice is a rank-{len(sliced.result_shape)} broadcast, whose form "
           f"is:"]
    if sliced.matrix is not None:
        out += ["", math_block(sliced.matrix), "", f"({sliced.matrix_form.case}, with every "
                f"operand that has axis `{lead}` taken at that `{lead}`.)"]
    return out


def _backward_section(e: Explanation) -> list[str]:
    rows = [[f"`{o.name}`", f"`{b}`", f"`{a}`"] for o, b, a in zip(e.operands, e.backward, e.adjoints)]
    out = [table(["operand", "gradient", "einsum (inputs: dL/d" + e.plan.result_name +
                  ", then the other operands)"], rows), "",
           "The Jacobian of the result with respect to each operand, written with Kronecker "
           "deltas (most of its entries are zero):", ""]
    for k in range(len(e.operands)):
        out += [math_block(e.jacobian(k).latex), ""]
    return out


def table_legend(e: Explanation) -> str:
    """The sentence that reads the aligned-shapes table: for ``@`` a missing axis is not
    copied (the contracted one is summed away, the other operand's free axis is its own).

    >>> "summed away" in table_legend(PATTERNS[10].explanation)
    True
    """
    if e.op == "@":
        summed = ", ".join(f"`{lab}`" for lab in e.plan.contracted)
        batch = len(e.result_shape) > 2 or any("new axis" in line for line in e.table())
        return ("Shapes are aligned as `@` pairs them; `·` marks an axis the operand does not "
                f"have. Along the last two axes nothing is copied: the contracted axis {summed} "
                "is summed away (the result lacks it), and each free axis belongs to one "
                "operand only." + (" A missing *batch* axis is new, as for `*`: the operand is "
                                   "copied along it." if batch else ""))
    return ("Shapes are aligned on the right; `·` marks an axis the operand does not have (it "
            "is copied along it), `1→` a size-1 axis that is stretched.")


def pattern_page(p: Pattern, corpus_count: str) -> str:
    """The Markdown of one pattern page."""
    e = p.explanation
    np_src, torch_src = numpy_code(p), torch_code(p)
    out = [md_header(), f"# {p.title}", "", p.where, "",
           f"![Diagram of {p.expression}: stretched cells shaded, copies along new axes dashed]"
           f"(../diagrams/{p.slug}.svg)", "",
           *_values_section(p),
           "## Aligned shapes", "", table_legend(e), "",
           code("\n".join(e.table()), "text"), "",
           "## Index formula", "", math_block(e.latex), "", code(e.index, "text"), "",
           "## Matrix form", "", f"*{CONVENTION}*", "", *_matrix_section(e), "",
           "## einsum and einops", "",
           table(["einsum", "einops"], [[f"`{e.einsum}`", f"`{e.einops}`"]]), "",
           "Operands with a stretched size-1 axis enter the einsum with that axis indexed away "
           "(`a[0]`), so no size-1 broadcasting is left for einsum to do.", ""]
    if e.warnings:
        out += ["## Warnings", ""] + [f"!!! warning \"{w.kind}\"\n    {w.message}; {w.suggestion}"
                                      for w in e.warnings] + [""]
    out += ["## numpy", "", code(np_src, "python"), "", "Output:", "", code(run_code(np_src), "text"), "",
            "## torch, with the backward pass", "", code(torch_src, "python"), "", "Output:", "",
            code(run_code(torch_src), "text"), "",
            "## Backward rule", "", *_backward_section(e),
            "## Verified by the corpus", "", corpus_count, ""]
    return "\n".join(out)
