"""The libcst transformer: replace decided `*` chains, keep comments, annotate, add imports.

Sites found by the tracer are matched to libcst nodes by *order*: libcst visits nodes in
source order, and the tracer's `*` sites sorted by (start, longest first) come in that same
order; each match is checked by comparing the two source texts. Computing libcst positions
for a whole file costs more than everything else together, so they are only used as the
fallback when a check fails (f-strings, where Python 3.11 positions are unreliable).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import PositionProvider

from ..trace import Site, source_lines
from .chains import Decision, decide, ellipsis_formula, formula
from .forms import Aliases
from .outcome import Kept, Outcome

__all__ = ["ChainRecord", "RewriteTransformer", "transform", "one_newline"]

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
                 annotate: bool, lines: list[str], by_position: bool = False):
        super().__init__()
        self.module, self.style, self.aliases = module, style, aliases
        self.by_position = by_position
        if by_position:
            self.sites_at = {(s.op_line, s.op_col): s for s in sites}
        self.ordered = sorted(sites, key=lambda s: (s.line, s.col, -s.end_line, -s.end_col))
        self.next_site = 0
        self.mismatch = False
        self.site_of: dict[int, Site | None] = {}
        self.placeholders: dict[str, str] = {}  # name in the tree -> emitted source text
        self.annotate, self.lines = annotate, lines
        self.members: set[int] = set()
        self.chains: dict[int, ChainRecord] = {}
        self.results: dict[int, str] = {}
        self.frames: list[list[str]] = []
        self.fstrings: list[str] = []  # the quote characters of the f-strings we are inside

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
                out = _annotate(out, "# " + "; ".join(notes))
        return out

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
        return decide(sites, self.style, self.aliases, inplace)

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
        text = self._render(record, original, leaves, comments, self.results.get(id(original)))
        return self._placeholder(text).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def _placeholder(self, text: str) -> cst.Name:
        """A unique name standing for ``text`` until the code is generated (parsing every
        replacement back into libcst nodes would cost more than the rest of the rewrite)."""
        name = f"{PLACEHOLDER}{len(self.placeholders)}__"
        self.placeholders[name] = text
        return cst.Name(name)

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
        text = self._render(record, original, [updated.target, updated.value], comments, target)
        whole = target if isinstance(updated.target, cst.Subscript) else f"{target}[...]"
        return cst.Assign(targets=[cst.AssignTarget(self._placeholder(whole))],
                          value=self._placeholder(text), semicolon=updated.semicolon)

    def _render(self, record, original, leaves, comments, result) -> str:
        texts = [self.module.code_for_node(leaf) for leaf in leaves]
        atomic = [_atomic(leaf) for leaf in leaves]
        start = record.sites[-1].line  # the outermost site starts the chain
        line = self.lines[start - 1] if start - 1 < len(self.lines) else ""
        indent = line[:len(line) - len(line.lstrip())]
        form = record.decision.form
        form, texts, atomic, folded = _fold_indexers(form, leaves, record.decision.leaves, texts,
                                                     atomic, record.inplace)
        text = form.render(texts, atomic, comments, indent)
        if self.fstrings and form.pattern is not None:  # Python 3.11: no quote of the f-string
            quote = self._quote()
            text = text.replace(f'"{form.pattern}"', f"{quote}{form.pattern}{quote}")
        if self.module.default_newline != "\n":  # a multi-line form in a \r\n file
            text = text.replace("\r\n", "\n").replace("\n", self.module.default_newline)
        record.replacement = text
        # the formula names the leaves as the program wrote them (not nested replacements)
        written = _flatten(original)[0] if _is_mul(original) else [original.target, original.value]
        names = [t if _atomic(leaf) else f"({t})"
                 for t, leaf in zip((self.module.code_for_node(w) for w in written), written)]
        for k, (base, _) in folded.items():
            names[k] = base
        record.names = names
        flat = [" ".join(n.split()) for n in names]
        if record.decision.ellipsis:
            record.formula = ellipsis_formula(record.decision.leaves, flat, result)
        else:
            record.formula = formula(record.decision.leaves, flat, result,
                                     {k: p for k, (_, p) in folded.items()})
        if self.annotate and self.frames:
            self.frames[-1].append(record.formula)
        return text


def _fold_indexers(form, leaves, operands, texts, atomic, inplace):
    """Where an operand is written ``x[:, None]`` and the form indexes its stretched axes away
    (``x[:, None][:, 0]``), write the composition instead: ``x`` when exactly the axes the
    subscript added are removed, else ``x[...]`` with one indexer."""
    args, texts, atomic = list(form.args), list(texts), list(atomic)
    folds = {}  # leaf -> (base text, positions of the axes the subscript added)
    for n, arg in enumerate(args):
        if not arg.suffix.startswith("[") or (inplace and arg.leaf == 0):
            continue
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


def _compose(node, rank: int, suffix: str):
    """``(base text, indexer, rest of the suffix)`` for ``node[suffix]`` written on the base of
    ``node``, or None. Only a subscript of ``:``, ``None`` and ``...`` on an operand with at least
    one axis of its own (so the base is an array: a number cannot take ``[:]``) is folded."""
    parts = _subscript_axes(node)
    if not parts or "None" not in parts:
        return None
    close = suffix.index("]")
    index, rest = suffix[1:close].split(", "), suffix[close + 1:]
    zero_d = index[-1] == "..."  # numpy: the operand loses every axis but stays a 0-d array
    if zero_d:
        index = index[:-1]
    k = parts.index("...") if "..." in parts else len(parts)
    fill = rank - (len(parts) - ("..." in parts))
    expanded = parts[:k] + [":"] * fill + parts[k + 1:] if "..." in parts else parts + [":"] * fill
    if len(expanded) != rank:
        return None
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
    while composed and composed[-1] == ":":
        composed.pop()
    if composed and zero_d and ":" not in composed:
        composed.append("...")  # a 0-d array, not a numpy scalar
    base = cst.Module([]).code_for_node(node.value)
    added = tuple(n for n, axis in enumerate(expanded) if axis == "None")
    return base, (f"[{', '.join(composed)}]" if composed else ""), rest, added


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


def _annotate(statement, comment: str):
    if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment is None:
        tw = statement.trailing_whitespace
        return statement.with_changes(trailing_whitespace=cst.TrailingWhitespace(
            whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(comment), newline=tw.newline))
    line = cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=cst.Comment(comment))
    return statement.with_changes(leading_lines=[*statement.leading_lines, line])


PLACEHOLDER = "__broadcasting_rewrite_"


def fill_placeholders(code: str, placeholders: dict[str, str]) -> str:
    """Put the emitted texts where their placeholder names stand in the generated code."""
    if not placeholders:
        return code
    import re
    pattern = re.compile(PLACEHOLDER + r"\d+__")

    def fill(match):  # a chain's text holds the placeholders of the chains nested in it
        text = placeholders.get(match.group(0))
        return match.group(0) if text is None else pattern.sub(fill, text)
    return pattern.sub(fill, code)


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


def transform(source: str, sites: list[Site], style: str, aliases: Aliases, annotate: bool,
              imports: dict[str, str] | None = None) -> tuple[str, list[ChainRecord]]:
    """Rewrite ``source`` given its traced sites: ``(the finished source, chain records)``, the
    records' replacement texts filled in. ``imports``: library -> import statement, added
    (after a docstring and ``__future__`` imports) for the libraries the emitted code uses.
    The source comes back unchanged when nothing was rewritten."""
    module = cst.parse_module(one_newline(source))
    products = [s for s in sites if s.op == "*"]
    lines = [line.rstrip("\r\n") for line in source_lines(source)]
    tr = RewriteTransformer(module, products, style, aliases, annotate, lines)
    new = module.visit(tr)
    if tr.mismatch or tr.next_site != len(products):  # fall back to libcst positions
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        tr = RewriteTransformer(module, products, style, aliases, annotate, lines, by_position=True)
        new = wrapper.visit(tr)
    records = list(tr.chains.values())
    if not any(r.decision.rewritten for r in records):
        return source, records
    used = {lib for r in records if r.decision.rewritten for lib in r.decision.form.libraries}
    new = _add_imports(new, [imports[lib] for lib in sorted(used & set(imports or ()))])
    for r in records:  # a chain's text may hold the placeholder of a chain nested in it
        if r.replacement is not None:
            r.replacement = fill_placeholders(r.replacement, tr.placeholders)
    return fill_placeholders(new.code, tr.placeholders), records


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
