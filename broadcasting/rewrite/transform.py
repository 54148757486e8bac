"""The libcst transformer: replace decided `*` chains, keep comments, annotate, add imports.

Sites found by the tracer are matched to libcst nodes by *order*: libcst visits nodes in
source order, and the tracer's `*` sites sorted by (start, longest first) come in that same
order; each match is checked by comparing the two source texts. Computing libcst positions
for a whole file costs more than everything else together, so they are only used as the
fallback when a check fails (f-strings, where Python 3.11 positions are unreliable).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

import libcst as cst
from libcst.metadata import PositionProvider

from ..trace import Site, source_lines
from .chains import Decision, decide, ellipsis_formula, formula
from .forms import Aliases
from .letters import Letters
from .outcome import Kept, Outcome

__all__ = ["ChainRecord", "RewriteTransformer", "transform", "one_newline", "keep_newlines",
           "wrap_comment", "LINE_LIMIT"]

#: an emitted line longer than this is laid out over several lines
LINE_LIMIT = 100
_BACKSLASH = re.compile(r"\\\r?\n")
_PAREN_SPACE = re.compile(r"(?<=[(\[]) | (?=[)\]])")  # "( a + b )" written over lines
_ATOMIC = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.Integer, cst.Float,
           cst.Imaginary, cst.SimpleString, cst.List, cst.Tuple, cst.Dict, cst.Set)


@dataclass
class ChainRecord:
    """One chain in the source: its sites (innermost first), decision and emitted text."""

    sites: list[Site]
    decision: Decision
    inplace: bool = False
    replacement: str | None = None
    formula: str | None = None
    names: list[str] = field(default_factory=list)


def _comments(node) -> list[str]:
    if node is None:
        return []
    if isinstance(node, cst.Comment):
        return [node.value]
    return [c for child in node.children for c in _comments(child)]


def _atomic(node) -> bool:
    return isinstance(node, _ATOMIC) or bool(getattr(node, "lpar", ()))


def _is_mul(node) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply)


class RewriteTransformer(cst.CSTTransformer):
    """Rewrites the chains the decisions allow; records every chain it met."""

    METADATA_DEPENDENCIES = (PositionProvider,)  # resolved only in the by_position fallback

    def __init__(self, module: cst.Module, sites: list[Site], style: str, aliases: Aliases,
                 annotate: bool, lines: list[str], by_position: bool = False,
                 all_products: bool = False, letters: Letters | None = None):
        super().__init__()
        self.all_products = all_products
        self.letters = letters or Letters(frozenset(), ())
        self.module, self.style, self.aliases = module, style, aliases
        self.by_position = by_position
        if by_position:
            self.sites_at = {(s.op_line, s.op_col): s for s in sites}
        self.ordered = sorted(sites, key=lambda s: (s.line, s.col, -s.end_line, -s.end_col))
        self.next_site = 0
        self.mismatch = False
        self.site_of: dict[int, Site | None] = {}
        self.placeholders: dict[str, Layouts] = {}  # name in the tree -> emitted texts
        self.annotate, self.lines = annotate, lines
        self.members: set[int] = set()
        self.chains: dict[int, ChainRecord] = {}
        self.results: dict[int, str] = {}
        self.frames: list[list[str]] = []
        self.fstrings: list[str] = []  # the quote characters of the f-strings we are inside
        self.indents: list[str] = []   # the indentation of the blocks we are inside

    # -- statements: where annotations go -------------------------------------------------
    def on_visit(self, node) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.frames.append([])
        return super().on_visit(node)

    def on_leave(self, original, updated):
        out = super().on_leave(original, updated)
        if isinstance(original, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            notes = self.frames.pop()
            if notes and isinstance(out, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                out = _annotate(out, notes, self._last_line(out), len("".join(self.indents)))
        return out

    def _last_line(self, statement) -> int:
        """The length of the statement's last line as it will be written."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return LINE_LIMIT  # a compound statement: the note goes on a line of its own
        code = "".join(self.indents) + self.module.code_for_node(statement.with_changes(
            leading_lines=()))
        return len(fill_placeholders(code, self.placeholders).rstrip("\r\n").rsplit("\n", 1)[-1])

    def visit_IndentedBlock(self, node) -> None:
        self.indents.append(self.module.default_indent if node.indent is None else node.indent)

    def leave_IndentedBlock(self, original, updated):
        self.indents.pop()
        return updated

    def visit_FormattedString(self, node) -> None:
        self.fstrings.append(node.start.lstrip("rRfFbB")[0])

    def leave_FormattedString(self, original, updated):
        self.fstrings.pop()
        return updated

    def _quote(self) -> str | None:
        """A quote character that no enclosing f-string uses (None if both are taken)."""
        free = [q for q in ('"', "'") if q not in self.fstrings]
        return free[0] if free else None

    def visit_Assign(self, node) -> None:
        if len(node.targets) == 1:
            self.results[id(node.value)] = self.module.code_for_node(node.targets[0].target)

    def visit_AnnAssign(self, node) -> None:
        if node.value is not None:
            self.results[id(node.value)] = self.module.code_for_node(node.target)

    # -- products ------------------------------------------------------------------------
    def _site(self, node, operator) -> Site | None:
        """The traced site of a `*` node (every `*` node is looked up, in visit order)."""
        if self.by_position:
            pos = self.get_metadata(PositionProvider, operator).start
            return self.sites_at.get((pos.line, pos.column + 1))
        if self.next_site >= len(self.ordered):
            self.mismatch = True
            return None
        site = self.ordered[self.next_site]
        self.next_site += 1
        if _squeeze(site.text) != _squeeze(self.module.code_for_node(node)):
            self.mismatch = True
            return None
        return site

    def visit_BinaryOperation(self, node) -> None:
        if not _is_mul(node):
            return
        self.site_of[id(node)] = self._site(node, node.operator)
        if _is_mul(node.left):
            self.members.add(id(node.left))

    def _chain_sites(self, node) -> list[Site] | None:
        spine = [node]
        while _is_mul(spine[-1].left):
            spine.append(spine[-1].left)
        sites = [self.site_of.get(id(n)) for n in reversed(spine)]
        return None if any(s is None for s in sites) else sites

    def _decide(self, sites, inplace) -> Decision:
        if self.fstrings and self._quote() is None:
            return Decision(None, Kept(Outcome.UNSUPPORTED_SYNTAX,
                                       "inside f-strings nested with both quotes: left as written"))
        return decide(sites, self.style, self.aliases, inplace, self.all_products)

    def leave_BinaryOperation(self, original, updated):
        if not _is_mul(original) or id(original) in self.members:
            return updated
        sites = self._chain_sites(original)
        if sites is None:
            return updated
        record = ChainRecord(sites, self._decide(sites, inplace=False))
        self.chains[id(original)] = record
        if not record.decision.rewritten:
            return updated
        leaves, comments = _flatten(updated)
        name = self._render(record, original, leaves, comments, self.results.get(id(original)))
        return cst.Name(name, lpar=updated.lpar, rpar=updated.rpar)

    def _placeholder(self, layouts: Layouts) -> str:
        """A unique name standing for the emitted text until the code is generated (parsing
        every replacement back into libcst nodes would cost more than the rest)."""
        name = f"{PLACEHOLDER}{len(self.placeholders)}__"
        self.placeholders[name] = layouts
        return name

    def visit_AugAssign(self, node) -> None:
        if not isinstance(node.operator, cst.MultiplyAssign):
            return
        site = self._site(node, node.operator)
        if site is not None:
            self.chains[id(node)] = ChainRecord([site], self._decide([site], inplace=True), True)

    def leave_AugAssign(self, original, updated):
        record = self.chains.get(id(original))
        if record is None or not record.decision.rewritten:
            return updated
        target = self.module.code_for_node(updated.target)
        comments = {0: _comments(updated.operator)}
        name = self._render(record, original, [updated.target, updated.value], comments, target)
        whole = target if isinstance(updated.target, cst.Subscript) else f"{target}[...]"
        return cst.Assign(targets=[cst.AssignTarget(cst.Name(self._placeholder(
            Layouts(whole, whole, whole))))], value=cst.Name(name), semicolon=updated.semicolon)

    def _render(self, record, original, leaves, comments, result) -> str:
        texts = [self.module.code_for_node(leaf) for leaf in leaves]
        atomic = [_atomic(leaf) for leaf in leaves]
        form = record.decision.form
        form, texts, atomic, folded = _fold_indexers(form, leaves, record.decision.leaves, texts,
                                                     atomic, record.inplace)
        if form.pattern is not None:
            form = dataclasses.replace(form, pattern=self.letters.axes(form.pattern))
        shapes = ("flat",) * 3 if self.fstrings else ("flat", "packed", "exploded")
        layouts = Layouts(*(self._quoted(form, form.render(texts, atomic, comments,
                                                           layout=layout))
                            for layout in shapes))  # no line break inside an f-string
        text = self._placeholder(layouts)
        record.replacement = text
        record.formula = self._formula(record, original, folded, result)
        if not form.generic:
            record.formula += " (ranks fixed as traced)"
        if self.annotate and self.frames:
            self.frames[-1].append(record.formula)
        return text

    def _quoted(self, form, text: str) -> str:
        if self.fstrings and form.pattern is not None:  # Python 3.11: no quote of the f-string
            quote = self._quote()
            text = text.replace(f'"{form.pattern}"', f"{quote}{form.pattern}{quote}")
        return text

    def _formula(self, record, original, folded, result) -> str:
        """The index formula, the leaves named as the program wrote them (not nested
        replacements), in letters the program does not use."""
        written = _flatten(original)[0] if _is_mul(original) else [original.target, original.value]
        names = [t if _atomic(leaf) else f"({t})"
                 for t, leaf in zip((self.module.code_for_node(w) for w in written), written)]
        for k, (base, _) in folded.items():
            names[k] = base
        record.names = names
        flat = [_PAREN_SPACE.sub("", " ".join(_BACKSLASH.sub(" ", n).split())) for n in names]
        leaves = record.decision.leaves
        if result is None:
            arrays = [o.shape for o in leaves if o.is_array]
            result = self.letters.result_name(max(len(sh) for sh in arrays))
        if record.decision.ellipsis:
            return ellipsis_formula(leaves, flat, result)
        return formula(leaves, flat, result, {k: p for k, (_, p) in folded.items()},
                       self.letters)


def _fold_indexers(form, leaves, operands, texts, atomic, inplace):
    """Where an operand is written ``x[:, None]`` and the form indexes its stretched axes away
    (``x[:, None][:, 0]``), write the composition instead: ``x`` when exactly the axes the
    subscript added are removed, else ``x[...]`` with one indexer."""
    args, texts, atomic = list(form.args), list(texts), list(atomic)
    folds = {}  # leaf -> (base text, positions of the axes the subscript added)
    for n, arg in enumerate(args):
        if not arg.suffix.startswith("[") or (inplace and arg.leaf == 0):
            continue
        if len(form.head) > 1 and n == 0:
            continue  # the first operand is a product as written: nothing to fold
        folded = _compose(leaves[arg.leaf], len(operands[arg.leaf].shape), arg.suffix)
        if folded is not None:
            base, index, rest, added = folded
            texts[arg.leaf], atomic[arg.leaf] = base, True
            folds[arg.leaf] = (base, added)
            args[n] = dataclasses.replace(arg, suffix=index + rest)
    if args == list(form.args):
        return form, texts, atomic, folds
    return dataclasses.replace(form, args=tuple(args)), texts, atomic, folds


def _subscript_axes(node) -> list[str] | None:
    """``x[:, None, ...]`` -> ``[':', 'None', '...']``; None for any other subscript."""
    if not isinstance(node, cst.Subscript) or node.lpar:
        return None
    out = []
    for element in node.slice:
        s = element.slice
        if isinstance(s, cst.Slice) and s.lower is None and s.upper is None and s.step is None:
            out.append(":")
        elif isinstance(s, cst.Index) and isinstance(s.value, cst.Name) and s.value.value == "None":
            out.append("None")
        elif isinstance(s, cst.Index) and isinstance(s.value, cst.Ellipsis) and "..." not in out:
            out.append("...")
        else:
            return None
    return out


def _int(node) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) \
            and isinstance(node.expression, cst.Integer):
        return -int(node.expression.value)
    return None


def _code(node) -> str:
    return cst.Module([]).code_for_node(node)


def _inserted(node, rank: int):
    """``(base text, per-axis parts)`` when ``node`` (an operand of ``rank`` axes) is a base
    with axes inserted: ``x[:, None]``, ``x.unsqueeze(1)``, ``np.expand_dims(x, 1)``,
    ``x.reshape(-1, 1)`` (base ``x.reshape(-1)``), ``x.view(-1, 1)``; parts are ``':'`` for
    the base's axes and ``'None'`` for inserted ones. None for anything else."""
    parts = _subscript_axes(node)
    if parts is not None:
        if "..." in parts:
            k = parts.index("...")
            parts = parts[:k] + [":"] * (rank - len(parts) + 1) + parts[k + 1:]
        else:
            parts = parts + [":"] * (rank - len(parts))
        return (_code(node.value), parts) if len(parts) == rank else None
    if not isinstance(node, cst.Call) or node.lpar or not isinstance(node.func, cst.Attribute):
        return None
    name, args = node.func.attr.value, [a.value for a in node.args]
    if any(a.keyword or a.star for a in node.args):
        return None
    if name == "unsqueeze" and len(args) == 1:
        return _axis_at(_code(node.func.value), _int(args[0]), rank)
    if name in ("expand_dims", "unsqueeze") and len(args) == 2 \
            and isinstance(node.func.value, cst.Name):
        return _axis_at(_code(args[0]), _int(args[1]), rank)
    if name in ("reshape", "view"):
        return _reshaped(node, name, args, rank)
    return None


def _reshaped(node, name: str, args, rank: int):
    """``x.reshape(n, 1, 1)`` -> ``('x.reshape(n)', [':', 'None', 'None'])``: the size-1
    axes given as literal 1s are the inserted ones (``x.reshape(n, 1, 1)[:, 0, 0]`` is
    ``x.reshape(n)``, whatever the rank of ``x``)."""
    if len(args) == 1 and isinstance(args[0], cst.Tuple):
        args = [e.value for e in args[0].elements]
    if len(args) != rank:
        return None
    parts = ["None" if _int(a) == 1 else ":" for a in args]
    kept = [_code(a) for a, part in zip(args, parts) if part == ":"]
    if not kept:
        return None
    return f"{_code(node.func.value)}.{name}({', '.join(kept)})", parts


def _axis_at(base: str, axis: int | None, rank: int):
    if axis is None or not -rank <= axis < rank:
        return None
    parts = [":"] * rank
    parts[axis % rank] = "None"
    return base, parts


def _compose(node, rank: int, suffix: str):
    """``(base text, indexer, rest of the suffix, inserted positions)`` for ``node[suffix]``
    written on the base of ``node``, or None. Only an operand with at least one axis of its
    own (so the base is an array: a number cannot take ``[:]``) is folded. An indexer that
    starts with ``...`` (leading batch axes) keeps it."""
    found = _inserted(node, rank)
    if found is None or "None" not in found[1]:
        return None
    base, expanded = found
    close = suffix.index("]")
    index, rest = suffix[1:close].split(", "), suffix[close + 1:]
    generic = index[0] == "..."
    if generic:
        index = [":"] * (rank - len(index) + 1) + index[1:]
    zero_d = index[-1] == "..."  # numpy: the operand loses every axis but stays a 0-d array
    if zero_d:
        index = index[:-1]
    index = index + [":"] * (rank - len(index))
    composed = []
    for axis, taken in zip(expanded, index):
        if axis == "None":
            if taken != "0":
                return None  # an added axis the form keeps: leave it as written
        else:
            composed.append(taken)
    if not composed:
        return None  # the base has no axis of its own: it might be a number, not an array
    added = tuple(n for n, axis in enumerate(expanded) if axis == "None")
    return base, _indexer(composed, generic, zero_d), rest, added


def _indexer(composed: list[str], generic: bool, zero_d: bool) -> str:
    if generic:
        lead = 0
        while lead < len(composed) and composed[lead] == ":":
            lead += 1
        rest = composed[lead:]
        return f"[{', '.join(['...'] + rest)}]" if rest else ""
    while composed and composed[-1] == ":":
        composed.pop()
    if composed and zero_d and ":" not in composed:
        composed.append("...")  # a 0-d array, not a numpy scalar
    return f"[{', '.join(composed)}]" if composed else ""


def _squeeze(text: str) -> str:
    """Source text without layout: whitespace, parentheses and a trailing semicolon."""
    return "".join(text.split()).replace("(", "").replace(")", "").rstrip(";")


def _flatten(node):
    """Leaves of a left-nested `*` chain and the comments between them (leaf index -> list;
    ``None`` for comments inside inner parentheses)."""
    spine = [node]
    while _is_mul(spine[-1].left):
        spine.append(spine[-1].left)
    spine.reverse()
    leaves = [spine[0].left] + [n.right for n in spine]
    comments: dict = {}
    for k, n in enumerate(spine):
        found = _comments(n.operator)
        if found:
            comments.setdefault(k, []).extend(found)
        if n is not node:
            inner = [c for part in (*n.lpar, *n.rpar) for c in _comments(part)]
            if inner:
                comments.setdefault(None, []).extend(inner)
    return leaves, comments


def _annotate(statement, notes: list[str], last_line: int, indent: int):
    """The formulas after the statement when the line stays within the limit, else on lines of
    their own above it: each formula starts a line (wrapped between factors)."""
    comment = "# " + "; ".join(notes)
    simple = isinstance(statement, cst.SimpleStatementLine)
    if simple and statement.trailing_whitespace.comment is None \
            and last_line + 2 + len(comment) <= LINE_LIMIT:
        tw = statement.trailing_whitespace
        return statement.with_changes(trailing_whitespace=cst.TrailingWhitespace(
            whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(comment), newline=tw.newline))
    width = max(LINE_LIMIT - indent, 60)
    lines = [cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=cst.Comment(c))
             for note in notes for c in wrap_comment("# " + note, width)]
    return statement.with_changes(leading_lines=[*statement.leading_lines, *lines])


def wrap_comment(comment: str, width: int = LINE_LIMIT) -> list[str]:
    """A ``# formula`` comment broken before `` · `` factors into lines of at most ``width``
    characters (a single factor longer than that stays whole).

    >>> wrap_comment("# y[i] = a[i] · b[i] · c[i]", 18)
    ['# y[i] = a[i] ·', '#     b[i] · c[i]']
    """
    parts = comment.split(" · ")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines[-1] += " ·"
            lines.append("#     " + part)
    return [piece for line in lines for piece in _split_words(line, width)]


def _split_words(line: str, width: int) -> list[str]:
    """A comment line longer than ``width`` broken at spaces (a factor written over lines)."""
    out = []
    while len(line) > width and " " in line[7:width]:
        cut = line.rindex(" ", 7, width)
        out.append(line[:cut])
        line = "#         " + line[cut + 1:]
    return out + [line]


PLACEHOLDER = "__broadcasting_rewrite_"


@dataclass(frozen=True)
class Layouts:
    """The texts of one replacement: on one line, its arguments on one line of their own, one
    argument per line. The first that keeps the line within ``LINE_LIMIT`` is written."""

    flat: str
    packed: str
    exploded: str


def fill_placeholders(code: str, placeholders: dict[str, Layouts], indent: int = 0) -> str:
    """Put the emitted texts where their placeholder names stand in the generated code, each
    laid out (:class:`Layouts`) so that the line stays within ``LINE_LIMIT`` where it can;
    continuation lines take the indentation of the line the text lands on. ``indent``: the
    column at which ``code`` starts (its other lines carry their own indentation)."""
    if not placeholders:
        return code
    return _Filler(placeholders).fill(code, indent, indent, 0)


class _Filler:
    PATTERN = re.compile(PLACEHOLDER + r"\d+__")

    def __init__(self, placeholders):
        self.placeholders = placeholders

    def flat(self, text: str) -> str:
        return self.PATTERN.sub(lambda m: self.flat(self.placeholders[m.group(0)].flat)
                                if m.group(0) in self.placeholders else m.group(0), text)

    def fill(self, text: str, first_col: int, indent0: int, base: int) -> str:
        """``text`` whose first line starts at column ``first_col`` of a line indented
        ``indent0``, and whose other lines are indented ``base`` more than they say."""
        out, at = [], 0
        for match in self.PATTERN.finditer(text):
            layouts = self.placeholders.get(match.group(0))
            if layouts is None:
                continue
            start = text.rfind("\n", 0, match.start()) + 1
            line = text[start:match.start()]
            own = len(line) - len(line.lstrip())
            col = (first_col if start == 0 else base) + len(line)
            indent = indent0 if start == 0 else base + own
            end = text.find("\n", match.end())
            rest = _code_part(text[match.end():end if end >= 0 else len(text)])
            new = self.choose(layouts, col, indent, len(rest))
            if "\n" in new:
                new = new.replace("\n", "\n" + line[:own])
            out += [text[at:match.start()], new]
            at = match.end()
        return "".join(out) + text[at:]

    def choose(self, layouts: Layouts, col: int, indent: int, rest: int) -> str:
        flat = self.flat(layouts.flat)
        if "\n" not in flat and col + len(flat) + rest <= LINE_LIMIT or layouts.flat == layouts.exploded:
            return flat
        packed = self.flat(layouts.packed)
        lines = packed.split("\n")
        if len(lines) == 3 and col + len(lines[0]) <= LINE_LIMIT \
                and indent + len(lines[1]) <= LINE_LIMIT and indent + len(lines[2]) + rest <= LINE_LIMIT:
            return packed
        return self.fill(layouts.exploded, col, indent, indent)


def _code_part(rest: str) -> str:
    """The rest of a line that follows a replacement (its comment included)."""
    return rest.rstrip()


def one_newline(source: str) -> str:
    r"""``source`` with every line ending made the most common one when it mixes ``\r\n``,
    ``\n`` and ``\r`` (libcst cannot parse a mix; Python reads all three alike, so the program
    means the same).

    >>> one_newline("a = 1\r\nb = 2\nc = 3\r\n")
    'a = 1\r\nb = 2\r\nc = 3\r\n'
    """
    if "\r" not in source:
        return source
    counts = {"\r\n": source.count("\r\n")}
    counts["\n"] = source.count("\n") - counts["\r\n"]
    counts["\r"] = source.count("\r") - counts["\r\n"]
    if sum(1 for n in counts.values() if n) < 2:
        return source
    newline = max(counts, key=lambda k: (counts[k], k == "\n"))
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return newline.join(lines)


@lru_cache(maxsize=16)
def _parse(source: str) -> cst.Module:
    """The syntax tree of ``source``, kept for the next rewrite of the same text (libcst trees
    are immutable; a function rewritten for several argument structures is parsed once)."""
    return cst.parse_module(source)


def transform(source: str, sites: list[Site], style: str, aliases: Aliases, annotate: bool,
              imports: dict[str, str] | None = None,
              all_products: bool = False) -> tuple[str, list[ChainRecord]]:
    """Rewrite ``source`` given its traced sites: ``(the finished source, chain records)``, the
    records' replacement texts filled in. ``imports``: library -> import statement, added
    (after a docstring and ``__future__`` imports) for the libraries the emitted code uses.
    The source comes back unchanged when nothing was rewritten."""
    module = _parse(one_newline(source))
    products = [s for s in sites if s.op == "*"]
    lines = [line.rstrip("\r\n") for line in source_lines(source)]
    options = {"all_products": all_products, "letters": Letters.of(source)}
    tr = RewriteTransformer(module, products, style, aliases, annotate, lines, **options)
    new = module.visit(tr)
    if tr.mismatch or tr.next_site != len(products):  # fall back to libcst positions
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        tr = RewriteTransformer(module, products, style, aliases, annotate, lines,
                                by_position=True, **options)
        new = wrapper.visit(tr)
    records = list(tr.chains.values())
    if not any(r.decision.rewritten for r in records):
        return source, records
    used = {lib for r in records if r.decision.rewritten for lib in r.decision.form.libraries}
    new = _add_imports(new, [imports[lib] for lib in sorted(used & set(imports or ()))])
    for r in records:  # a chain's text may hold the placeholder of a chain nested in it
        if r.replacement is not None:
            r.replacement = fill_placeholders(r.replacement, tr.placeholders)
            r.replacement = r.replacement.replace("\n", module.default_newline) \
                if module.default_newline != "\n" else r.replacement
    code = fill_placeholders(new.code, tr.placeholders)
    if module.default_newline != "\n":  # the emitted multi-line texts end lines with \n
        code = re.sub(r"(?<!\r)\n", module.default_newline, code)
    return keep_newlines(source, code), records


_ENDING = re.compile(r"\r\n|\n|\r")


def _split_endings(text: str) -> tuple[list[str], list[str]]:
    parts = _ENDING.split(text)
    return parts, _ENDING.findall(text) + [""]


def keep_newlines(original: str, new: str) -> str:
    r"""``new`` (written with one line ending) with the lines it shares with ``original`` (a
    file mixing endings) ending as they did there; other lines keep the common ending.

    >>> keep_newlines("a = 1\r\nb = 2\nc = 3\r\n", "a = 1\r\nb = 20\r\nc = 3\r\n")
    'a = 1\r\nb = 20\r\nc = 3\r\n'
    >>> keep_newlines("a = 1\r\nb = 2\nc = 3\r\n", "x = 0\r\na = 1\r\nb = 2\r\nc = 3\r\n")
    'x = 0\r\na = 1\r\nb = 2\nc = 3\r\n'
    """
    if one_newline(original) == original:
        return new
    import difflib
    old_lines, old_ends = _split_endings(original)
    new_lines, new_ends = _split_endings(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for block in matcher.get_matching_blocks():
        for n in range(block.size):
            if new_ends[block.b + n]:
                new_ends[block.b + n] = old_ends[block.a + n] or new_ends[block.b + n]
    return "".join(line + end for line, end in zip(new_lines, new_ends))


def _add_imports(module: cst.Module, statements: list[str]) -> cst.Module:
    if not statements:
        return module
    lines = [cst.parse_statement(text + "\n") for text in statements]
    body = list(module.body)
    at = 0
    while at < len(body) and _is_header(body[at], at):
        at += 1
    if at < len(body) and at == 0 and body[0].leading_lines:
        first = body[0]
        lines[0] = lines[0].with_changes(leading_lines=first.leading_lines)
        body[0] = first.with_changes(leading_lines=())
    return module.with_changes(body=body[:at] + lines + body[at:])


def _is_header(statement, position: int) -> bool:
    """The module docstring and ``from __future__`` imports stay first."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) \
            and small.module.value == "__future__":
        return True
    return position == 0 and isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.SimpleString, cst.ConcatenatedString))
