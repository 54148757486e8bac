"""What a rewrite did, every ``*`` site counted once: rewritten, products of equal shapes left
as is, never ran, not a product between arrays, kept with a reason (each reason once, with its
lines).

>>> import numpy as np
>>> from broadcasting.rewrite import rewrite_source
>>> src = "a, B = np.ones(3), np.ones((2, 3))\\nC = a * B\\nD = B * B\\nk = 2 * 3\\n"
>>> print(rewrite_source(src, {"np": np}).summary)
rewrote 1 product(s) (line 2); left 1 of equal shapes as is (line 3); 1 not between arrays
"""
from __future__ import annotations

from dataclasses import dataclass

from .outcome import LEFT_AS_IS, NOT_PRODUCTS, Outcome

__all__ = ["Summary", "KeptGroup", "summarize"]

_NEVER = frozenset({Outcome.NEVER_RAN, Outcome.INCOMPLETE})


@dataclass(frozen=True)
class KeptGroup:
    """One reason for keeping products, and the lines of the sites kept for it."""

    outcome: Outcome
    reason: str
    lines: tuple[int, ...]

    def __str__(self) -> str:
        return f"kept {len(self.lines)} ({_lines(self.lines)}): {self.reason}"


@dataclass(frozen=True)
class Summary:
    """Lines of the chains per outcome (a line appears once per chain on it)."""

    rewritten: tuple[int, ...] = ()
    fixed_ranks: tuple[int, ...] = ()     # rewritten, but for the ranks traced only
    equal_shapes: tuple[int, ...] = ()
    never_ran: tuple[int, ...] = ()
    not_arrays: tuple[int, ...] = ()
    kept: tuple[KeptGroup, ...] = ()

    def to_dict(self) -> dict:
        return {"rewritten": list(self.rewritten), "fixed_ranks": list(self.fixed_ranks),
                "equal_shapes": list(self.equal_shapes), "never_ran": list(self.never_ran),
                "not_arrays": list(self.not_arrays),
                "kept": [{"outcome": g.outcome.name, "reason": g.reason, "lines": list(g.lines)}
                         for g in self.kept]}

    def lines(self) -> list[str]:
        """The summary as text, one part per line (parts with nothing in them left out)."""
        out = []
        if self.rewritten:
            out.append(f"rewrote {len(self.rewritten)} product(s) ({_lines(self.rewritten)})")
        else:
            out.append("rewrote no product")
        if self.fixed_ranks:
            out.append(f"{len(self.fixed_ranks)} of them for the traced ranks only "
                       f"({_lines(self.fixed_ranks)}): no '...' form keeps them rank-generic")
        if self.equal_shapes:
            out.append(f"left {len(self.equal_shapes)} of equal shapes as is "
                       f"({_lines(self.equal_shapes)})")
        if self.never_ran:
            out.append(f"{len(self.never_ran)} never ran ({_lines(self.never_ran)})")
        if self.not_arrays:
            out.append(f"{len(self.not_arrays)} not between arrays")
        return out + [str(g) for g in self.kept]

    def __str__(self) -> str:
        return "; ".join(self.lines())


def _lines(lines) -> str:
    shown = sorted(set(lines))
    text = ", ".join(str(n) for n in shown[:12]) + (", …" if len(shown) > 12 else "")
    return ("line " if len(shown) == 1 else "lines ") + text


def summarize(sites) -> Summary:
    """The :class:`Summary` of a rewrite's site records, one count per chain (the sites of
    one chain ``f0 * f1 * f2`` all start where it starts)."""
    groups: dict = {}
    parts = {"rewritten": [], "fixed_ranks": [], "equal_shapes": [], "never_ran": [],
             "not_arrays": []}
    seen = set()
    for s in sites:
        key = (s.line, s.col, s.outcome)
        if key in seen:
            continue
        seen.add(key)
        if s.rewritten:
            parts["rewritten"].append(s.line)
            if not s.generic:
                parts["fixed_ranks"].append(s.line)
        elif s.outcome in LEFT_AS_IS:
            parts["equal_shapes"].append(s.line)
        elif s.outcome in _NEVER:
            parts["never_ran"].append(s.line)
        elif s.outcome in NOT_PRODUCTS:
            parts["not_arrays"].append(s.line)
        else:
            key = (s.outcome, _reason(s))
            groups.setdefault(key, []).append(s.line)
    kept = tuple(KeptGroup(o, r, tuple(lines)) for (o, r), lines in groups.items())
    return Summary(**{k: tuple(v) for k, v in parts.items()}, kept=kept)


def _reason(site) -> str:
    """The reason said once for a group: the outcome's words where the message names shapes."""
    if site.outcome == Outcome.MIXED_FORMS:
        return "its executions need different explicit forms"
    return site.reason or site.outcome.value
