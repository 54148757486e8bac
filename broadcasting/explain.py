"""``explain``: the object users see — every notation of one broadcast, derived from its plan.

>>> e = explain((3,), (2, 3))
>>> e.result_shape, e.einsum, e.einops
((2, 3), 'j,ij->ij', 'j, i j -> i j')
>>> e.index
'C[i,j] = a[j] * B[i,j]'
>>> e.matrix
'C = B \\\\, \\\\operatorname{diag}(a)'
"""
from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache

from .explicit import keep_product_dtype, refuse_matrix_class
from .notation import (adjoint_einsum, adjoint_einsums, backward_formula, backward_formulas,
                       einops_pattern, index_formula, latex_formula, matrix_form)
from .plan import BroadcastPlan, make_plan
from .shapes import STRETCHED, BroadcastError, as_shape, format_shape

__all__ = ["explain", "Explanation", "Finding", "findings_of", "SHOWN"]

#: how many operands' backward rules ``str`` and the Markdown spell out (each names every
#: other operand: all of them would grow with the square of the number of operands)
SHOWN = 12


@dataclass(frozen=True)
class Finding:
    """Something about a broadcast that is legal but probably not what was meant."""

    kind: str  # "accidental-outer-product" | "ambiguous-alignment"
    message: str
    suggestion: str

    def __str__(self) -> str:
        return f"{self.message}; {self.suggestion}"


def _copied_pair(sizes: dict[str, int], p, q) -> bool:
    """Whether ``p`` and ``q`` are each copied along an axis (of size > 1) the other really
    has, one of them along a *new* axis, with a size in common (symmetric in p and q)."""
    p_copied = [lab for lab in p.stretched if sizes.get(lab, 1) > 1 and lab in q.labels]
    q_copied = [lab for lab in q.stretched if sizes.get(lab, 1) > 1 and lab in p.labels]
    if not (p_copied and q_copied):
        return False
    if not (set(p_copied) & set(p.new) or set(q_copied) & set(q.new)):
        return False
    # (m,) with (n, 1): the sizes differ, it cannot have meant elementwise
    return bool({sizes[lab] for lab in p_copied} & {sizes[lab] for lab in q_copied})


def _first_copied_pair(plan: BroadcastPlan):
    """The first pair (in operand order) that :func:`_copied_pair` holds for, or None.

    Operands of one shape play the same roles, so the pairs are judged between distinct
    shapes only (a few, whatever the number of operands): linear in the operands."""
    sizes = plan.sizes
    positions: dict[tuple[int, ...], list[int]] = {}
    for o in plan.operands:
        positions.setdefault(o.shape, []).append(o.position)
    first = {shape: plan.operands[ks[0]] for shape, ks in positions.items()}
    partners = {a: [b for b in positions if b != a and _copied_pair(sizes, first[a], first[b])]
                for a in positions}
    for p in plan.operands:
        later = [ks[bisect.bisect_right(ks, p.position)] for ks in
                 (positions[b] for b in partners[p.shape]) if ks[-1] > p.position]
        if later:
            return p, plan.operands[min(later)]
    return None


def _outer_product(plan: BroadcastPlan) -> list[Finding]:
    """Two operands each copied along an axis the other really has, one of them along a *new*
    axis, over equal sizes: the classic ``(n,) * (n, 1) -> (n, n)``. With different sizes,
    ``(m,) * (n, 1)``, elementwise cannot have been meant: an ordinary outer product."""
    pair = _first_copied_pair(plan)
    if pair is None:
        return []
    p, q = pair
    low, high = (p, q) if len(p.shape) < len(q.shape) else (q, p)
    same = f"{high.name}{high.index_text}" if high.index_text else \
        f"{high.name}.reshape({format_shape(low.shape)})"
    lead = len(plan.result_shape) - len(low.shape)
    explicit = low.name + "[" + ", ".join(["None"] * lead + [":"] * len(low.shape)) + "]"
    return [Finding(
        "accidental-outer-product",
        f"{p.name}{format_shape(p.shape)} {plan.op} {q.name}{format_shape(q.shape)} -> "
        f"{format_shape(plan.result_shape)} is an outer product: each operand is copied "
        f"along an axis the other has",
        f"if elementwise was meant, use {same}; if the outer product is meant, "
        f"make the new axes explicit: {explicit}")]


def _clash(sizes: dict[str, int], o) -> tuple[int, str] | None:
    """The first (size, new label) where a size of ``o`` also matches an axis it lacks."""
    if not o.new or len(o.shape) == 0:
        return None
    for a in o.axes:
        if a.size <= 1:
            continue
        clashes = [lab for lab in o.new if sizes[lab] == a.size]
        if clashes:
            return a.size, clashes[0]
    return None


def _ambiguous(plan: BroadcastPlan) -> list[Finding]:
    """A lower-rank operand whose size also matches an axis it was *not* aligned with, as in
    ``(4, 4) / (4,)``: right-alignment may not be the alignment meant."""
    if plan.op == "@":
        return []
    out = []
    rank = len(plan.result_shape)
    sizes = plan.sizes
    clashes: dict[tuple[int, ...], tuple[int, str] | None] = {}  # one judgement per shape
    for o in plan.operands:
        if o.shape not in clashes:
            clashes[o.shape] = _clash(sizes, o)
        if clashes[o.shape] is None:
            continue
        size, label = clashes[o.shape]
        d = plan.result_labels.index(label)
        pad = ", ".join([":"] * (len(o.shape)) + ["None"] * (rank - d - len(o.shape)))
        out.append(Finding(
            "ambiguous-alignment",
            f"{o.name}{format_shape(o.shape)} is aligned with the last axes of "
            f"{format_shape(plan.result_shape)}, but its size {size} also matches axis "
            f"{d - rank}",
            f"if it belongs to axis {d - rank}, write {o.name}[{pad}]; if right-alignment "
            f"is meant, say so with {o.name}[None, :]"))
    return out


def findings_of(plan: BroadcastPlan) -> tuple[Finding, ...]:
    """All warnings about a plan (shared with the audit)."""
    return tuple(_outer_product(plan) + _ambiguous(plan))


def _too_many_labels(plan: BroadcastPlan) -> str:
    names = {o.name for o in plan.operands} | {plan.result_name}
    taken = sum(len(n) == 1 and n.isalpha() and n.isascii() for n in names)
    return (f"{len(plan.labels)} axis labels are needed; einsum has 52 letters (a-z, A-Z)"
            + (f", {taken} of them used as names here" if taken else ""))


class Explanation:
    """Every explicit form of one broadcast. Build it with :func:`explain`. Immutable: ``explain``
    returns the same object for the same shapes.

    >>> e = explain((3,), (2, 3))
    >>> e.einsum = "x"
    Traceback (most recent call last):
    ...
    AttributeError: an Explanation is immutable: cannot set 'einsum' (explain again instead)
    """

    def __init__(self, plan: BroadcastPlan):
        object.__setattr__(self, "plan", plan)
        object.__setattr__(self, "op", plan.op)
        object.__setattr__(self, "result_shape", plan.result_shape)
        object.__setattr__(self, "einsum", plan.einsum)

    def __setattr__(self, name, value):
        raise AttributeError(f"an Explanation is immutable: cannot set {name!r} (explain again instead)")

    def __delattr__(self, name):
        raise AttributeError(f"an Explanation is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        ops = f" {self.op} ".join(f"{o.name}{format_shape(o.shape)}" for o in self.plan.operands)
        return f"<Explanation {ops} -> {format_shape(self.result_shape)}: {self.index}>"

    @property
    def operands(self):
        """The operands' plans: name, shape, axes with roles, kept labels, indexer."""
        return self.plan.operands

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(o.shape for o in self.plan.operands)

    @property
    def copies(self) -> str:
        """Which operand is copied along which axes, in one sentence (used by the audit and
        ``strict``).

        >>> explain((3,), (2, 1)).copies
        'a is copied along new axis i (2); B is copied along axis j (1 -> 3)'
        """
        sizes = self.plan.sizes
        parts = []
        for o in self.plan.operands:
            along = [f"new axis {lab} ({sizes[lab]})" for lab in o.new]
            along += [f"axis {a.label} (1 -> {sizes[a.label]})" for a in o.axes if a.role == STRETCHED]
            if along:
                parts.append(f"{o.name} is copied along {', '.join(along)}")
        return "; ".join(parts)

    @cached_property
    def einops(self) -> str | None:
        """The einops pattern; ``None`` for operators that are not products and beyond 52 axis
        labels (see :attr:`unavailable`)."""
        return einops_pattern(self.plan) if self.plan.letters_only else None

    @cached_property
    def index(self) -> str:
        return index_formula(self.plan)

    @cached_property
    def latex(self) -> str:
        return latex_formula(self.plan)

    @cached_property
    def matrix_form(self):
        """The :class:`~broadcasting.notation.MatrixForm` (LaTeX, case name, words) or None."""
        return matrix_form(self.plan)

    @property
    def matrix(self) -> str | None:
        """The matrix form in LaTeX, or ``None`` where none exists (rank > 2)."""
        return None if self.matrix_form is None else self.matrix_form.latex

    @cached_property
    def adjoints(self) -> tuple[str, ...] | None:
        """One einsum per operand giving its gradient (see ``notation.adjoint_einsums``);
        ``None`` beyond einsum's 52 letters (see :attr:`unavailable`)."""
        return adjoint_einsums(self.plan) if self.plan.letters_only else None

    @cached_property
    def unavailable(self) -> dict[str, str]:
        """Notation -> why this explanation has none (each such attribute is ``None``).

        >>> explain((1,) * 53, (1,) * 53).unavailable["einsum"]
        '53 axis labels are needed; einsum has 52 letters (a-z, A-Z), 3 of them used as names here'
        >>> explain((3,), (2, 3)).unavailable
        {}
        """
        out = {}
        if not self.plan.letters_only:
            why = _too_many_labels(self.plan)
            names = ("einsum", "einops", "adjoints") if self.plan.is_product else ("adjoints",)
            out.update(dict.fromkeys(names, why))
        if self.matrix_form is None:
            out["matrix"] = ("the result has rank > 2" if len(self.result_shape) > 2 else
                             "an operand of @ has rank > 2" if self.op == "@" else
                             f"{self.op} has no matrix form")
        if not self.plan.is_product:
            out.setdefault("einsum", f"{self.op} is not a product")
            out.setdefault("einops", f"{self.op} is not a product")
        return out

    @cached_property
    def backward(self) -> tuple[str, ...]:
        """One index formula per operand for its gradient."""
        return backward_formulas(self.plan)

    @cached_property
    def warnings(self) -> tuple[Finding, ...]:
        return findings_of(self.plan)

    def einsum_operands(self, *arrays):
        """The arrays with their stretched size-1 axes indexed away (``a[0, ...]``), ready for
        :attr:`einsum` and :attr:`einops` — no size-1 broadcasting is left for einsum to do.
        Where an operand indexed down to 0-d would change the product's dtype (torch's 0-d
        tensors take no part in type promotion), every array is cast to the dtype ``*`` gives.

        >>> import numpy as np
        >>> e = explain((1, 3), (2, 3))
        >>> [x.shape for x in e.einsum_operands(np.ones((1, 3)), np.ones((2, 3)))]
        [(3,), (2, 3)]
        """
        if len(arrays) != len(self.plan.operands):
            raise BroadcastError(f"einsum_operands got {len(arrays)} arrays for "
                                 f"{len(self.plan.operands)} operands")
        out = []
        for o, x in zip(self.plan.operands, arrays):
            shape = tuple(getattr(x, "shape", ()))
            if shape != o.shape:
                raise BroadcastError(f"operand {o.position} ({o.name}) has shape {format_shape(shape)} "
                                     f"but this explanation is for {format_shape(o.shape)}")
            out.append(x if all(a.kept for a in o.axes) else x[o.index + (Ellipsis,)])
        return keep_product_dtype(arrays, out)

    def jacobian(self, k: int):
        """The Jacobian of the result with respect to operand ``k`` (see ``broadcasting.jacobian``)."""
        from .jacobian import jacobian_of
        return jacobian_of(self, k)

    def to_dict(self) -> dict:
        """Everything as plain data (JSON-ready)."""
        mf = self.matrix_form
        return {
            "op": self.op,
            "operands": [{"name": o.name, "shape": list(o.shape), "labels": list(o.labels),
                          "new": list(o.new),
                          "axes": [{"label": a.label, "size": a.size, "role": a.role} for a in o.axes]}
                         for o in self.plan.operands],
            "result": {"name": self.plan.result_name, "shape": list(self.result_shape),
                       "labels": list(self.plan.result_labels)},
            "contracted": list(self.plan.contracted),
            "einsum": self.einsum, "einops": self.einops, "index": self.index, "latex": self.latex,
            "matrix": self.matrix, "matrix_case": mf.case if mf else None,
            "adjoints": None if self.adjoints is None else list(self.adjoints),
            "backward": list(self.backward), "warnings": [asdict(w) for w in self.warnings],
            "unavailable": self.unavailable,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def table(self) -> list[str]:
        """The aligned-shape table: one row per operand and the result, one column per label."""
        labels = self.plan.labels
        rows = [(o.name, format_shape(o.shape), [self._cell(o, lab) for lab in labels], self._note(o))
                for o in self.plan.operands]
        rows.append((self.plan.result_name, format_shape(self.result_shape),
                     [str(self.plan.sizes[lab]) if lab in self.plan.result_labels else "·"
                      for lab in labels], ""))
        wn = max(len(r[0]) for r in rows)
        ws = max(len(r[1]) for r in rows)
        wc = [max(len(lab), *(len(r[2][c]) for r in rows)) for c, lab in enumerate(labels)]
        head = " " * (wn + ws + 4) + "  ".join(lab.rjust(w) for lab, w in zip(labels, wc))
        lines = [head.rstrip()]
        for name, shape, cells, note in rows:
            body = "  ".join(c.rjust(w) for c, w in zip(cells, wc))
            lines.append(f"{name.ljust(wn)}  {shape.ljust(ws)}  {body}    {note}".rstrip())
        return lines

    @staticmethod
    def _cell(o, label: str) -> str:
        for a in o.axes:
            if a.label == label:
                return f"{a.size}→" if a.role == STRETCHED else str(a.size)
        return "·"

    def _note(self, o) -> str:
        sizes = self.plan.sizes
        parts = []
        for lab in o.new:
            parts.append(f"new axis {lab}: {sizes[lab]} copies")
        for a in o.axes:
            if a.role == STRETCHED:
                parts.append(f"axis {a.label} stretched 1 → {sizes[a.label]}")
        return "copied: " + "; ".join(parts) if parts else ""

    def __str__(self) -> str:
        p = self.plan
        ops = f" {p.op} ".join(o.name for o in p.operands)
        lines = [f"{ops} -> {p.result_name}, shape {format_shape(self.result_shape)}", ""]
        lines += ["  " + line for line in self.table()]
        lines.append("")
        mf = self.matrix_form
        rows = [("index", self.index), ("latex", self.latex)]
        if mf is not None:
            rows.append(("matrix", f"{mf.latex}    ({mf.case}{': ' + mf.words if mf.words else ''})"))
        if self.einsum is not None:
            rows.append(("einsum", f"{self.einsum}    einops \"{self.einops}\""))
            if any(o.index_text for o in p.operands):  # stretched axes indexed away
                rows.append(("operands", ", ".join(o.name + o.index_text for o in p.operands)))
        for k, (formula, eq) in enumerate(self._backward_shown):
            rows.append(("backward" if k == 0 else "", f"{formula}    {eq}".rstrip()))
        if len(self.operands) > SHOWN:
            rows.append(("", f"… and {len(self.operands) - SHOWN} more operands' rules: "
                             f"e.backward, e.adjoints"))
        for key, why in self.unavailable.items():
            if key == "adjoints" or (key == "einsum" and self.plan.is_product):
                rows.append(("no " + key, why))
        for w in self.warnings:
            rows.append(("warning", str(w)))
        lines += [f"  {key:<9} {value}" for key, value in rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        p = self.plan
        ops = f" {p.op} ".join(f"`{o.name}{format_shape(o.shape)}`" for o in p.operands)
        labels = p.labels
        head = "| | shape | " + " | ".join(labels) + " |\n|---|---|" + "---|" * len(labels)
        rows = [f"| `{o.name}` | `{format_shape(o.shape)}` | " +
                " | ".join(self._cell(o, lab) for lab in labels) + " |" for o in p.operands]
        out = [f"**{ops} → `{format_shape(self.result_shape)}`**", "", head, *rows, "",
               f"$${self.latex}$$"]
        if self.matrix is not None:
            out.append(f"$${self.matrix}$$ ({self.matrix_form.case})")
        if self.einsum is not None:
            out.append(f"einsum `{self.einsum}` · einops `{self.einops}`")
        out += [f"- backward: `{b}`" for b, _ in self._backward_shown]
        if len(self.operands) > SHOWN:
            out.append(f"- … and {len(self.operands) - SHOWN} more operands' backward rules "
                       f"(`e.backward`)")
        out += [f"- ⚠ {w}" for w in self.warnings]
        return "\n".join(out)

    @cached_property
    def _backward_shown(self) -> tuple[tuple[str, str], ...]:
        """(formula, einsum) of the first :data:`SHOWN` operands: the text forms stay linear in
        the number of operands (all of them: :attr:`backward`, :attr:`adjoints`)."""
        letters = self.plan.letters_only
        return tuple((backward_formula(self.plan, k), adjoint_einsum(self.plan, k) if letters else "")
                     for k in range(min(SHOWN, len(self.operands))))

    def svg(self, **options) -> str:
        """A drawing of the operands as grids, stretched cells shaded, and the result."""
        from .diagram import svg
        return svg(self.plan, **options)

    def _repr_svg_(self) -> str:
        return self.svg()


@lru_cache(maxsize=4096)
def _explain(shapes, op, names) -> Explanation:
    return Explanation(make_plan(shapes, op, names))


def _shape_of(x, k: int) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    if shape is not None and not isinstance(x, (tuple, list)):
        return as_shape(tuple(shape), k)
    return as_shape(x, k)


def explain(*operands, op: str = "*", names=None) -> Explanation:
    """Explain ``operands[0] op operands[1] op …``: arrays (numpy, torch, anything with
    ``.shape``) or shapes (tuples; a bare int ``n`` means ``(n,)``).

    >>> print(explain((2,), (2, 3), op="@", names=("x", "W", "h")).index)
    h[j] = Σ_i x[i] * W[i,j]
    >>> explain((3,), (3, 1)).warnings[0].kind
    'accidental-outer-product'
    """
    key = (operands, op, names)
    try:
        hit = _BY_SHAPES.get(key)
    except TypeError:  # an unhashable operand (a numpy array) or list of names
        hit = None
    if hit is not None and _plain_shapes(operands):
        return hit
    refuse_matrix_class(operands, op)
    shapes = tuple(_shape_of(x, k) for k, x in enumerate(operands))
    explanation = _explain(shapes, op, tuple(names) if isinstance(names, list) else names)
    if hit is None and _plain_shapes(operands) and (names is None or type(names) in (str, tuple)):
        if len(_BY_SHAPES) >= 4096:  # full: start again empty (the recent shapes come back)
            _BY_SHAPES.clear()
        _BY_SHAPES[key] = explanation
    return explanation


#: ``(operands, op, names)`` -> the explanation, for operands given as shapes (tuples of
#: ``int``): a repeat call skips validation and the plan cache's key building. Only exact
#: ``int`` sizes are kept and found (``(3.0,) == (3,)``, but a float is no size).
_BY_SHAPES: dict = {}


def _plain_shapes(operands) -> bool:
    for x in operands:
        if type(x) is not tuple:
            return False
        for size in x:
            if type(size) is not int:
                return False
    return True
