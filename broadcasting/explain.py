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

import json
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache

from .explicit import keep_product_dtype
from .notation import (adjoint_einsums, backward_formulas, einops_pattern, index_formula,
                       latex_formula, matrix_form)
from .plan import BroadcastPlan, make_plan
from .shapes import STRETCHED, BroadcastError, as_shape, format_shape

__all__ = ["explain", "Explanation", "Finding", "findings_of"]


@dataclass(frozen=True)
class Finding:
    """Something about a broadcast that is legal but probably not what was meant."""

    kind: str  # "accidental-outer-product" | "ambiguous-alignment"
    message: str
    suggestion: str

    def __str__(self) -> str:
        return f"{self.message}; {self.suggestion}"


def _copied(p, q, sizes: dict) -> list[str]:
    """Labels of size > 1 along which ``p`` is copied and that ``q`` really has."""
    return [lab for lab in p.stretched if sizes.get(lab, 1) > 1 and lab in q.labels]


def _is_outer(p, q, sizes: dict) -> bool:
    """Whether ``p`` and ``q`` are each copied along an axis the other has, one of them along
    a *new* axis, over equal sizes (symmetric in ``p`` and ``q``)."""
    p_copied, q_copied = _copied(p, q, sizes), _copied(q, p, sizes)
    if not (p_copied and q_copied):
        return False
    if not (set(p_copied) & set(p.new) or set(q_copied) & set(q.new)):
        return False
    return bool({sizes[lab] for lab in p_copied} & {sizes[lab] for lab in q_copied})


def _first_outer_pair(plan: BroadcastPlan, sizes: dict):
    """The first pair ``(p, q)``, ``p`` before ``q``, that :func:`_is_outer`, or ``None``.

    Whether a pair is an outer product depends only on what each operand is copied along and
    has, so operands are grouped by that and only the first two of each group are compared:
    linear in the operands (quadratic only in the number of distinct groups)."""
    groups: dict = {}
    for o in plan.operands:
        group = groups.setdefault((o.stretched, o.labels, o.new), [])
        if len(group) < 2:
            group.append(o)
    firsts = list(groups.values())
    best = None
    for i, g in enumerate(firsts):
        for h in firsts[i:]:
            p, q = (g[0], g[1]) if h is g and len(g) == 2 else (g[0], h[0])
            if p is q or not _is_outer(p, q, sizes):
                continue
            pair = (p, q) if p.position < q.position else (q, p)
            if best is None or (pair[0].position, pair[1].position) < (best[0].position, best[1].position):
                best = pair
    return best


def _outer_product(plan: BroadcastPlan) -> list[Finding]:
    """Two operands each copied along an axis the other really has, one of them along a *new*
    axis, over equal sizes: the classic ``(n,) * (n, 1) -> (n, n)``. With different sizes,
    ``(m,) * (n, 1)``, elementwise cannot have been meant: an ordinary outer product."""
    pair = _first_outer_pair(plan, plan.sizes)
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


def _ambiguous(plan: BroadcastPlan) -> list[Finding]:
    """A lower-rank operand whose size also matches an axis it was *not* aligned with, as in
    ``(4, 4) / (4,)``: right-alignment may not be the alignment meant."""
    if plan.op == "@":
        return []
    out = []
    rank = len(plan.result_shape)
    sizes = plan.sizes  # once: a property that walks every operand
    for o in plan.operands:
        if not o.new or len(o.shape) == 0:
            continue
        for a in o.axes:
            if a.size <= 1:
                continue
            clashes = [lab for lab in o.new if sizes[lab] == a.size]
            if clashes:
                d = plan.result_labels.index(clashes[0])
                pad = ", ".join([":"] * (len(o.shape)) + ["None"] * (rank - d - len(o.shape)))
                out.append(Finding(
                    "ambiguous-alignment",
                    f"{o.name}{format_shape(o.shape)} is aligned with the last axes of "
                    f"{format_shape(plan.result_shape)}, but its size {a.size} also matches axis "
                    f"{d - rank}",
                    f"if it belongs to axis {d - rank}, write {o.name}[{pad}]; if right-alignment "
                    f"is meant, say so with {o.name}[None, :]"))
                break
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
        adjoints = self.adjoints or ("",) * len(self.backward)
        for k, (formula, eq) in enumerate(zip(self.backward, adjoints)):
            rows.append(("backward" if k == 0 else "", f"{formula}    {eq}".rstrip()))
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
        out += [f"- backward: `{b}`" for b in self.backward]
        out += [f"- ⚠ {w}" for w in self.warnings]
        return "\n".join(out)

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
    shapes = tuple(_shape_of(x, k) for k, x in enumerate(operands))
    if isinstance(names, list):
        names = tuple(names)
    return _explain(shapes, op, names)
