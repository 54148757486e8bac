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
'0.5 * einops.einsum(a[0, ...], B, ", i j -> i j")'
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..notation import einops_pattern
from ..plan import make_plan
from ..shapes import BroadcastError
from ..trace import Operand
from .outcome import Kept, Outcome
from .probes import probe, run_probe

__all__ = ["Aliases", "Arg", "Form", "build_form", "build_ellipsis_form", "STYLES"]

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
    """How a chain is written explicitly: ``numbers * func(args…, pattern)``."""

    numbers: tuple[int, ...]
    func: str
    args: tuple[Arg, ...]
    pattern: str | None
    pattern_first: bool
    libraries: tuple[str, ...]   # modules the text uses: 'einops', 'numpy', 'torch'
    einsum: str                  # the plan's einsum equation (for reports)
    dtype: str                   # the dtype it gives, = the dtype of the original product

    def render(self, texts, atomic=None, comments=None, indent: str = "") -> str:
        """The source text, given each leaf's text; ``atomic[k]`` says a leaf needs no
        parentheses before a suffix. ``comments[k]`` (leaf -> list of comments) lays the call
        out one operand per line with the comments kept after their operand."""
        atomic = atomic or [True] * len(texts)
        args = [self._arg(a, texts, atomic) for a in self.args]
        pattern = [] if self.pattern is None else [f'"{self.pattern}"']
        items = pattern + args if self.pattern_first else args + pattern
        leaves = [a.leaf for a in self.args]
        leaves = [None] + leaves if self.pattern_first else leaves + [None]
        leaves = leaves if self.pattern is not None else [a.leaf for a in self.args]
        if comments and any(comments.values()):
            body = self._multiline(items, leaves, comments, indent)
        else:
            body = f"{self.func}({', '.join(items)})"
        factors = [texts[k] if atomic[k] else f"({texts[k]})" for k in self.numbers]
        return " * ".join(factors + [body])

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


def build_form(leaves, style: str, aliases: Aliases, inplace: bool = False):
    """The :class:`Form` of a chain with these leaf operands, or why it is kept (:class:`Kept`)."""
    why = classify(leaves)
    if why:
        return why
    leaves = tuple(leaves)
    arrays = [k for k, o in enumerate(leaves) if o.is_array]
    numbers = tuple(k for k, o in enumerate(leaves) if not o.is_array)
    library = leaves[arrays[0]].kind
    try:
        plan = make_plan(tuple(leaves[k].shape for k in arrays))
    except BroadcastError as err:
        return Kept(Outcome.NOT_BROADCASTABLE, f"the shapes do not broadcast: {err}")
    suffixes = [_index(p, library) + (".clone()" if inplace and k == 0 and library == "torch" else "")
                for k, p in zip(arrays, plan.operands)]
    func, pattern, first, libs = _call(style, library, plan, suffixes, aliases)
    return _proved(leaves, Form(numbers, func, tuple(Arg(k, s) for k, s in zip(arrays, suffixes)),
                                pattern, first, libs, plan.einsum, ""), library, aliases)


def build_ellipsis_form(leaves, style: str, aliases: Aliases, inplace: bool = False):
    """The ``'...'`` form of a chain whose array leaves all have one and the same shape (so
    nothing is broadcast, whatever the rank): ``einsum(a, b, "..., ... -> ...")``; why it is
    kept (:class:`Kept`) otherwise. It covers executions of different ranks with one text.

    >>> from broadcasting.trace import Operand
    >>> g = Operand("torch", "Tensor", (3, 3), "torch.float32")
    >>> build_ellipsis_form((Operand("number", "float"), g, g), "torch", Aliases()).render(
    ...     ["0.5", "g", "g"])
    '0.5 * torch.einsum("...,...->...", g, g)'
    """
    why = classify(leaves)
    if why:
        return why
    leaves = tuple(leaves)
    arrays = [k for k, o in enumerate(leaves) if o.is_array]
    if len({leaves[k].shape for k in arrays}) > 1:
        return Kept(Outcome.DIFFERENT_SHAPES,
                    "its operands have different shapes: '...' would broadcast them")
    numbers = tuple(k for k, o in enumerate(leaves) if not o.is_array)
    library = leaves[arrays[0]].kind
    clone = ".clone()" if inplace and library == "torch" else ""
    args = tuple(Arg(k, clone if n == 0 else "") for n, k in enumerate(arrays))
    equation = ",".join(["..."] * len(arrays)) + "->..."
    if style == "einops":
        form = Form(numbers, f"{aliases.einops}.einsum", args,
                    ", ".join(["..."] * len(arrays)) + " -> ...", False, ("einops",), equation, "")
    else:
        form = Form(numbers, f"{aliases.of(library)}.einsum", args, equation, True, (library,),
                    equation, "")
    return _proved(leaves, form, library, aliases)


def _proved(leaves, form: Form, library: str, aliases: Aliases):
    """The form with the dtype of the original product (operands cast where needed), proved
    on probes, or the reason it cannot be."""
    names = _placeholders(len(leaves))
    env = {name: probe(o) for name, o in zip(names, leaves)}
    env.update({aliases.einops: _module("einops"), aliases.of(library): _module(library)})
    expected = run_probe(" * ".join(names), env)
    form = dataclasses.replace(form, dtype=expected or "")
    got = _dtype(form, names, env)
    if got != expected and expected is not None:
        casts = tuple(Arg(a.leaf, a.suffix + _cast(leaves[a.leaf], expected, library, aliases))
                      for a in form.args)
        form = dataclasses.replace(form, args=casts, dtype=expected,
                                   libraries=tuple(sorted(set(form.libraries) | {library})))
        got = _dtype(form, names, env)
    if expected is None or got != expected:
        return (f"the explicit form would give dtype {got} where `*` gives {expected}"
                if expected else "the product does not run on stand-ins of its operands")
    return form


def _dtype(form: Form, names, env) -> str | None:
    """The dtype of the form; when Python numbers stand in front, the einsum alone must give
    it too (else ``int8 * 0.5 * int8`` would overflow in the einsum before the numbers)."""
    got = run_probe(form.render(names), env)
    if form.numbers:
        alone = run_probe(Form((), *_fields(form)[1:]).render(names), env)
        return got if alone == got else None
    return got


def _fields(form: Form):
    return (form.numbers, form.func, form.args, form.pattern, form.pattern_first, form.libraries,
            form.einsum, form.dtype)


def _call(style: str, library: str, plan, suffixes, aliases: Aliases):
    if style == "einops":
        return f"{aliases.einops}.einsum", einops_pattern(plan), False, ("einops",)
    alias = aliases.of(library)
    outer = len(plan.operands) == 2 and plan.einsum == "i,j->ij"
    if outer:
        return f"{alias}.outer", None, False, (library,)
    return f"{alias}.einsum", plan.einsum, True, (library,)


def _index(operand, library: str) -> str:
    """The plan's indexer; for numpy, one that removes every axis ends in ``...`` so that it
    gives a 0-d array (``a[0]`` of a 1-D array is a numpy scalar, which einops refuses)."""
    text = operand.index_text
    if text and not operand.labels and library == "numpy":
        return text[:-1] + ", ...]"
    return text


def _cast(leaf: Operand, dtype: str, library: str, aliases: Aliases) -> str:
    if leaf.dtype == dtype:
        return ""
    if library == "torch":
        return f".to({aliases.torch}.{dtype.split('.', 1)[-1]})"
    return f".astype({aliases.numpy}.{dtype})"


def _module(name: str):
    import importlib
    return importlib.import_module(name)
