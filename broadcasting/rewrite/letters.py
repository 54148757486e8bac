"""Letters for formula comments and einsum patterns that the program does not use as names:
no index ``i`` next to a loop variable ``i``, no unnamed result ``C`` when ``C`` is a table.

>>> letters = Letters.of("for i in range(3):\\n    C = i * W\\n")
>>> letters.axes("i,j->ij")
'j,k->jk'
>>> letters.result_name(2)
'D'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..labels import AXIS_LABELS

__all__ = ["Letters"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_CAPITALS = "CDEFGHKLMNPQRSTUVXYZ"


@dataclass(frozen=True)
class Letters:
    """The single-letter names a program uses, and the axis letters chosen around them."""

    used: frozenset[str]
    mapping: tuple[tuple[str, str], ...]   # plan label -> letter for the program

    @classmethod
    def of(cls, source: str) -> "Letters":
        used = frozenset(w for w in _WORD.findall(source) if len(w) == 1)
        free = [c for c in AXIS_LABELS if c not in used] + [c for c in AXIS_LABELS if c in used]
        return cls(used, tuple((label, free[n]) for n, label in enumerate(AXIS_LABELS)))

    @property
    def identity(self) -> bool:
        return all(a == b for a, b in self.mapping)

    def axes(self, text: str) -> str:
        """``text`` (an equation or einops pattern of plan labels) in the program's letters."""
        if self.identity:
            return text
        table = dict(self.mapping)
        return "".join(table.get(c, c) for c in text)

    def index(self, formula: str) -> str:
        """The labels inside every ``[...]`` of an index formula mapped (names are not)."""
        if self.identity:
            return formula
        return re.sub(r"\[([^\]]*)\]", lambda m: "[" + self.axes(m.group(1)) + "]", formula)

    def result_name(self, rank: int) -> str:
        """A capital the program does not use, for a result without an assigned name."""
        for c in _CAPITALS:
            if c not in self.used:
                return c if rank >= 2 else c.lower() if c.lower() not in self.used else c
        return "out"
