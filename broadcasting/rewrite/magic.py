"""Jupyter: ``%load_ext broadcasting`` then a cell starting with ``%%explicit`` runs the cell
(traced, in the notebook's namespace) and shows the rewritten cell and, per rewritten product,
its index formula in LaTeX and the einsum. Options: ``%%explicit --style numpy --no-annotate
--all`` (``--all``: products of equal shapes too).

>>> import numpy as np
>>> ns = {"a": np.ones(3), "B": np.ones((2, 3))}
>>> rw = explicit_cell("C = a * B", ns)
>>> ns["C"].shape
(2, 3)
>>> print(markdown_of(rw).splitlines()[3])
C = einops.einsum(a, B, "j, ... j -> ... j")  # C[i,j] = a[j] · B[i,j]
"""
from __future__ import annotations

import itertools
import shlex

from ..trace import TRACER_NAME, run_traced
from .api import Rewrite, instrument_or_raise, markdown_of, rewrite_sites

__all__ = ["explicit_cell", "load_ipython_extension"]


_CELLS = itertools.count(1)


def explicit_cell(cell: str, namespace: dict, style: str = "einops", annotate: bool = True,
                  all: bool = False) -> Rewrite:  # noqa: A002 - the option's documented name
    """Run ``cell`` in ``namespace`` (traced) and return its :class:`Rewrite`. Each cell has a
    tracer of its own: a function it defines keeps computing its own operators when a later
    cell calls it."""
    name = f"{TRACER_NAME}explicit{next(_CELLS)}"
    code, sites = instrument_or_raise(cell, "<cell>", name)
    run_traced(code, sites, namespace, name)
    return rewrite_sites(cell, sites, namespace, style=style, annotate=annotate, filename="<cell>",
                         all=all)


def _parse(line: str):
    words = shlex.split(line)
    style = "einops"
    if "--style" in words:
        at = words.index("--style")
        style = words[at + 1] if at + 1 < len(words) else style
    return style, "--no-annotate" not in words, "--all" in words


def load_ipython_extension(ipython) -> None:
    """Register the ``%%explicit`` cell magic."""

    def explicit(line, cell):
        style, annotate, every = _parse(line)
        rw = explicit_cell(cell, ipython.user_ns, style, annotate, every)
        from IPython.display import Markdown, display
        display(Markdown(markdown_of(rw)))

    ipython.register_magic_function(explicit, magic_kind="cell", magic_name="explicit")
