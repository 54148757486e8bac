"""SVG drawings of a broadcast: each operand a grid of cells laid on the result's axes, the
cells that are copies shaded, copies along a *new* axis dashed, the operator between the grids,
then the result.

The drawing is plain SVG text built here (no plotting library); it is deterministic, carries a
``<title>`` for screen readers, and brings its own light and dark palettes (CSS
``prefers-color-scheme`` inside the SVG) on its own background, so it reads on any page.

Every cell is a ``<rect class="cell">`` with data attributes tests and tools can query:
``data-grid`` (the operand's or result's name), ``data-index`` (the element shown, as the
stored array's index), ``data-copy`` (``"no"``, ``"stretched"`` or ``"new"``).

>>> from broadcasting.plan import make_plan
>>> text = svg(make_plan(((3,), (2, 3))))
>>> text.count('data-grid='), text.count('data-copy="new"')
(18, 3)
>>> import xml.etree.ElementTree as ET
>>> ET.fromstring(text).tag
'{http://www.w3.org/2000/svg}svg'
"""
from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field, replace
from functools import partial, reduce
from html import escape as escape_html

from .ops import BY_SYMBOL
from .plan import CONTRACTED, PROMOTED, BroadcastPlan, OperandPlan
from .shapes import NEW, STRETCHED, format_shape

__all__ = ["svg", "DiagramOptions", "panels_of", "Panel", "PanelAxis"]

RESULT = "result"

#: ``&``, ``<``, ``>`` escaped, as ``xml.sax.saxutils.escape`` (which imports ``urllib.request``:
#: a second of start-up in the docs' Playground)
escape = partial(escape_html, quote=False)


@dataclass(frozen=True)
class DiagramOptions:
    """How big to draw: cell size in px, how many entries per axis before eliding with "…",
    how many slices of a 3-D stack, and the width to shrink into (cells never go below
    ``min_cell``)."""

    cell: int = 30
    max_shown: int = 5
    max_slices: int = 3
    max_width: int = 600
    min_cell: int = 18
    title: str | None = None
    legend: bool = True


@dataclass(frozen=True)
class PanelAxis:
    """One drawn axis: plan label (``None`` for the size-1 axis ``@`` adds to a 1-D operand),
    size, role (``match``, ``stretched``, ``new``, ``contracted``, ``promoted``, ``result``) and
    which axis of the operand it is (``None`` when the operand lacks it)."""

    label: str | None
    size: int
    role: str
    source: int | None

    def __repr__(self) -> str:
        return f"PanelAxis({self.label}={self.size}, {self.role})"


@dataclass(frozen=True)
class Panel:
    """One grid of the drawing: an operand (on the result's axes) or the result."""

    name: str
    shape: tuple[int, ...]
    axes: tuple[PanelAxis, ...]
    is_result: bool = False
    #: the array drawn in the cells (``None``: cells show their index); see :func:`svg`'s ``values``
    values: object = field(default=None, compare=False, repr=False)

    def copy_kind(self, cell: tuple[int, ...]) -> str:
        """``"new"`` when the cell is a copy along a new axis, ``"stretched"`` when along a
        stretched size-1 axis only, ``"no"`` for a stored element.

        >>> from broadcasting.plan import make_plan
        >>> p = panels_of(make_plan(((2, 1), (3,))))[0]
        >>> p.copy_kind((1, 0)), p.copy_kind((1, 2))
        ('no', 'stretched')
        """
        kinds = {ax.role for ax, k in zip(self.axes, cell) if k > 0}
        if NEW in kinds:
            return "new"
        return "stretched" if STRETCHED in kinds else "no"

    def element(self, cell: tuple[int, ...]) -> tuple[int, ...]:
        """The index into the stored array that this cell shows (stretched axes give 0).

        >>> from broadcasting.plan import make_plan
        >>> panels_of(make_plan(((2, 1), (3,))))[0].element((1, 2))
        (1, 0)
        """
        out = [0] * len(self.shape)
        for ax, k in zip(self.axes, cell):
            if ax.source is not None:
                out[ax.source] = 0 if ax.role == STRETCHED else k
        return tuple(out)

    def __repr__(self) -> str:
        return f"Panel({self.name}{format_shape(self.shape)}, {list(self.axes)})"


def _elementwise_panel(plan: BroadcastPlan, o: OperandPlan) -> Panel:
    offset = len(plan.result_shape) - len(o.shape)
    axes = []
    for d, (label, size) in enumerate(zip(plan.result_labels, plan.result_shape)):
        role = o.role_of(label)
        axes.append(PanelAxis(label, size, role, None if role == NEW else d - offset))
    return Panel(o.name, o.shape, tuple(axes))


def _matmul_panels(plan: BroadcastPlan) -> tuple[Panel, ...]:
    left, right = plan.operands
    has_row, has_col = len(left.shape) >= 2, len(right.shape) >= 2
    nb = len(plan.result_shape) - has_row - has_col
    batch = tuple(zip(plan.result_labels[:nb], plan.result_shape[:nb]))
    out = []
    for o in (left, right):
        own = 2 if len(o.shape) >= 2 else 1
        offset = nb - (len(o.shape) - own)
        axes = []
        for d, (label, size) in enumerate(batch):
            role = o.role_of(label)
            axes.append(PanelAxis(label, size, role, None if role == NEW else d - offset))
        for a_pos in range(len(o.shape) - own, len(o.shape)):
            a = o.axes[a_pos]
            axes.append(PanelAxis(a.label, a.size, a.role, a_pos))
        if o is right and own == 1:  # a 1-D right operand is a column
            axes.append(PanelAxis(None, 1, PROMOTED, None))
        out.append(Panel(o.name, o.shape, tuple(axes)))
    raxes = [PanelAxis(lab, size, RESULT, d) for d, (lab, size)
             in enumerate(zip(plan.result_labels, plan.result_shape))]
    if has_row and not has_col:  # A @ v is a column
        raxes.append(PanelAxis(None, 1, PROMOTED, None))
    out.append(Panel(plan.result_name, plan.result_shape, tuple(raxes), True))
    return tuple(out)


def panels_of(plan: BroadcastPlan) -> tuple[Panel, ...]:
    """The grids to draw: one per operand, then the result.

    >>> from broadcasting.plan import make_plan
    >>> [p.name for p in panels_of(make_plan(((3,), (2, 3))))]
    ['a', 'B', 'C']
    >>> panels_of(make_plan(((3,), (2, 3))))[0].axes
    (PanelAxis(i=2, new), PanelAxis(j=3, match))
    """
    if plan.op == "@":
        return _matmul_panels(plan)
    ops = tuple(_elementwise_panel(plan, o) for o in plan.operands)
    result = Panel(plan.result_name, plan.result_shape,
                   tuple(PanelAxis(lab, size, RESULT, d) for d, (lab, size)
                         in enumerate(zip(plan.result_labels, plan.result_shape))), True)
    return ops + (result,)


# ---------------------------------------------------------------- geometry


def shown(size: int, limit: int) -> tuple[int | None, ...]:
    """The entries drawn along an axis: all of them, or the first ones, ``None`` (for "…")
    and the last.

    >>> shown(3, 5), shown(9, 5)
    ((0, 1, 2), (0, 1, 2, None, 8))
    """
    if size <= limit:
        return tuple(range(size))
    return tuple(range(limit - 2)) + (None, size - 1)


@dataclass(frozen=True)
class _Layout:
    slice_sizes: tuple[int, ...]  # sizes of the leading axes drawn as a stack of slices
    slices: tuple[int | None, ...]  # flat positions of the slices drawn (None: "…")
    rows: tuple[int | None, ...]
    cols: tuple[int | None, ...]
    has_rows: bool

    @property
    def n_slice_axes(self) -> int:
        return len(self.slice_sizes)

    @property
    def slice_keys(self) -> list[tuple[int, ...] | None]:
        """The slices drawn, as multi-indices over the leading axes (``None`` for "…")."""
        if not self.slice_sizes:
            return [()]
        keys = []
        for flat in self.slices:
            if flat is None:
                keys.append(None)
                continue
            key = []
            for size in reversed(self.slice_sizes):
                key.append(flat % size)
                flat //= size
            keys.append(tuple(reversed(key)))
        return keys


def _layout(panel: Panel, opt: DiagramOptions) -> _Layout:
    sizes = [a.size for a in panel.axes]
    n = len(sizes)
    cols = shown(sizes[-1], opt.max_shown) if n >= 1 else (0,)
    rows = shown(sizes[-2], opt.max_shown) if n >= 2 else (0,)
    lead = tuple(sizes[:max(n - 2, 0)])
    total = 1
    for s_ in lead:
        total *= s_
    return _Layout(lead, shown(total, opt.max_slices) if lead else (), rows, cols, n >= 2)


# ---------------------------------------------------------------- drawing

_CSS = """
#{id} .bg{{fill:#ffffff;stroke:#d0d7de}}
#{id} text{{font-family:ui-sans-serif,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;fill:#1f2328}}
#{id} .mono{{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace}}
#{id} .muted{{fill:#57606a}}
#{id} .cell{{fill:#cfe3fa;stroke:#0b5cad;stroke-width:1.2}}
#{id} .cell.res{{fill:#d6f5dc;stroke:#1a7f37}}
#{id} .cell.cp{{fill:#eef0f3;stroke:#8c959f}}
#{id} .cell.cpn{{stroke-dasharray:3 2}}
#{id} .idx{{fill:#0b3f75}}
#{id} .idx.cpt{{fill:#6e7781;font-style:italic}}
#{id} .sum{{fill:#bc4c00;font-weight:600}}
#{id} .sumline{{stroke:#bc4c00;stroke-width:1.5;fill:none}}
#{id} .frame{{fill:none;stroke:#8c959f;stroke-dasharray:4 3}}
@media (prefers-color-scheme: dark){{
#{id} .bg{{fill:#0d1117;stroke:#30363d}}
#{id} text{{fill:#e6edf3}}
#{id} .muted{{fill:#9198a1}}
#{id} .cell{{fill:#12365e;stroke:#58a6ff}}
#{id} .cell.res{{fill:#12391f;stroke:#3fb950}}
#{id} .cell.cp{{fill:#21262d;stroke:#6e7681}}
#{id} .idx{{fill:#cae8ff}}
#{id} .idx.cpt{{fill:#9198a1}}
#{id} .sum{{fill:#ffa657}}
#{id} .sumline{{stroke:#ffa657}}
#{id} .frame{{stroke:#6e7681}}
}}
"""


def _num(x: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: deterministic text."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _text(x, y, body, cls="", anchor="middle", size=None, extra="") -> str:
    attrs = f'x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"'
    if cls:
        attrs += f' class="{cls}"'
    if size:
        attrs += f' font-size="{_num(size)}"'
    return f"<text {attrs}{extra}>{escape(body)}</text>"


def _text_width(body: str, size: float) -> float:
    return len(body) * size * 0.6


@dataclass(frozen=True)
class _Block:
    """A drawn grid: its SVG elements relative to (0, 0) and its size."""

    parts: tuple[str, ...]
    width: float
    height: float


def _axis_caption(ax: PanelAxis) -> str:
    if ax.label is None:
        return ""
    prefix = "Σ " if ax.role == CONTRACTED else ""
    return f"{prefix}{ax.label} = {ax.size}"


def _index_text(panel: Panel, cell: tuple[int, ...]) -> str:
    elem = panel.element(cell)
    if not elem:
        return panel.name
    return ",".join(str(k) for k in elem)


def value_text(x) -> str:
    """A cell's value as drawn: integers without a point, others to 3 significant digits.

    >>> value_text(6.0), value_text(-0.0), value_text(0.125), value_text(True)
    ('6', '0', '0.125', 'True')
    """
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return str(bool(x))
    v = float(x)
    if v.is_integer():
        return str(int(v))
    return f"{v:.3g}"


def _cell_text(panel: Panel, cell: tuple[int, ...]) -> str:
    if panel.values is None:
        return _index_text(panel, cell)
    return value_text(panel.values[panel.element(cell)])


def _notes(panel: Panel, plan: BroadcastPlan) -> list[str]:
    if panel.is_result:
        return [f"Σ over {', '.join(plan.contracted)}"] if plan.contracted else []
    new = [a.label for a in panel.axes if a.role == NEW and a.size > 1]
    stretched = [f"{a.label}: 1→{a.size}" for a in panel.axes if a.role == STRETCHED and a.size != 1]
    notes = []
    if new:
        notes.append("new " + ", ".join(new) + ": copies")
    if stretched:
        notes.append("stretched " + ", ".join(stretched))
    return notes


def _grid(panel: Panel, lay: _Layout, cell: float, x0: float, y0: float, key, back: bool):
    """The cells of one slice at (x0, y0)."""
    parts = []
    fs = max(cell * (0.32 if panel.values is None else 0.42), 7)
    for r, row in enumerate(lay.rows):
        for c, col in enumerate(lay.cols):
            x, y = x0 + c * cell, y0 + r * cell
            if row is None or col is None:
                if not back:
                    glyph = "⋱" if row is None and col is None else ("⋮" if row is None else "…")
                    parts.append(_text(x + cell / 2, y + cell * 0.62, glyph, "muted", size=cell * 0.5))
                continue
            idx = (tuple(key) if key else ()) + ((row,) if lay.has_rows else ()) + \
                ((col,) if panel.axes else ())
            kind = "no" if panel.is_result else panel.copy_kind(idx)
            cls = "cell res" if panel.is_result else "cell" + {"no": "", "stretched": " cp",
                                                                 "new": " cp cpn"}[kind]
            label = _index_text(panel, idx)
            shown_text = _cell_text(panel, idx)
            tip = (f"{panel.name}[{label}]" if panel.shape else panel.name) + \
                ("" if panel.values is None else f" = {shown_text}") + \
                ("" if kind == "no" else f" (copy along a {kind} axis)")
            parts.append(f'<rect class="{cls}" x="{_num(x + 1)}" y="{_num(y + 1)}" '
                         f'width="{_num(cell - 2)}" height="{_num(cell - 2)}" rx="3" '
                         f'data-grid="{escape(panel.name)}" data-index="{label}" '
                         f'data-copy="{kind}"><title>{escape(tip)}</title></rect>')
            size = min(fs, (cell - 5) / (0.6 * max(len(shown_text), 1)))
            if not back and size >= 6.5:
                parts.append(_text(x + cell / 2, y + cell / 2 + size * 0.35, shown_text,
                                   "idx mono" + ("" if kind == "no" else " cpt"), size=size))
    return parts


def _block(panel: Panel, plan: BroadcastPlan, opt: DiagramOptions, cell: float) -> _Block:
    lay = _layout(panel, opt)
    fs = 12
    keys = lay.slice_keys
    depth = len(keys) - 1
    step = cell * 0.45
    row_caption = _axis_caption(panel.axes[-2]) if lay.has_rows else ""
    left = _text_width(row_caption, 12) + 12 if row_caption else 4
    top = 22 + depth * step + (16 if lay.n_slice_axes else 0)
    gw, gh = len(lay.cols) * cell, len(lay.rows) * cell
    empty = 0 in panel.shape or 0 in [a.size for a in panel.axes]
    parts = []
    if empty:
        gw, gh = max(gw, cell * 2), max(gh, cell)
        parts.append(f'<rect class="frame" x="{_num(left)}" y="{_num(top)}" width="{_num(gw)}" '
                     f'height="{_num(gh)}" rx="3"/>')
        parts.append(_text(left + gw / 2, top + gh / 2 + 4, "empty", "muted", size=11))
    else:
        for d, key in reversed(list(enumerate(keys))):
            ox, oy = left + d * step, top - d * step
            if key is None:
                parts.append(_text(ox + gw, oy + 2, "⋰", "muted", size=cell * 0.5))
                continue
            parts += _grid(panel, lay, cell, ox, oy, key, back=d > 0)
    axes = panel.axes
    if axes and axes[-1].label is not None:
        ax = axes[-1]
        parts.append(_text(left + gw / 2, top - 8 - depth * step, _axis_caption(ax),
                           "sum" if ax.role == CONTRACTED else "", size=fs))
    if lay.has_rows:
        ax = axes[-2]
        if ax.label is not None:
            parts.append(_text(left - 6, top + gh / 2 + 4, _axis_caption(ax),
                               "sum" if ax.role == CONTRACTED else "", anchor="end", size=fs))
    if lay.n_slice_axes:
        names = " ".join(a.label for a in axes[:lay.n_slice_axes])
        sizes = "×".join(str(a.size) for a in axes[:lay.n_slice_axes])
        parts.append(_text(left + gw + depth * step + 4, top - depth * step - 22,
                           f"{names} = {sizes} (slices)", "muted", anchor="end", size=11))
    y = top + gh + 18
    caption = f"{panel.name}  {format_shape(panel.shape)}"
    width = left + gw + depth * step + 4
    lines = [(caption, "mono", 13)] + [(n, "muted", 11) for n in _notes(panel, plan)]
    for body, cls, size in lines:
        width = max(width, _text_width(body, size) + 8)
    cx = left + (gw + depth * step) / 2
    for body, cls, size in lines:
        parts.append(_text(cx, y, body, cls, size=size))
        y += size + 4
    shift = max(0.0, (width - (left + gw + depth * step + 4)) / 2)
    wrapped = f'<g transform="translate({_num(shift)},0)">' + "".join(parts) + "</g>"
    return _Block((wrapped,), width + shift, y)


def _legend(plan: BroadcastPlan, panels, y: float) -> tuple[list[str], float]:
    kinds = {"no"}
    for p in panels:
        if p.is_result or 0 in [a.size for a in p.axes]:
            continue
        lay_axes = p.axes
        if any(a.role == NEW and a.size > 1 for a in lay_axes):
            kinds.add("new")
        if any(a.role == STRETCHED and a.size > 1 for a in lay_axes):
            kinds.add("stretched")
    entries = [("cell", "stored element")]
    if "stretched" in kinds:
        entries.append(("cell cp", "copy: size-1 axis stretched"))
    if "new" in kinds:
        entries.append(("cell cp cpn", "copy: new axis"))
    entries.append(("cell res", "result element"))
    parts, x = [], 16
    for cls, words in entries:
        parts.append(f'<rect class="{cls}" x="{x}" y="{_num(y)}" width="14" height="14" rx="2"/>')
        parts.append(_text(x + 20, y + 11, words, "muted", anchor="start", size=11))
        x += 20 + _text_width(words, 11) + 18
    if plan.contracted:
        parts.append(_text(x, y + 11, f"Σ {', '.join(plan.contracted)}: contracted axis",
                           "sum", anchor="start", size=11))
        x += _text_width(f"Σ {', '.join(plan.contracted)}: contracted axis", 11) + 10
    return parts, x


def _title_words(plan: BroadcastPlan) -> list[str]:
    words = []
    for o in plan.operands:
        words += [f"{o.name}{format_shape(o.shape)}", plan.op]
    words[-1] = "→"
    return words + [f"{plan.result_name}{format_shape(plan.result_shape)}"]


def _wrap(words: list[str], chars: float) -> list[str]:
    """Join words into lines of at most ``chars`` characters (when possible).

    >>> _wrap(["a(3,)", "*", "B(2, 3)", "→", "C(2, 3)"], 12)
    ['a(3,) *', 'B(2, 3) →', 'C(2, 3)']
    """
    lines = [""]
    for word in words:
        candidate = (lines[-1] + " " + word).strip()
        if len(candidate) > chars and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def _diagram_id(plan: BroadcastPlan, opt: DiagramOptions, values: str = "") -> str:
    key = repr((plan, opt.cell, opt.max_shown, opt.max_slices, opt.max_width, opt.title,
                opt.legend) + ((values,) if values else ())).encode()
    return "bcd-" + hashlib.sha1(key).hexdigest()[:10]


_GAP = 40


def _rows_of(blocks, limit: float) -> list[list[int]]:
    """Greedy line breaking: block indices per row, each row at most ``limit`` wide."""
    rows, width = [[]], 0.0
    for k, b in enumerate(blocks):
        need = b.width + (_GAP if rows[-1] else 0)
        if rows[-1] and width + need > limit:
            rows.append([])
            width, need = _GAP, b.width + _GAP  # the operator opens the new row
        rows[-1].append(k)
        width += need
    return rows


def _fit(plan, panels, opt):
    """Shrink cells until one row fits ``max_width``; otherwise wrap at the default size."""
    cell = float(opt.cell)
    while True:
        blocks = [_block(p, plan, opt, cell) for p in panels]
        rows = _rows_of(blocks, opt.max_width - 32)
        if len(rows) == 1 or cell <= opt.min_cell:
            break
        cell = max(cell - 2, float(opt.min_cell))
    if len(rows) > 1:
        blocks = [_block(p, plan, opt, float(opt.cell)) for p in panels]
        rows = _rows_of(blocks, opt.max_width - 32)
    return blocks, rows


def _glyph(plan: BroadcastPlan, k: int, count: int) -> str:
    """The sign before block ``k``."""
    return "=" if k == count - 1 else BY_SYMBOL[plan.op].glyph


def _place(plan, blocks, rows, top: float):
    """Position the blocks row by row; returns the SVG parts, the width and the bottom."""
    parts, width, y0 = [], 0.0, top
    for r, row in enumerate(rows):
        body_h = max(blocks[k].height for k in row)
        x = 16.0
        for n, k in enumerate(row):
            if n or r:
                parts.append(_text(x + _GAP / 2, y0 + body_h / 2, _glyph(plan, k, len(blocks)),
                                   "op", size=22))
                x += _GAP
            b = blocks[k]
            y = y0 + (body_h - b.height) / 2
            parts.append(f'<g class="grid-block" transform="translate({_num(x)},{_num(y)})">'
                         + "".join(b.parts) + "</g>")
            x += b.width
        width = max(width, x + 16)
        y0 += body_h + 12
    return parts, width, y0


_VALUE_OPS = {"*": operator.mul, "+": operator.add, "-": operator.sub, "/": operator.truediv,
              "@": operator.matmul}


def _with_values(plan: BroadcastPlan, panels, values) -> tuple[Panel, ...]:
    """The panels carrying the operands' arrays and the result computed from them."""
    import numpy as np
    arrays = [np.asarray(v) for v in values]
    shapes = tuple(a.shape for a in arrays)
    if shapes != tuple(o.shape for o in plan.operands):
        raise ValueError(f"values: arrays of shapes {shapes} given for operands of shapes "
                         f"{tuple(o.shape for o in plan.operands)}; give one array per operand, "
                         f"of its shape")
    if plan.op not in _VALUE_OPS:
        raise ValueError(f"values: drawing values is supported for {sorted(_VALUE_OPS)}, not {plan.op!r}")
    result = np.asarray(reduce(_VALUE_OPS[plan.op], arrays))
    return tuple(replace(p, values=a) for p, a in zip(panels, arrays + [result]))


def _values_key(panels) -> str:
    return "|".join(repr(p.values.tolist()) for p in panels if p.values is not None)


def svg(plan: BroadcastPlan, values=None, **options) -> str:
    """The diagram of a plan as an SVG document (a string).

    Options (see :class:`DiagramOptions`): ``cell``, ``max_shown``, ``max_slices``,
    ``max_width``, ``min_cell``, ``title``, ``legend``. Grids wrap onto more rows when they
    do not fit ``max_width`` even at ``min_cell``. ``values``: one array per operand; the
    cells then show the values (copies included) and the result's cells the computed result,
    instead of indices.

    >>> from broadcasting.plan import make_plan
    >>> text = svg(make_plan(((2,), (2, 3)), op="@", names=("x", "W", "h")))
    >>> "Σ i = 2" in text, text.count('data-grid="h"')
    (True, 3)
    >>> import numpy as np
    >>> drawn = svg(make_plan(((3,), (2, 3))), values=[np.array([1, 2, 3]), np.ones((2, 3))])
    >>> "C[1,2] = 3" in drawn, "a[2] = 3 (copy along a new axis)" in drawn
    (True, True)
    """
    opt = DiagramOptions(**options)
    panels = panels_of(plan)
    if values is not None:
        panels = _with_values(plan, panels, values)
    blocks, rows = _fit(plan, panels, opt)
    did = _diagram_id(plan, opt, _values_key(panels))
    words = [opt.title] if opt.title else _title_words(plan)
    title = " ".join(words)
    lines = _wrap(words, (opt.max_width - 32) / (14 * 0.6))
    parts = [_text(16, 24 + 18 * n, line, "mono", anchor="start", size=14)
             for n, line in enumerate(lines)]
    placed, width, height = _place(plan, blocks, rows, 40 + 18 * (len(lines) - 1))
    parts += placed
    width = max(width, max(_text_width(line, 14) for line in lines) + 32)
    if opt.legend:
        legend, lw = _legend(plan, panels, height)
        parts += legend
        width = max(width, lw + 8)
        height += 28
    w, h = _num(width), _num(height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="{did}" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" aria-labelledby="{did}-t {did}-d" '
            f'style="max-width:100%;height:auto">'
            f'<title id="{did}-t">{escape(title)}</title>'
            f'<desc id="{did}-d">{escape(_desc(plan))}</desc>'
            f'<style>{_CSS.format(id=did)}</style>'
            f'<rect class="bg" x="0.5" y="0.5" width="{_num(width - 1)}" height="{_num(height - 1)}" rx="6"/>'
            + "".join(parts) + "</svg>\n")


def _desc(plan: BroadcastPlan) -> str:
    from .notation import index_formula
    lines = [index_formula(plan)]
    for o in plan.operands:
        copies = [lab for lab in o.stretched if plan.sizes.get(lab, 1) > 1]
        if copies:
            lines.append(f"{o.name} is copied along {', '.join(copies)}")
    return "; ".join(lines)
