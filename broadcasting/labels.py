"""The one alphabet of the package and the letter sequences derived from it: axis labels
(``i, j, k, …`` from the left), operand names (``a, b, …`` without ``i`` and ``j``, which label
axes) and the letters an einsum may use. Imports nothing.

>>> AXIS_LABELS[:4], OPERAND_LETTERS[:9], len(EINSUM_LETTERS)
('ijkl', 'abcdefghk', 52)
"""
from __future__ import annotations

__all__ = ["ALPHABET", "AXIS_LABELS", "OPERAND_LETTERS", "EINSUM_LETTERS", "letter_name"]

ALPHABET = "abcdefghijklmnopqrstuvwxyz"

#: axis labels in the order they are given: i … z, then a … h, then the capitals
AXIS_LABELS = ALPHABET[8:] + ALPHABET[:8] + (ALPHABET[8:] + ALPHABET[:8]).upper()
#: default operand names (capital from rank 2): no i, j (those label axes)
OPERAND_LETTERS = ALPHABET.replace("i", "").replace("j", "")
#: every letter an einsum equation may use
EINSUM_LETTERS = ALPHABET.upper() + ALPHABET


def letter_name(index: int, letters: str = ALPHABET) -> str:
    """The ``index``-th letter, or ``x{index}`` past the end.

    >>> letter_name(1), letter_name(30)
    ('b', 'x30')
    """
    return letters[index] if index < len(letters) else f"x{index}"
