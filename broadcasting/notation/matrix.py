"""Matrix forms: how a broadcast of rank ≤ 2 is written on paper.

Every product whose result has rank ≤ 2 has one. With the result's axes ``i`` (rows) and
``j`` (columns), each operand is, after its stretched axes are removed, a scalar ``s``, a
vector along ``i`` (``u``), a vector along ``j`` (``v``) or a matrix ``M``; then

    C = s · diag(u) (M₁ ⊙ M₂ ⊙ …) diag(v)      or, with no matrix,      C = s · u vᵀ.

Sums and differences write each broadcast operand as an outer product with a vector of ones
(``𝟙 aᵀ`` copies the row ``a`` down the rows). ``@`` gives the textbook ``A B``, ``A x``,
``xᵀ W`` and ``xᵀ y``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..plan import BroadcastPlan, OperandPlan
from .index import latex_name

ONE = "\\mathbb{1}"


@dataclass(frozen=True)
class MatrixForm:
    """A matrix form in LaTeX, the name of the case, and a plain-words reading."""

    latex: str
    case: str
    words: str = ""

    def __str__(self) -> str:
        return self.latex


def _kinds(plan: BroadcastPlan):
    """Sort operand names into scalars, row-axis vectors, column-axis vectors and matrices."""
    rank = len(plan.result_labels)
    row = plan.result_labels[0] if rank == 2 else None
    col = plan.result_labels[-1] if rank >= 1 else None
    scal, us, vs, ms = [], [], [], []
    for o in plan.operands:
        labels = set(o.labels)
        name = latex_name(o.name)
        if not labels:
            scal.append(name)
        elif labels == {row, col} and rank == 2:
            ms.append(name)
        elif row is not None and labels == {row}:
            us.append(name)
        else:
            vs.append(name)
    return scal, us, vs, ms


def _hadamard(names: list[str]) -> str:
    return " \\odot ".join(names)


def _product_form(plan: BroadcastPlan) -> MatrixForm:
    rank = len(plan.result_labels)
    scal, us, vs, ms = _kinds(plan)
    c = latex_name(plan.result_name)
    s = " ".join(scal)
    prefix = s + " \\, " if s else ""
    if rank == 0:
        return MatrixForm(f"{c} = {s}", "scalar product", "a product of numbers")
    if rank == 1:
        if len(vs) == 1:
            return MatrixForm(f"{c} = {prefix}{vs[0]}", "scalar multiple", "the vector scaled")
        body = " \\, ".join(f"\\operatorname{{diag}}({v})" for v in vs[:-1]) + f" \\, {vs[-1]}"
        return MatrixForm(f"{c} = {prefix}{body}", "Hadamard product",
                          "elementwise product of vectors: diag(a) b")
    if not ms:
        u = _hadamard(us) if us else ONE
        v = _hadamard(vs) if vs else ONE
        u = f"({u})" if len(us) > 1 else u
        v = f"({v})" if len(vs) > 1 else v
        return MatrixForm(f"{c} = {prefix}{u} \\, {v}^\\top", "outer product",
                          "every row-vector entry times every column-vector entry")
    core = _hadamard(ms)
    core = f"({core})" if len(ms) > 1 and (us or vs or s) else core
    left = "".join(f"\\operatorname{{diag}}({u}) \\, " for u in us)
    right = "".join(f" \\, \\operatorname{{diag}}({v})" for v in vs)
    case = {(False, False): "Hadamard product" if len(ms) > 1 else "scalar multiple",
            (False, True): "column scaling", (True, False): "row scaling",
            (True, True): "row and column scaling"}[(bool(us), bool(vs))]
    words = _scaling_words(plan, case)
    if case == "scalar multiple" and not s:
        case, words = "copy", "the operand itself"
    return MatrixForm(f"{c} = {prefix}{left}{core}{right}", case, words)


def _scaling_words(plan: BroadcastPlan, case: str) -> str:
    """``column j of B scaled by a[j]`` in the operands' plain names (not LaTeX)."""
    if case not in ("column scaling", "row scaling"):
        return ""
    row, col = plan.result_labels
    axis = col if case == "column scaling" else row
    matrix = next(o.name for o in plan.operands if set(o.labels) == {row, col})
    vector = next(o.name for o in plan.operands if set(o.labels) == {axis})
    what = "column" if case == "column scaling" else "row"
    return f"{what} {axis} of {matrix} scaled by {vector}[{axis}]"


def _as_matrix_term(o: OperandPlan, plan: BroadcastPlan) -> str:
    rank = len(plan.result_labels)
    name = latex_name(o.name)
    labels = set(o.labels)
    if rank == 0:
        return name
    if rank == 1:
        return name if labels else f"{name} \\, {ONE}"
    row, col = plan.result_labels
    if labels == {row, col}:
        return name
    if labels == {row}:
        return f"{name} \\, {ONE}^\\top"
    if labels == {col}:
        return f"{ONE} \\, {name}^\\top"
    return f"{name} \\, {ONE} {ONE}^\\top"


def _sum_form(plan: BroadcastPlan) -> MatrixForm:
    sep = " + " if plan.op == "+" else " - "
    terms = sep.join(_as_matrix_term(o, plan) for o in plan.operands)
    return MatrixForm(f"{latex_name(plan.result_name)} = {terms}",
                      "sum" if plan.op == "+" else "difference",
                      "each broadcast operand written as an outer product with ones")


def _matmul_form(plan: BroadcastPlan) -> MatrixForm | None:
    left, right = plan.operands
    if len(left.shape) > 2 or len(right.shape) > 2:
        return None
    a, b, c = latex_name(left.name), latex_name(right.name), latex_name(plan.result_name)
    if len(left.shape) == 1 and len(right.shape) == 1:
        return MatrixForm(f"{c} = {a}^\\top {b}", "inner product", "a dot product")
    if len(left.shape) == 1:
        return MatrixForm(f"{c} = {a}^\\top {b}", "row vector times matrix",
                          f"{a} as a row: {c}ᵀ = {a}ᵀ{b}, i.e. {c} = {b}ᵀ{a}")
    if len(right.shape) == 1:
        return MatrixForm(f"{c} = {a} {b}", "matrix times vector", "each row dotted with the vector")
    return MatrixForm(f"{c} = {a} {b}", "matrix product", "rows of the first dotted with columns of the second")


def matrix_form(plan: BroadcastPlan) -> MatrixForm | None:
    """The matrix form of a plan, or ``None`` where none exists (rank > 2, or an operator that
    is not ``* + - @``).

    >>> from broadcasting.plan import make_plan
    >>> print(matrix_form(make_plan(((3,), (2, 3)))))
    C = B \\, \\operatorname{diag}(a)
    >>> matrix_form(make_plan(((3,), (3, 1)))).case
    'outer product'
    >>> matrix_form(make_plan(((2,), (2, 3)), op="@")).latex
    'c = a^\\\\top B'
    """
    if len(plan.result_labels) > 2:
        return None
    if plan.op == "*":
        return _product_form(plan)
    if plan.op in ("+", "-"):
        return _sum_form(plan)
    if plan.op == "@":
        return _matmul_form(plan)
    return None
