"""What the call recorders share: the record of one call whose operands' shapes differ, and
whether a program imports a package at all (recording costs time: only programs that import
numpy or torch are recorded).

>>> import ast
>>> imports_module(ast.parse("import torch.nn as nn"), "torch"), imports_module(ast.parse("import numpy"), "torch")
(True, False)
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["CallRecord", "imports_module"]


@dataclass(frozen=True)
class CallRecord:
    """One checked call (torch or numpy) with differing operand shapes, at a line of the program.
    ``role`` says what the shapes are: ``'operands'`` (of an element-wise function or loss),
    ``'expand'`` (from and to shape of ``expand_as``/``expand``/``broadcast_to``),
    ``'value'`` (a distribution's ``log_prob``/``cdf``/``icdf`` value, and the distribution's
    batch + event shape), ``'params'`` (the tensor parameters a distribution was made from)."""

    line: int
    name: str
    op: str | None
    shapes: tuple[tuple[int, ...], ...]
    role: str = "operands"


def imports_module(tree, name: str) -> bool:
    """Whether a program imports the package ``name`` (or a sub-module of it) anywhere."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == name for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == name:
            return True
    return False
