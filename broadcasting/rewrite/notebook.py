"""Notebooks: ``.ipynb`` in, ``.ipynb`` out. Code cells are traced in order in one namespace
(as the kernel ran them), then each is rewritten; outputs and metadata are left alone.

IPython syntax (``!ls``, ``x = !ls``, ``%time``, ``np.ones?``, ``%%bash``…) runs as IPython runs
it (IPython's own input transformer, ``runner.cells.plain_python``); such a cell is left as
written. Each cell has a tracer of its own: a function defined in one cell and called from
another computes what the plain run computes.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_code_cell("import numpy as np\\na = np.ones(3)"),
...     nbformat.v4.new_code_cell("B = a * np.ones((2, 3))")])
>>> new, rewrites = rewrite_notebook(nb, annotate=False)
>>> new.cells[1].source
'import einops\\nB = einops.einsum(a, np.ones((2, 3)), "j, ... j -> ... j")'
"""
from __future__ import annotations

import copy
import re
import types
from dataclasses import dataclass

from ..runner.cells import plain_python
from ..trace import TRACER_NAME, run_traced
from .api import Rewrite, instrument_or_raise, rewrite_sites

__all__ = ["TracedCell", "rewrite_notebook", "rewrite_cells", "read_notebook", "write_notebook",
           "cell_tracer_name"]


@dataclass(frozen=True)
class TracedCell:
    """One code cell after the run: its sites, and whether IPython syntax was transformed."""

    sites: list
    transformed: bool
    filename: str

    def __repr__(self) -> str:
        return f"<TracedCell {self.filename}: {len(self.sites)} sites>"


def cell_tracer_name(k: int) -> str:
    """The tracer of code cell ``k`` (from 0): one per cell, since cells share a namespace."""
    return f"{TRACER_NAME}cell{k + 1}"


def read_notebook(path):
    import nbformat
    return nbformat.read(str(path), as_version=4)


def write_notebook(nb, path) -> None:
    import nbformat
    nbformat.write(nb, str(path))


def rewrite_notebook(nb, namespace: dict | None = None, *, style: str = "einops",
                     annotate: bool = True, name: str = "notebook",
                     all: bool = False):  # noqa: A002 - the option's documented name
    """Trace the code cells of ``nb`` (an nbformat notebook) in order, in this process, then
    rewrite each. Returns ``(new notebook, list of Rewrite, one per code cell)``; ``nb`` is not
    modified. The cells' own exceptions propagate; a syntax error raises ``RewriteError``.
    ``all=True`` rewrites products of equal shapes too."""
    namespace = {} if namespace is None else namespace
    namespace.setdefault("__name__", "__main__")
    traced = []
    for k, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        plain = plain_python(cell.source, namespace)
        filename = f"{name}[cell {k + 1}]"
        code, sites = instrument_or_raise(plain, filename, cell_tracer_name(k))
        run_traced(code, sites, namespace, cell_tracer_name(k))
        traced.append(TracedCell(sites, plain != cell.source, filename))
    return rewrite_cells(nb, traced, dict(namespace), style=style, annotate=annotate, all=all)


def rewrite_cells(nb, traced: list[TracedCell], aliases: dict, *, style: str = "einops",
                  annotate: bool = True, all: bool = False):  # noqa: A002
    """Rewrite the code cells of ``nb`` from their traced sites (``aliases``: the notebook's
    names of einops/numpy/torch). Returns ``(new notebook, list of Rewrite)``."""
    new = copy.deepcopy(nb)
    aliases = dict(aliases)
    rewrites = []
    for cell, target in zip(traced, [c for c in new.cells if c.cell_type == "code"]):
        if cell.transformed:
            rw = Rewrite(target.source, target.source, (), style, cell.filename)
        else:
            rw = rewrite_sites(target.source, cell.sites, aliases, style=style,
                               annotate=annotate, filename=cell.filename, all=all)
            _note_imports(rw.source, aliases)
        target.source = rw.source
        rewrites.append(rw)
    return new, rewrites


def _note_imports(source: str, aliases: dict) -> None:
    """After a cell gained ``import einops`` (…), later cells need not import it again."""
    for line in source.splitlines():
        found = re.match(r"^import (einops|numpy|torch)(?: as (\w+))?\s*$", line)
        if found:
            module = types.ModuleType(found.group(1))
            aliases.setdefault(found.group(2) or found.group(1), module)
