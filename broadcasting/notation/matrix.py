"""Matrix forms: how a broadcast of rank ≤ 2 is written on paper, true of the operands *as
written* (the arrays the user passed, not the einsum's views).

Convention (:data:`CONVENTION`): a 1-D array is a column vector; a ``(1, n)`` operand is a row
and is written as it is (never ``vᵀ``); a ``(n, 1)`` operand is a column; a 1-element array is
an entry (``x₁``, or ``x₁₁`` for ``(1, 1)``), not a scalar symbol; a 0-d array or a Python number
is a scalar. A result with one element is written as its entry (``C₁₁ = …``).

With the result's axes ``i`` (rows) and ``j`` (columns), each operand is a scalar ``s`` (or an
entry), a vector along ``i`` (``u``), a vector along ``j`` (``v``) or a matrix ``M``; then

    C = s · diag(u) (M₁ ⊙ M₂ ⊙ …) diag(v)      or, with no matrix,      C = s · u vᵀ

(``vᵀ`` for a 1-D ``v``; a ``(1, n)`` row is used as it is). Sums and differences write each
broadcast operand times a vector of ones ``𝟙`` of the right length (``𝟙 y`` copies the row ``y``
down the rows). Quotients invert the divisors: ``diag(y)⁻¹``, ``s⁻¹``, ``⊘`` (elementwise
division) or ``B^{∘-1}`` (elementwise inverse). ``@`` gives the textbook ``A B``, ``A x``,
``Wᵀx`` and ``xᵀy``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..plan import BroadcastPlan, OperandPlan
from .index import latex_name

__all__ = ["MatrixForm", "matrix_form", "CONVENTION"]

ONE = "\\mathbb{1}"
SEP = " \\, "

#: the one convention every matrix form keeps (stated on the docs next to the forms)
CONVENTION = ("Matrix forms are true of the operands as written: a 1-D array is a column vector; "
              "a (1, n) operand is a row and is written as it is (never vᵀ); a (n, 1) operand is "
              "a column; a 1-element array is an entry (x₁, or x₁₁ for (1, 1)), not a scalar "
              "symbol; a 0-d array or a Python number is a scalar; 𝟙 is a column of ones of the "
              "length its place needs.")

SCALAR, ROWS, COLS, MATRIX = "scalar", "rows", "cols", "matrix"


@dataclass(frozen=True)
class MatrixForm:
    """A matrix form in LaTeX, the name of the case, and a plain-words reading."""

    latex: str
    case: str
    words: str = ""

    def __str__(self) -> str:
        return self.latex


@dataclass(frozen=True)
class _Term:
    """An operand as written: its LaTeX, its kind (scalar, vector along the rows ``i``, vector
    along the columns ``j``, matrix) and, for a ``j`` vector, whether it is written as a row."""

    latex: str
    kind: str
    is_row: bool = False
    inverse: bool = False  # a divisor of ``/``

    @property
    def as_row(self) -> str:
        return self.latex if self.is_row else f"{self.latex}^\\top"


def entry(name: str, rank: int) -> str:
    """The LaTeX of the one entry of a 1-element array: ``x_{1}``, ``x_{11}``.

    >>> entry("x", 1), entry("W", 2)
    ('x_{1}', 'W_{11}')
    """
    return f"{latex_name(name)}_{{{'1' * rank}}}"


def _term(o: OperandPlan, plan: BroadcastPlan) -> _Term:
    inverse = plan.op == "/" and o.position > 0
    if not o.shape:
        return _Term(latex_name(o.name), SCALAR, inverse=inverse)
    if all(s == 1 for s in o.shape):
        return _Term(entry(o.name, len(o.shape)), SCALAR, inverse=inverse)
    labels = set(o.labels)
    name = latex_name(o.name)
    if len(plan.result_labels) == 1:
        return _Term(name, COLS, inverse=inverse)
    row, col = plan.result_labels
    kind = MATRIX if labels == {row, col} else ROWS if labels == {row} else COLS
    return _Term(name, kind, is_row=len(o.shape) == 2, inverse=inverse)


def _power(latex: str, inverse: bool) -> str:
    return f"{latex}^{{-1}}" if inverse else latex


def _diag(t: _Term) -> str:
    return _power(f"\\operatorname{{diag}}({t.latex})", t.inverse)


def _ones(rows: int, cols: int) -> str:
    """A ``rows × cols`` matrix of ones (not both sizes 1)."""
    parts = ([ONE] if rows != 1 else []) + ([f"{ONE}^\\top"] if cols != 1 else [])
    return " ".join(parts)


def _join(*parts: str) -> str:
    return SEP.join(p for p in parts if p)


def _hadamard(items: list[str], paren: bool) -> str:
    body = " \\odot ".join(items)
    return f"({body})" if paren and len(items) > 1 else body


def _lhs(plan: BroadcastPlan) -> str:
    shape = plan.result_shape
    if shape and all(s == 1 for s in shape):
        return entry(plan.result_name, len(shape))
    return latex_name(plan.result_name)


def _scalars(terms) -> str:
    return _join(*(_power(t.latex, t.inverse) for t in terms if t.kind == SCALAR))


def _entry_form(plan: BroadcastPlan, terms) -> MatrixForm:
    """A result with one element (or none of rank): numbers only."""
    if plan.op in ("+", "-"):
        body = f" {plan.op} ".join(t.latex for t in terms)
    else:
        body = _scalars(terms)
    case = {"*": "scalar product", "/": "quotient of numbers", "+": "sum of numbers",
            "-": "difference of numbers"}[plan.op]
    return MatrixForm(f"{_lhs(plan)} = {body}", case, "one number")


def _vector_form(plan: BroadcastPlan, terms) -> MatrixForm:
    """A result of rank 1 (length > 1), a column: ``s diag(x) y``, ``s diag(y)⁻¹ x``."""
    vectors = [t for t in terms if t.kind != SCALAR]
    plain = [t for t in vectors if not t.inverse]
    last = plain[-1].latex if plain else ONE
    body = _join(_scalars(terms), *(_diag(t) for t in plain[:-1]),
                 *(_diag(t) for t in vectors if t.inverse), last)
    if len(vectors) == 1 and plain:
        return MatrixForm(f"{_lhs(plan)} = {body}", "scalar multiple", "the vector scaled")
    case = "Hadamard product" if plan.op == "*" else "elementwise quotient"
    return MatrixForm(f"{_lhs(plan)} = {body}", case, "elementwise product of vectors: diag(a) b"
                      if plan.op == "*" else "each entry divided: diag(y)⁻¹ x")


def _core(ms: list[_Term], others: bool) -> str:
    """The Hadamard product (and quotient) of the matrices."""
    plain = [t.latex for t in ms if not t.inverse]
    divisors = [t.latex for t in ms if t.inverse]
    if plain:
        core = " \\odot ".join(plain)
    else:
        core, divisors = f"{divisors[0]}^{{\\circ -1}}", divisors[1:]
    core += "".join(f" \\oslash {d}" for d in divisors)
    return f"({core})" if len(ms) > 1 and others else core


def _scaled_form(plan: BroadcastPlan, terms) -> MatrixForm:
    """``s diag(u) (M₁ ⊙ M₂) diag(v)`` (with ``⁻¹`` and ``⊘`` for divisors)."""
    us = [t for t in terms if t.kind == ROWS]
    vs = [t for t in terms if t.kind == COLS]
    ms = [t for t in terms if t.kind == MATRIX]
    s = _scalars(terms)
    body = _join(s, *(_diag(u) for u in us), _core(ms, bool(us or vs or s)),
                 *(_diag(v) for v in vs))
    case = {(False, False): "Hadamard product" if len(ms) > 1 else "scalar multiple",
            (False, True): "column scaling", (True, False): "row scaling",
            (True, True): "row and column scaling"}[(bool(us), bool(vs))]
    if plan.op == "/" and case == "Hadamard product":
        case = "elementwise quotient"
    words = _scaling_words(plan, case)
    if case == "scalar multiple" and not s:
        case, words = "copy", "the operand itself"
    return MatrixForm(f"{_lhs(plan)} = {body}", case, words)


def _outer_form(plan: BroadcastPlan, terms) -> MatrixForm:
    """No matrix among the operands: ``s u vᵀ`` (a ``(1, n)`` row written as it is)."""
    rows, cols = plan.result_shape
    us = [t for t in terms if t.kind == ROWS]
    vs = [t for t in terms if t.kind == COLS]
    left = [u.latex for u in us if not u.inverse]
    right = [v.as_row for v in vs if not v.inverse]
    uside = _hadamard(left, True) if left else (ONE if rows != 1 else "")
    vside = _hadamard(right, True) if right else (f"{ONE}^\\top" if cols != 1 else "")
    body = _join(_scalars(terms), *(_diag(u) for u in us if u.inverse),
                 _join(uside, vside), *(_diag(v) for v in vs if v.inverse))
    return MatrixForm(f"{_lhs(plan)} = {body}", "outer product",
                      "every row-vector entry times every column-vector entry")


def _product_form(plan: BroadcastPlan) -> MatrixForm:
    terms = [_term(o, plan) for o in plan.operands]
    shape = plan.result_shape
    if all(s == 1 for s in shape):
        return _entry_form(plan, terms)
    if len(shape) == 1:
        return _vector_form(plan, terms)
    if any(t.kind == MATRIX for t in terms):
        return _scaled_form(plan, terms)
    return _outer_form(plan, terms)


def _scaling_words(plan: BroadcastPlan, case: str) -> str:
    """``column j of B scaled by a[j]`` in the operands' plain names (not LaTeX)."""
    if case not in ("column scaling", "row scaling") or plan.op != "*":
        return ""
    row, col = plan.result_labels
    axis = col if case == "column scaling" else row
    matrix = next(o.name for o in plan.operands if set(o.labels) == {row, col})
    vector = next(o.name for o in plan.operands if set(o.labels) == {axis})
    what = "column" if case == "column scaling" else "row"
    return f"{what} {axis} of {matrix} scaled by {vector}[{axis}]"


def _as_matrix_term(t: _Term, shape: tuple[int, ...]) -> str:
    """One operand of a sum as a matrix of the result's shape (a vector of ones where copied)."""
    if len(shape) == 1:
        return f"{t.latex} \\, {ONE}" if t.kind == SCALAR else t.latex
    rows, cols = shape
    if t.kind == MATRIX:
        return t.latex
    if t.kind == SCALAR:
        return f"{t.latex} \\, {_ones(rows, cols)}"
    if t.kind == ROWS:
        return f"{t.latex} \\, {ONE}^\\top"
    return f"{ONE} \\, {t.as_row}" if rows != 1 else t.as_row


def _sum_form(plan: BroadcastPlan) -> MatrixForm:
    terms = [_term(o, plan) for o in plan.operands]
    if all(s == 1 for s in plan.result_shape):
        return _entry_form(plan, terms)
    sep = " + " if plan.op == "+" else " - "
    body = sep.join(_as_matrix_term(t, plan.result_shape) for t in terms)
    return MatrixForm(f"{_lhs(plan)} = {body}", "sum" if plan.op == "+" else "difference",
                      "each broadcast operand written as an outer product with ones")


def _matmul_form(plan: BroadcastPlan) -> MatrixForm | None:
    left, right = plan.operands
    if len(left.shape) > 2 or len(right.shape) > 2:
        return None
    a, b, c = latex_name(left.name), latex_name(right.name), latex_name(plan.result_name)
    if len(left.shape) == 1 and len(right.shape) == 1:
        return MatrixForm(f"{c} = {a}^\\top {b}", "inner product", "a dot product")
    if len(left.shape) == 1:
        return MatrixForm(f"{c} = {b}^\\top {a}", "vector times matrix",
                          f"{a} as a row: {c}ᵀ = {a}ᵀ{b}, so the column {c} = {b}ᵀ{a}")
    if len(right.shape) == 1:
        return MatrixForm(f"{c} = {a} {b}", "matrix times vector", "each row dotted with the vector")
    return MatrixForm(f"{c} = {a} {b}", "matrix product", "rows of the first dotted with columns of the second")


def matrix_form(plan: BroadcastPlan) -> MatrixForm | None:
    """The matrix form of a plan, or ``None`` where none exists (rank > 2, or an operator that
    is not ``* / + - @``).

    >>> from broadcasting.plan import make_plan
    >>> print(matrix_form(make_plan(((3,), (2, 3)))))
    C = B \\, \\operatorname{diag}(a)
    >>> print(matrix_form(make_plan(((2, 1), (1, 3)))))
    C = A \\, B
    >>> print(matrix_form(make_plan(((2, 3), (1, 3)), op="+")))
    C = A + \\mathbb{1} \\, B
    >>> print(matrix_form(make_plan(((2, 3), (3,)), op="/")))
    C = A \\, \\operatorname{diag}(b)^{-1}
    >>> matrix_form(make_plan(((3,), (3, 1)))).case
    'outer product'
    >>> matrix_form(make_plan(((3,), (3, 3)), op="@")).latex
    'c = B^\\\\top a'
    """
    if len(plan.result_labels) > 2:
        return None
    if plan.op in ("*", "/"):
        return _product_form(plan)
    if plan.op in ("+", "-"):
        return _sum_form(plan)
    if plan.op == "@":
        return _matmul_form(plan)
    return None
