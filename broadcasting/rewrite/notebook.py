"""Notebooks: ``.ipynb`` in, ``.ipynb`` out. Code cells are traced in order in one namespace
(as the kernel ran them), then each is rewritten; outputs and metadata are left alone.

Lines of IPython syntax (``%magic``, ``!shell``) are not Python: such a line runs as ``pass``
while tracing and its cell is left as written.

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

from ..trace import run_traced
from .api import Rewrite, instrument_or_raise, rewrite_sites

__all__ = ["rewrite_notebook", "read_notebook", "write_notebook", "runnable"]

_IPYTHON_LINE = re.compile(r"^(\s*)([%!].*)$", re.M)


def runnable(source: str) -> tuple[str, bool]:
    """The cell as plain Python (IPython lines become ``pass``) and whether any was replaced."""
    plain, n = _IPYTHON_LINE.subn(lambda mt: mt.group(1) + "pass", source)
    return plain, bool(n)


def read_notebook(path):
    import nbformat
    return nbformat.read(str(path), as_version=4)


def write_notebook(nb, path) -> None:
    import nbformat
    nbformat.write(nb, str(path))


def rewrite_notebook(nb, namespace: dict | None = None, *, style: str = "einops",
                     annotate: bool = True, name: str = "notebook",
                     all: bool = False):  # noqa: A002 - the option's documented name
    """Trace the code cells of ``nb`` (an nbformat notebook) in order, then rewrite each.
    Returns ``(new notebook, list of Rewrite, one per code cell)``; ``nb`` is not modified.
    The cells' own exceptions propagate; a syntax error raises ``RewriteError``. ``all=True``
    rewrites products of equal shapes too."""
    namespace = {} if namespace is None else namespace
    namespace.setdefault("__name__", "__main__")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    traced = []
    for k, cell in enumerate(cells):
        plain, magic = runnable(cell.source)
        filename = f"{name}[cell {k + 1}]"
        code, sites = instrument_or_raise(plain, filename)
        run_traced(code, sites, namespace)
        traced.append((cell, sites, magic, filename))
    new = copy.deepcopy(nb)
    new_cells = [c for c in new.cells if c.cell_type == "code"]
    aliases = dict(namespace)
    rewrites = []
    for (cell, sites, magic, filename), target in zip(traced, new_cells):
        if magic:
            rw = Rewrite(cell.source, cell.source, (), style, filename)
        else:
            rw = rewrite_sites(cell.source, sites, aliases, style=style, annotate=annotate,
                               filename=filename, all=all)
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
