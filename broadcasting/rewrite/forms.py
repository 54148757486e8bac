"""The explicit form of one product chain, chosen from its plan and proved on probes.

A chain ``f0 * f1 * … * fn`` (Python's left-nested ``*``) has *leaves*; for one recorded
execution each leaf is an :class:`~broadcasting.trace.Operand`. :func:`build_form` turns the
leaves into a :class:`Form`: the Python numbers stay scalar factors in front, the arrays go
into one einsum (or ``outer``) whose operands have their stretched size-1 axes indexed away
(``OperandPlan.index_text``), so the einsum never broadcasts a size-1 axis. The dtype of the
form is checked against the dtype of the original ``*`` by running both on probes; operands
are cast explicitly where they differ, and a chain whose dtype still differs is kept.

>>> from broadcasting.trace import Operand
>>> a = Operand("numpy", "ndarray", (1,), "float32")
>>> B = Operand("numpy", "ndarray", (2, 3), "float32")
>>> form = build_form((Operand("number", "float"), a, B), "einops", Aliases())
>>> form.render(["0.5", "a", "B"])
'einops.einsum((0.5 * a)[0, ...], B, ", ... -> ...")'
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from ..plan import make_plan
from ..shapes import BroadcastError
from ..trace import Operand
from .outcome import Kept, Outcome
from .probes import probe, run_probe

__all__ = ["Aliases", "Arg", "Form", "build_form", "build_ellipsis_form", "batch_axes", "STYLES"]

STYLES = ("einops", "numpy", "torch")


@dataclass(frozen=True)
class Aliases:
    """The names under which the emitted code reaches einops, numpy and torch."""

    einops: str = "einops"
    numpy: str = "np"
    torch: str = "torch"

    def of(self, library: str) -> str:
        return {"einops": self.einops, "numpy": self.numpy, "torch": self.torch}[library]


@dataclass(frozen=True)
class Arg:
    """One array operand of the call: which leaf, and the text appended to it (``[:, 0]``,
    a cast) — the leaf is parenthesised when it is not atomic and something is appended."""

    leaf: int
    suffix: str = ""


@dataclass(frozen=True)
class Form:
    """How a chain is written explicitly: ``func(head…, args…, pattern) * numbers``. The
    leaves in ``head`` (the first array and the numbers written before the second array) stay
    one operand, multiplied as written, and ``numbers`` (after the last array) multiply the
    call: the multiplications happen in the original order, so values are bit-identical.
    ``generic``: the pattern works for any number of leading batch axes (``...``)."""

    numbers: tuple[int, ...]
    func: str
    args: tuple[Arg, ...]
    pattern: str | None
    pattern_first: bool
    libraries: tuple[str, ...]   # modules the text uses: 'einops', 'numpy', 'torch'
    einsum: str                  # the plan's einsum equation (for reports)
    dtype: str                   # the dtype it gives, = the dtype of the original product
    head: tuple[int, ...] = ()   # leaves multiplied into the first operand (() = just it)
    generic: bool = True

    def render(self, texts, atomic=None, comments=None, indent: str = "",
               layout: str = "flat") -> str:
        """The source text, given each leaf's text; ``atomic[k]`` says a leaf needs no
        parentheses before a suffix. ``layout``: ``"flat"`` (one line), ``"packed"`` (the
        arguments on one line of their own) or ``"exploded"`` (one argument per line);
        ``comments[k]`` (leaf -> list of comments) explode it, each after its operand."""
        texts, atomic = self._with_head(list(texts), list(atomic or [True] * len(texts)))
        args = [self._arg(a, texts, atomic) for a in self.args]
        pattern = [] if self.pattern is None else [f'"{self.pattern}"']
        items = pattern + args if self.pattern_first else args + pattern
        leaves = [a.leaf for a in self.args]
        leaves = [None] + leaves if self.pattern_first else leaves + [None]
        leaves = leaves if self.pattern is not None else [a.leaf for a in self.args]
        if layout == "packed" and not (comments and any(comments.values())):
            body = f"{self.func}(\n{indent}    " + ", ".join(items) + f"\n{indent})"
        elif layout != "flat" or (comments and any(comments.values())):
            body = self._multiline(items, leaves, self._head_comments(comments or {}), indent)
        else:
            body = f"{self.func}({', '.join(items)})"
        factors = [texts[k] if atomic[k] else f"({texts[k]})" for k in self.numbers]
        return " * ".join([body] + factors)

    def _with_head(self, texts, atomic):
        if len(self.head) > 1:
            first = self.args[0].leaf
            texts[first] = " * ".join(texts[k] if atomic[k] or k == self.head[0] else
                                      f"({texts[k]})" for k in self.head)
            atomic[first] = False
        return texts, atomic

    def _head_comments(self, comments):
        """Comments after the head's leaves go with the first operand."""
        if len(self.head) < 2:
            return comments
        out = {k: v for k, v in comments.items() if k not in self.head}
        out[self.args[0].leaf] = [c for k in self.head for c in comments.get(k, ())]
        return out

    @staticmethod
    def _arg(arg: Arg, texts, atomic) -> str:
        text = texts[arg.leaf]
        if arg.suffix and not atomic[arg.leaf]:
            text = f"({text})"
        return text + arg.suffix

    def _multiline(self, items, leaves, comments, indent) -> str:
        pad = indent + "    "
        first_arg = leaves.index(self.args[0].leaf)
        orphans = [c for k, notes in comments.items() if k is None or k in self.numbers
                   for c in notes]
        lines = []
        for n, (item, leaf) in enumerate(zip(items, leaves)):
            notes = list(comments.get(leaf, ())) if leaf is not None else []
            if n == first_arg:
                notes = orphans + notes
            tail = "," if n < len(items) - 1 else ""
            lines.append(f"{pad}{item}{tail}" + ("  " + "  ".join(notes) if notes else ""))
        return f"{self.func}(\n" + "\n".join(lines) + f"\n{indent})"

    def __repr__(self) -> str:
        return f"<Form {self.func} {self.einsum} -> {self.dtype}>"


def _placeholders(n: int) -> list[str]:
    return [f"__bc_x{k}" for k in range(n)]


#: array types whose `*` is elementwise and whose einsum gives the same type
_PLAIN = {"numpy": ("ndarray",), "torch": ("Tensor", "Parameter", "Buffer")}


def classify(leaves) -> Kept | None:
    """Why a chain with these leaves is not an implicit array product (None if it is)."""
    arrays = [o for o in leaves if o.is_array]
    if len(arrays) < 2:
        return Kept(Outcome.NOT_ARRAYS, "not a product between arrays")
    for o in leaves:
        if o.kind == "other":
            return Kept(Outcome.UNSUPPORTED_OPERAND,
                        f"an operand is a {o.type_name}, not an array or a number")
    for o in arrays:
        if o.type_name not in _PLAIN[o.kind]:
            return Kept(Outcome.UNSUPPORTED_OPERAND,
                        f"an operand is a {o.type_name} (an array subclass whose `*` an einsum "
                        f"would not keep: np.matrix multiplies matrices, a masked array keeps its mask)")
    if all(len(o.shape) == 0 for o in arrays):
        return Kept(Outcome.SCALARS, "a product of 0-d arrays: nothing is broadcast")
    if len({o.kind for o in arrays}) > 1:
        return Kept(Outcome.MIXED_LIBRARIES, "mixes numpy arrays and torch tensors")
    return None


def _layout(leaves, equal_head: bool = False):
    """``(head, trailing numbers, array operands)`` of a chain, or why it is kept. The head
    (written as it is, as the first operand) runs to the second array; a number between
    array factors would have to move (the einsum multiplies the arrays first), unless
    ``equal_head`` and the arrays before it have one shape: then they stay in the head,
    an elementwise product that broadcasts nothing (``-w * b * 0.5 * M``)."""
    arrays = [k for k, o in enumerate(leaves) if o.is_array]
    trailing = tuple(range(arrays[-1] + 1, len(leaves)))
    middle = [k for k in range(arrays[1], arrays[-1]) if not leaves[k].is_array]
    if not middle:
        return (tuple(range(arrays[1])) if arrays[1] > 1 else ()), trailing, arrays
    inside = [k for k in arrays if k < middle[-1]]
    if not equal_head or len({leaves[k].shape for k in inside}) > 1:
        return Kept(Outcome.NUMBER_INSIDE,
                    "a number between array factors: an einsum would change the order of the "
                    "multiplications (and the last bit of the values)")
    after = [k for k in arrays if k > middle[-1]]
    return tuple(range(after[0])), trailing, [arrays[0]] + after


def batch_axes(plan) -> int:
    """How many leading result axes are written ``...``: those that every operand either has
    all of (kept) or none of, so more (or fewer) batch axes work as with ``*``. When every
    operand with the leading axes would be ``...`` alone while another names an axis, it is
    an outer product: it stays ``i, j -> i j``.

    >>> batch_axes(make_plan(((3,), (2, 3)))), batch_axes(make_plan(((8, 5, 4), (8, 5, 1))))
    (1, 2)
    >>> batch_axes(make_plan(((3, 1), (1, 4)))), batch_axes(make_plan(((2, 3), (2, 3))))
    (0, 2)
    """
    rank = len(plan.result_labels)
    best = 0
    for k in range(1, rank + 1):
        lead = set(plan.result_labels[:k])
        own = [set(o.labels) - lead for o in plan.operands]
        carrying = [len(lead & set(o.labels)) == k for o in plan.operands]
        if any(len(lead & set(o.labels)) not in (0, k) for o in plan.operands):
            continue
        if not any(c and rest for c, rest in zip(carrying, own)) \
                and any(rest for c, rest in zip(carrying, own) if not c):
            continue  # `v[:, None] * w` stays `i, j -> i j`, not `..., j -> ... j`
        best = k
    return best


def _generic_parts(plan, k: int, library: str):
    """Per operand ``(labels, index suffix)`` with the first ``k`` result axes as ``...``."""
    out = []
    for o in plan.operands:
        carries = k and plan.result_labels[0] in o.labels
        if not carries:
            out.append((tuple(o.labels), _index(o, library)))
            continue
        rest = [":" if a.kept else "0" for a in o.axes[k:]]
        while rest and rest[0] == ":":
            rest.pop(0)  # `...` takes the leading axes kept
        index = "[" + ", ".join(["..."] + rest) + "]" if rest else ""
        out.append((("...",) + tuple(o.labels[k:]), index))
    result = (("...",) if k else ()) + tuple(plan.result_labels[k:])
    return out, result


def build_form(leaves, style: str, aliases: Aliases, inplace: bool = False,
               equal_head: bool = False):
    """The :class:`Form` of a chain with these leaf operands, or why it is kept (:class:`Kept`).
    ``equal_head``: arrays of one shape before a number may stay in the head (see
    ``_layout``). Cached: a program repeats its operand patterns, each proved on probes once."""
    return _build_form(tuple(leaves), style, aliases, inplace, equal_head)


build_form.cache_clear = lambda: _build_form.cache_clear()  # for honest benchmarks


@functools.lru_cache(maxsize=4096)
def _build_form(leaves, style: str, aliases: Aliases, inplace: bool, equal_head: bool):
    why = classify(leaves)
    if why:
        return why
    leaves = tuple(leaves)
    layout = _layout(leaves, equal_head)
    if isinstance(layout, Kept):
        return layout
    head, numbers, arrays = layout
    library = leaves[arrays[0]].kind
    try:
        plan = make_plan(tuple(leaves[k].shape for k in arrays))
    except BroadcastError as err:
        return Kept(Outcome.NOT_BROADCASTABLE, f"the shapes do not broadcast: {err}")
    k = batch_axes(plan)
    parts, result = _generic_parts(plan, k, library)
    clone = ".clone()" if inplace and library == "torch" else ""
    suffixes = [s + (clone if n == 0 else "") for n, (_, s) in enumerate(parts)]
    func, pattern, first, libs = _call(style, library, plan, parts, result, aliases)
    generic = bool(k) or not plan.result_labels
    if pattern is None:  # outer: the ranks it was traced with
        suffixes = [_index(o, library) for o in plan.operands]
        generic = not any(suffixes)
    form = Form(numbers, func, tuple(Arg(a, s) for a, s in zip(arrays, suffixes)), pattern,
                first, libs, plan.einsum, "", head, generic)
    return _proved(leaves, form, library, aliases)


def build_ellipsis_form(leaves, style: str, aliases: Aliases, inplace: bool = False):
    """The ``'...'`` form of a chain whose array leaves all have one and the same shape (so
    nothing is broadcast, whatever the rank): ``einsum(a, b, "..., ... -> ...")``; why it is
    kept (:class:`Kept`) otherwise. It covers executions of different ranks with one text.

    >>> from broadcasting.trace import Operand
    >>> g = Operand("torch", "Tensor", (3, 3), "torch.float32")
    >>> build_ellipsis_form((Operand("number", "float"), g, g), "torch", Aliases()).render(
    ...     ["0.5", "g", "g"])
    'torch.einsum("...,...->...", 0.5 * g, g)'
    """
    why = classify(leaves)
    if why:
        return why
    leaves = tuple(leaves)
    arrays = [k for k, o in enumerate(leaves) if o.is_array]
    if len({leaves[k].shape for k in arrays}) > 1:
        return Kept(Outcome.DIFFERENT_SHAPES,
                    "its operands have different shapes: '...' would broadcast them")
    layout = _layout(leaves)
    if isinstance(layout, Kept):
        return layout
    head, numbers, _ = layout
    library = leaves[arrays[0]].kind
    clone = ".clone()" if inplace and library == "torch" else ""
    args = tuple(Arg(k, clone if n == 0 else "") for n, k in enumerate(arrays))
    equation = ",".join(["..."] * len(arrays)) + "->..."
    if style == "einops":
        form = Form(numbers, f"{aliases.einops}.einsum", args,
                    ", ".join(["..."] * len(arrays)) + " -> ...", False, ("einops",), equation, "",
                    head)
    else:
        form = Form(numbers, f"{aliases.of(library)}.einsum", args, equation, True, (library,),
                    equation, "", head)
    return _proved(leaves, form, library, aliases)


def _proved(leaves, form: Form, library: str, aliases: Aliases):
    """The form with the dtype of the original product (operands cast where needed), proved
    on probes, or the reason it cannot be. The call must give the dtype of the original
    product up to its last array (the numbers after it then multiply the same values)."""
    names = _placeholders(len(leaves))
    env = {name: probe(o) for name, o in zip(names, leaves)}
    env.update({aliases.einops: _module("einops"), aliases.of(library): _module(library)})
    expected = run_probe(" * ".join(names), env)
    last = max(k for k, o in enumerate(leaves) if o.is_array)
    partial = run_probe(" * ".join(names[:last + 1]), env)
    form = dataclasses.replace(form, dtype=expected or "")
    call = dataclasses.replace(form, numbers=())
    if partial is not None and run_probe(call.render(names), env) != partial:
        form = _cast_args(form, names, env, partial, library, aliases)
        call = dataclasses.replace(form, numbers=())
    got, got_call = run_probe(form.render(names), env), run_probe(call.render(names), env)
    if expected is None or got != expected or got_call != partial:
        return Kept(Outcome.DTYPE,
                    f"the explicit form would give dtype {got} where `*` gives {expected}"
                    if expected else "the product does not run on stand-ins of its operands")
    return form


def _cast_args(form: Form, names, env, dtype: str, library: str, aliases: Aliases) -> Form:
    """Each operand whose own dtype differs from ``dtype`` cast to it explicitly."""
    texts, atomic = form._with_head(list(names), [True] * len(names))
    args = []
    for a in form.args:
        own = run_probe(Form._arg(Arg(a.leaf), texts, atomic), env)
        args.append(Arg(a.leaf, a.suffix + _cast(own, dtype, library, aliases)))
    return dataclasses.replace(form, args=tuple(args),
                               libraries=tuple(sorted(set(form.libraries) | {library})))


def _call(style: str, library: str, plan, parts, result, aliases: Aliases):
    if style == "einops":
        ins = ", ".join(" ".join(labels) for labels, _ in parts)
        return f"{aliases.einops}.einsum", f"{ins} -> {' '.join(result)}", False, ("einops",)
    alias = aliases.of(library)
    if len(plan.operands) == 2 and plan.einsum == "i,j->ij":
        return f"{alias}.outer", None, False, (library,)
    ins = ",".join("".join(labels) for labels, _ in parts)
    return f"{alias}.einsum", f"{ins}->{''.join(result)}", True, (library,)


def _index(operand, library: str) -> str:
    """The plan's indexer; for numpy, one that removes every axis ends in ``...`` so that it
    gives a 0-d array (``a[0]`` of a 1-D array is a numpy scalar, which einops refuses)."""
    text = operand.index_text
    if text and not operand.labels and library == "numpy":
        return text[:-1] + ", ...]"
    return text


def _cast(own: str | None, dtype: str, library: str, aliases: Aliases) -> str:
    if own == dtype or own is None:
        return ""
    if library == "torch":
        return f".to({aliases.torch}.{dtype.split('.', 1)[-1]})"
    return f".astype({aliases.numpy}.{dtype})"


def _module(name: str):
    import importlib
    return importlib.import_module(name)
