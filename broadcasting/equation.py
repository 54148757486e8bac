"""Einsum equations: parse ``"j,ij->ij"``, check it against operand shapes and plan its
execution, with no array library. An equation never broadcasts: a label has one size in every
operand that carries it (a size-1 axis facing a larger one is an error, not a stretch).

``'...'`` is accepted (at most once per term, numpy's meaning) only where it cannot broadcast:
every operand that carries it must have exactly the same ellipsis shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .labels import EINSUM_LETTERS
from .shapes import BroadcastError, as_shape, format_shape

__all__ = ["EinsumPlan", "parse_equation"]


@dataclass(frozen=True)
class EinsumPlan:
    """A parsed, shape-checked einsum and how to execute it.

    ``elementwise`` plans (no label summed or repeated) run as the native ``*`` on views
    whose axes are permuted into the output's order and padded with size-1 axes for labels
    they lack; the others call the backend's einsum.
    """

    equation: str
    inputs: tuple[str, ...]
    output: str
    sizes: tuple[tuple[str, int], ...]
    elementwise: bool
    views: tuple[tuple[tuple[int, ...], tuple[int, ...]] | None, ...]  # (permutation, shape)
    direct: bool  # elementwise, every operand already lined up: the native * is the einsum
    letters: str = ""  # the equation with '...' replaced by letters (what the backend runs)

    def __repr__(self) -> str:
        kind = "elementwise" if self.elementwise else "contraction"
        return f"EinsumPlan({self.equation!r}, {kind})"


def _terms(equation: str) -> tuple[tuple[str, ...], str]:
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
    else:
        lhs = eq
        counts = {c: lhs.count(c) for c in lhs if c.isalpha()}
        out = ("..." if "..." in lhs else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    inputs = tuple(lhs.split(","))
    for term in inputs + (out,):
        if term.count("...") > 1 or "." in term.replace("...", "", 1):
            raise BroadcastError(f"einsum {equation!r}: term {term!r} has a '.' that is not one "
                                 f"'...': a term carries '...' at most once, e.g. '...ij,...j->...i'")
    if any("..." in t for t in inputs) and "..." not in out:
        raise BroadcastError(f"einsum {equation!r}: the inputs carry '...' but the output "
                             f"{out!r} does not; write it in the output too, e.g. '...,...->...'")
    bad = [c for c in "".join(inputs).replace("...", "") + out.replace("...", "")
           if not c.isalpha()]
    if bad or "->" in out:
        raise BroadcastError(f"einsum {equation!r} has {bad[0] if bad else '->'!r}: labels are "
                             f"letters, operands are separated by ',' and the output follows '->'")
    return inputs, out


def parse_equation(equation: str, shapes) -> EinsumPlan:
    """Check an einsum against operand shapes and plan its execution (cached).

    >>> parse_equation("j,ij->ij", ((3,), (2, 3)))
    EinsumPlan('j,ij->ij', elementwise)
    >>> parse_equation("j,ij->ij", ((1,), (2, 3)))
    Traceback (most recent call last):
    ...
    broadcasting.shapes.BroadcastError: einsum 'j,ij->ij': label 'j' has size 1 in operand 0 (shape (1,)) but 3 in operand 1 (shape (2, 3)); einsum would stretch the size-1 axis implicitly: index it away (a[0]) or give both the same size
    """
    return _parse(equation, tuple(shapes))


def _check_sizes(equation, inputs, output, shapes) -> dict[str, int]:
    if len(inputs) != len(shapes):
        raise BroadcastError(f"einsum {equation!r} names {len(inputs)} operands but "
                             f"{len(shapes)} were given")
    sizes: dict[str, int] = {}
    owner: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        if len(term) != len(shape):
            raise BroadcastError(f"einsum {equation!r}: operand {k} has shape {format_shape(shape)} "
                                 f"({len(shape)} axes) but its term {term!r} names {len(term)}")
        for label, size in zip(term, shape):
            if label not in sizes:
                sizes[label], owner[label] = size, k
            elif sizes[label] != size:
                j = owner[label]
                one = " einsum would stretch the size-1 axis implicitly: index it away (a[0]) or" \
                      " give both the same size" if 1 in (size, sizes[label]) else \
                    " a label must have one size in every operand"
                raise BroadcastError(
                    f"einsum {equation!r}: label {label!r} has size {sizes[label]} in operand {j} "
                    f"(shape {format_shape(shapes[j])}) but {size} in operand {k} (shape "
                    f"{format_shape(shape)});{one}")
    for label in output:
        if label not in sizes:
            raise BroadcastError(f"einsum {equation!r}: output label {label!r} is in no operand")
    if len(set(output)) != len(output):
        raise BroadcastError(f"einsum {equation!r}: output {output!r} repeats a label")
    return sizes


def _expand(equation, inputs, output, shapes) -> tuple[tuple[str, ...], str]:
    """Replace '...' by fresh letters, after checking that every operand carrying it has the
    same ellipsis shape (so '...' names axes and never broadcasts)."""
    if "..." not in output:
        return inputs, output
    if len(inputs) != len(shapes):
        raise BroadcastError(f"einsum {equation!r} names {len(inputs)} operands but "
                             f"{len(shapes)} were given")
    ellipsis, owner = None, None
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        if "..." not in term:
            continue
        named = len(term) - 3
        if named > len(shape):
            raise BroadcastError(f"einsum {equation!r}: operand {k} has shape {format_shape(shape)} "
                                 f"({len(shape)} axes) but its term {term!r} names {named} besides '...'")
        here = tuple(shape[term.index("..."):term.index("...") + len(shape) - named])
        if ellipsis is None:
            ellipsis, owner = here, k
        elif here != ellipsis:
            raise BroadcastError(
                f"einsum {equation!r}: '...' is {format_shape(ellipsis)} in operand {owner} but "
                f"{format_shape(here)} in operand {k}; '...' would broadcast them implicitly: "
                f"name the axes with letters (size-1 axes indexed away) or give both the same shape")
    if ellipsis is None:
        raise BroadcastError(f"einsum {equation!r}: the output carries '...' but no operand does")
    used = set("".join(inputs) + output)
    fresh = [c for c in EINSUM_LETTERS if c not in used]
    if len(fresh) < len(ellipsis):
        raise BroadcastError(f"einsum {equation!r}: '...' stands for {len(ellipsis)} axes but "
                             f"only {len(fresh)} letters are free; name fewer axes")
    dots = "".join(fresh[:len(ellipsis)])
    return tuple(t.replace("...", dots) for t in inputs), output.replace("...", dots)


@lru_cache(maxsize=4096)
def _parse(equation: str, shapes: tuple) -> EinsumPlan:
    shapes = tuple(as_shape(s, k) for k, s in enumerate(shapes))
    inputs, output = _expand(equation, *_terms(equation), shapes)
    sizes = _check_sizes(equation, inputs, output, shapes)
    elementwise = all(set(t) <= set(output) and len(set(t)) == len(t) for t in inputs)
    views = tuple(_view(term, output, sizes) for term in inputs) if elementwise else ()
    direct = elementwise and all(v is None for v in views)
    expanded = f"{','.join(inputs)}->{output}"
    return EinsumPlan(equation, inputs, output, tuple(sizes.items()), elementwise, views, direct,
                      expanded)


def _view(term: str, output: str, sizes: dict[str, int]):
    """Permutation and shape that line an operand's axes up with the output's (or None)."""
    order = tuple(sorted(range(len(term)), key=lambda d: output.index(term[d])))
    first = min((output.index(c) for c in term), default=len(output))
    shape = tuple(sizes[c] if c in term else 1 for c in output[first:])
    if order == tuple(range(len(term))) and shape == tuple(sizes[c] for c in term):
        return None  # already lined up: leading missing axes are new axes of the result
    return order, shape
