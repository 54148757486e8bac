"""``rewrite_source`` and ``rewrite_function``: trace one run, then make every implicit
broadcasting ``*`` between arrays explicit.

>>> import numpy as np
>>> r = rewrite_source("y = a * B", {"a": np.ones(3), "B": np.ones((2, 3))})
>>> print(r.source)
import einops
y = einops.einsum(a, B, "j, ... j -> ... j")  # y[i,j] = a[j] · B[i,j]
>>> r.sites[0].shapes, r.sites[0].reason
(((3,), (2, 3)), None)
"""
from __future__ import annotations

import difflib
import linecache
import types
from dataclasses import dataclass

import libcst as cst

from ..errors import RewriteError
from ..explain import explain
from ..trace import TRACER_NAME, Site, function_source, globals_of, instrument, run_traced
from .chains import NEVER_RAN
from .forms import STYLES, Aliases, classify
from .outcome import LEFT_AS_IS, NOT_PRODUCTS, Kept, Outcome
from .summary import Summary, summarize
from .transform import ChainRecord, transform

__all__ = ["Rewrite", "RewriteSite", "rewrite_source", "rewrite_sites", "rewrite_function",
           "implicit_products", "broadcasting_products", "instrument_or_raise", "markdown_of"]

_IMPORTS = {"einops": ("einops", "import einops"), "numpy": ("np", "import numpy as np"),
            "torch": ("torch", "import torch")}


@dataclass(frozen=True)
class RewriteSite:
    """One ``*`` (or ``*=``) in the source. ``line``/``col`` are 1-based (col in characters)
    and point at the start of the expression; ``shapes`` are the operand shapes of its first
    recorded execution (None for a non-array operand, ``()`` when it never ran);
    ``replacement`` is the explicit text of the chain it belongs to (None when kept) and
    ``reason`` says why it was kept (None when rewritten), ``outcome`` the same as an
    :class:`Outcome` (for code to decide on). ``generic``: the replacement takes any number of
    leading batch axes (``...``) as ``*`` did; False where its ranks are fixed as traced."""

    line: int
    col: int
    text: str
    shapes: tuple
    replacement: str | None
    reason: str | None
    op: str = "*"
    formula: str | None = None
    executions: int = 0
    chain_shapes: tuple = ()     # shapes of the chain's leaves (() for a number)
    names: tuple = ()            # the leaves' source text
    outcome: Outcome = Outcome.REWRITTEN
    generic: bool = True

    @property
    def rewritten(self) -> bool:
        return self.replacement is not None

    def __repr__(self) -> str:
        what = self.replacement if self.rewritten else f"kept: {self.reason}"
        return f"<RewriteSite {self.line}:{self.col} {self.text!r} -> {what}>"


@dataclass(frozen=True)
class Rewrite:
    """The result of a rewrite: ``source`` (the explicit program), ``sites`` (one per ``*``)."""

    original: str
    source: str
    sites: tuple[RewriteSite, ...]
    style: str = "einops"
    filename: str = "<source>"

    @property
    def changed(self) -> bool:
        return self.source != self.original

    @property
    def rewritten(self) -> tuple[RewriteSite, ...]:
        return tuple(s for s in self.sites if s.rewritten)

    @property
    def kept(self) -> tuple[RewriteSite, ...]:
        """Products between arrays kept for a reason (products of non-arrays and products of
        equal shapes, explicit already, are not listed)."""
        return tuple(s for s in self.sites if not s.rewritten
                     and s.outcome not in NOT_PRODUCTS | LEFT_AS_IS)

    @property
    def summary(self) -> Summary:
        """Every site counted once: rewritten, equal shapes left as is, never ran, not arrays,
        kept with a reason (see :class:`~broadcasting.rewrite.summary.Summary`)."""
        return summarize(self.sites)

    def diff(self, context: int = 3) -> str:
        """The unified diff from the original to the rewritten program."""
        return "".join(difflib.unified_diff(
            self.original.splitlines(keepends=True), self.source.splitlines(keepends=True),
            f"a/{self.filename}", f"b/{self.filename}", n=context))

    def __repr__(self) -> str:
        return (f"<Rewrite of {self.filename}: {len(self.rewritten)} of {len(self.sites)} `*` "
                f"sites rewritten, {len(self.kept)} array products kept>")

    def _repr_markdown_(self) -> str:
        return markdown_of(self)


def _site_markdown(site) -> list[str]:
    out = [f"- line {site.line}: `{site.text}`"]
    if site.chain_shapes:
        e = explain(*site.chain_shapes, names=tuple(site.names))
        out.append(f"  $${e.latex}$$")
    out.append(f"  einsum `{site.replacement}`")
    return out


def markdown_of(rw: Rewrite) -> str:
    """The rewritten source as a code block, then one item per rewritten chain (with its
    formula in LaTeX), then the products kept and why."""
    lines = ["**explicit cell**", "```python", rw.source.rstrip("\n"), "```"]
    chains = {}
    for s in rw.rewritten:
        chains.setdefault(s.replacement, s)  # one item per chain: its outermost site
    for site in chains.values():
        lines += _site_markdown(site)
    for s in rw.kept:
        lines.append(f"- line {s.line}: `{s.text}` kept: {s.reason}")
    return "\n".join(lines)


def _module_aliases(namespace: dict) -> tuple[Aliases, set[str]]:
    """Names under which the namespace already holds einops/numpy/torch, and the libraries
    that need an import."""
    found = {}
    for name, value in (namespace or {}).items():
        if isinstance(value, types.ModuleType) and value.__name__ in _IMPORTS and not name.startswith("_"):
            found.setdefault(value.__name__, name)
    names = {lib: found.get(lib, default) for lib, (default, _) in _IMPORTS.items()}
    missing = {lib for lib in _IMPORTS if lib not in found}
    return Aliases(names["einops"], names["numpy"], names["torch"]), missing


def instrument_or_raise(source: str, filename: str = "<source>", tracer_name: str = TRACER_NAME):
    """``trace.instrument``, a syntax error raised as :class:`RewriteError` (the one parse of
    ``source`` by ``ast``; libcst parses it once more to rewrite it)."""
    try:
        return instrument(source, filename, tracer_name)
    except SyntaxError as err:
        raise RewriteError(f"{filename}:{err.lineno}:{err.offset}: syntax error: {err.msg}") from None


def rewrite_source(source: str, namespace: dict | None = None, *, style: str = "einops",
                   annotate: bool = True, filename: str = "<source>",
                   all: bool = False) -> Rewrite:  # noqa: A002 - the documented option name
    """Run ``source`` once (in ``namespace``, a fresh dict if None) recording every ``*``, then
    rewrite each product between arrays as one explicit einsum (``style``: ``"einops"``,
    ``"numpy"`` or ``"torch"``; numpy/torch emit the operands' own ``einsum``/``outer``).
    Only products that broadcast are rewritten (shapes differ, or a chain in which some factor
    broadcasts); ``all=True`` rewrites products of equal shapes too.

    The program's own exceptions propagate; a syntax error raises :class:`RewriteError`.

    >>> import numpy as np
    >>> r = rewrite_source("import numpy as np\\nz = np.ones(3) * np.ones((2, 1))", style="numpy")
    >>> print(r.source.splitlines()[2])
    z = np.einsum("j,...->...j", np.ones(3), np.ones((2, 1))[..., 0])
    """
    _check_style(style)
    code, sites = instrument_or_raise(source, filename)
    namespace = {} if namespace is None else namespace
    run_traced(code, sites, namespace)
    return rewrite_sites(source, sites, namespace, style=style, annotate=annotate,
                         filename=filename, all=all)


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise RewriteError(f"style {style!r} is not one of {', '.join(STYLES)}")


def rewrite_sites(source: str, sites: list[Site], namespace: dict | None = None, *,
                  style: str = "einops", annotate: bool = True, filename: str = "<source>",
                  add_imports: bool = True, all: bool = False) -> Rewrite:  # noqa: A002
    """Rewrite ``source`` from sites already traced (or built from given shapes)."""
    _check_style(style)
    if not implicit_products(sites):  # nothing to do: not even parsed, byte for byte
        return Rewrite(source, source, _site_records(sites, []), style, filename)
    aliases, missing = _module_aliases(namespace or {})
    imports = {lib: _IMPORTS[lib][1] for lib in missing} if add_imports else {}
    try:
        new, records = transform(source, sites, style, aliases, annotate, imports, all)
    except cst.ParserSyntaxError as err:
        raise RewriteError(f"{filename}:{err.raw_line}:{err.raw_column + 1}: syntax error: "
                           f"{err.message}") from None
    return Rewrite(source, new, _site_records(sites, records), style, filename)


def _shapes_of(site: Site) -> tuple:
    if not site.ran:
        return ()
    e = site.executions[0]
    return tuple(o.shape if o.is_array else None for o in (e.left, e.right))


def _site_records(sites: list[Site], records: list[ChainRecord]) -> tuple[RewriteSite, ...]:
    by_site = {id(s): r for r in records for s in r.sites}
    out = []
    for s in sites:
        if s.op != "*":
            continue
        r = by_site.get(id(s))
        kept = _unmatched(s) if r is None else r.decision.kept
        if r is not None and kept and s.ran and not implicit_products([s]):
            kept = _unmatched(s)  # a kept chain's number * array part: not a product
        out.append(RewriteSite(s.line, s.col, s.text, _shapes_of(s),
                               r.replacement if r is not None else None,
                               kept.message if kept else None, "*=" if s.augmented else "*",
                               r.formula if r is not None else None, len(s.counts),
                               *_leaf_info(r), kept.outcome if kept else Outcome.REWRITTEN,
                               r is None or r.decision.form is None or r.decision.form.generic))
    return tuple(out)


def _leaf_info(record) -> tuple[tuple, tuple]:
    if record is None or record.replacement is None:
        return (), ()
    shapes = tuple(o.shape if o.is_array else () for o in record.decision.leaves)
    return shapes, tuple(record.names)


def _unmatched(site: Site) -> Kept:
    """Why a site that no chain record covers is kept."""
    if not site.ran:
        return NEVER_RAN
    reasons = {classify((e.left, e.right)) for e in site.executions}
    if reasons == {None}:
        return Kept(Outcome.NOT_FOUND, "not found in the syntax tree")
    return min((r for r in reasons if r), key=lambda r: r.message)


def implicit_products(sites) -> list[Site]:
    """The ``*``/``*=`` sites that ran on two arrays (numpy or torch, 0-d included) of which at
    least one has an axis: exactly the products the rewriter makes explicit.

    >>> import numpy as np
    >>> from broadcasting.trace import trace_source
    >>> t = trace_source("y = a * b\\nz = a * 2.0", {"a": np.ones(3), "b": np.ones(3)})
    >>> [s.text for s in implicit_products(t.sites)]
    ['a * b']
    """
    out = []
    for s in sites:
        if s.op == "*" and any(e.left.is_array and e.right.is_array
                               and (len(e.left.shape) or len(e.right.shape))
                               for e in s.executions):
            out.append(s)
    return out


def broadcasting_products(sites) -> list[Site]:
    """The implicit products (:func:`implicit_products`) of which some execution multiplies
    arrays of different shapes: what the rewriter makes explicit by default.

    >>> import numpy as np
    >>> from broadcasting.trace import trace_source
    >>> t = trace_source("y = a * b\\nz = a * B", {"a": np.ones(3), "b": np.ones(3),
    ...                                             "B": np.ones((2, 3))})
    >>> [s.text for s in broadcasting_products(t.sites)]
    ['a * B']
    """
    return [s for s in implicit_products(sites)
            if any(e.left.is_array and e.right.is_array and e.left.shape != e.right.shape
                   for e in s.executions)]


# -- functions ------------------------------------------------------------------------------

_COUNTER = [0]


def rewrite_function(fn, *args, style: str = "einops", annotate: bool = True,
                     all: bool = False, **kwargs):  # noqa: A002
    """Run ``fn(*args, **kwargs)`` once, traced, and return the explicit version of ``fn``:
    a new function (same name, defaults and docstring) whose source is rewritten. The
    source is on it as ``.source`` (``inspect.getsource`` works too) and the full
    :class:`Rewrite` as ``.rewrite``. Globals and closure values are a snapshot of ``fn``'s.
    ``all=True`` rewrites products of equal shapes too (as :func:`rewrite_source`).

    >>> import numpy as np
    >>> def scale(a, B):
    ...     return a * B
    >>> explicit = rewrite_function(scale, np.ones(3), np.ones((2, 3)))
    >>> print(explicit.source.splitlines()[-1].strip())
    return einops.einsum(a, B, "j, ... j -> ... j")  # C[i,j] = a[j] · B[i,j]
    >>> explicit(np.ones(3), np.ones((2, 3))).shape
    (2, 3)
    """
    _check_style(style)
    source = function_source(fn)
    namespace = globals_of(fn)
    code, sites = instrument(source, f"<traced {fn.__qualname__}>")
    run_traced(code, sites, namespace)  # defines the traced copy
    namespace[fn.__name__](*args, **kwargs)
    namespace.pop(TRACER_NAME, None)
    rw = rewrite_sites(source, sites, namespace, style=style, annotate=annotate,
                       filename=f"{fn.__qualname__}", all=all)
    return _compile_function(fn, rw, namespace)


def _compile_function(fn, rw: Rewrite, namespace: dict):
    _COUNTER[0] += 1
    filename = f"<explicit {fn.__qualname__} #{_COUNTER[0]}>"
    linecache.cache[filename] = (len(rw.source), None, rw.source.splitlines(True), filename)
    exec(compile(rw.source, filename, "exec"), namespace)
    new = namespace[fn.__name__]
    new.__qualname__, new.__module__ = fn.__qualname__, fn.__module__
    new.__defaults__, new.__kwdefaults__ = fn.__defaults__, fn.__kwdefaults__
    new.source, new.rewrite = rw.source, rw
    return new
