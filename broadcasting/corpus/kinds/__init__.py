"""The registry of case kinds: one module per kind in this package, found by name.

Each kind module defines ``NAME``, ``generate(seed) -> list[dict]`` and
``check(case, backends) -> list[str]`` (see the package docstring of ``broadcasting.corpus``).

>>> {'elementwise', 'errors', 'gradients', 'matmul', 'promotion'} <= set(KINDS)
True
>>> case_seed(0, "elementwise", 3) == case_seed(0, "elementwise", 3)
True
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
from types import ModuleType

from ...errors import UsageError

__all__ = ["KINDS", "kind_module", "case_id", "case_seed"]


def _discover() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


#: every kind, by name (each is a module of this package)
KINDS: tuple[str, ...] = _discover()


def kind_module(name: str) -> ModuleType:
    """The module of one kind; a kind that does not exist is a :class:`UsageError`.

    >>> kind_module("matmul").NAME
    'matmul'
    """
    if name not in KINDS:
        raise UsageError(f"unknown corpus kind {name!r}; the kinds are: {', '.join(KINDS)}")
    return importlib.import_module(f"{__name__}.{name}")


def case_id(kind: str, n: int) -> str:
    """The id of the ``n``-th case of a kind: ``"<kind>-<n, 5 digits>"``.

    >>> case_id("errors", 12)
    'errors-00012'
    """
    return f"{kind}-{n:05d}"


def case_seed(corpus_seed: int, kind: str, n: int) -> int:
    """The value seed of the ``n``-th case of a kind: a stable hash of (corpus seed, kind, n),
    independent of the order in which cases are generated.

    >>> case_seed(0, "matmul", 1)
    664740093
    """
    digest = hashlib.sha256(f"{corpus_seed}:{kind}:{n}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
