"""What became of a ``*`` chain: rewritten, or kept for a reason. The reason is a record (an
:class:`Outcome` and its one-line message), so code decides on the outcome, never on the text.

>>> Kept(Outcome.NEVER_RAN, "never ran: no shapes were recorded")
Kept(NEVER_RAN: 'never ran: no shapes were recorded')
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Outcome", "Kept", "NOT_PRODUCTS", "LEFT_AS_IS", "EQUAL_SHAPES"]


class Outcome(Enum):
    """Why a chain is rewritten or kept."""

    REWRITTEN = "rewritten"
    EQUAL_SHAPES = "equal shapes: nothing is broadcast"
    NUMBER_INSIDE = "a number between array factors"
    DTYPE = "a dtype or operand the explicit form cannot keep"
    NOT_ARRAYS = "not a product between arrays"
    SCALARS = "a product of 0-d arrays"
    UNSUPPORTED_OPERAND = "an operand that is not a plain array or number"
    MIXED_LIBRARIES = "numpy arrays and torch tensors mixed"
    NOT_BROADCASTABLE = "shapes that do not broadcast"
    DIFFERENT_SHAPES = "different shapes under '...'"
    NEVER_RAN = "never ran"
    INCOMPLETE = "never ran to the end"
    TOO_MANY_PATTERNS = "too many operand patterns"
    MIXED_FORMS = "executions needing different forms"
    NOT_FOUND = "not found in the syntax tree"
    UNSUPPORTED_SYNTAX = "syntax the rewriter leaves as written"
    UNKNOWN_SHAPES = "shapes unknown without running"


#: outcomes of a ``*`` that is no array product at all (not reported as kept products)
NOT_PRODUCTS = frozenset({Outcome.NOT_ARRAYS, Outcome.SCALARS})
#: outcomes of array products that need no rewrite (explicit already: nothing is broadcast)
LEFT_AS_IS = frozenset({Outcome.EQUAL_SHAPES})


@dataclass(frozen=True)
class Kept:
    """A chain left as written: the outcome, and the message the user reads."""

    outcome: Outcome
    message: str

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"Kept({self.outcome.name}: {self.message!r})"


#: why a chain of equal shapes is left as written by default
EQUAL_SHAPES = Kept(Outcome.EQUAL_SHAPES,
                    "equal shapes: nothing is broadcast, already explicit (all=True / --all "
                    "rewrites it)")
