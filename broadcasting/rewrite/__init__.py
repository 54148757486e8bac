"""The rewriter: make every implicit broadcasting ``*`` between arrays an explicit einsum.

Trace one run of the program (``broadcasting.trace``), then rewrite with libcst so that
comments and formatting survive. See :func:`rewrite_source` and :func:`rewrite_function`;
notebooks: :func:`rewrite_notebook`; Jupyter: ``%load_ext broadcasting`` then ``%%explicit``.

>>> import numpy as np
>>> from broadcasting import rewrite_source
>>> rewrite_source("y = a * B", {"a": np.ones(3), "B": np.ones((2, 3))}, annotate=False).source
'import einops\\ny = einops.einsum(a, B, "j, ... j -> ... j")'
"""
import importlib

_LAZY = {"Rewrite", "RewriteSite", "implicit_products", "rewrite_function", "rewrite_sites",
         "rewrite_source"}


def __getattr__(name):
    """The API loads libcst (slow to import): only on first use, not with the CLI's start-up."""
    if name in _LAZY:
        return getattr(importlib.import_module(".api", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["Rewrite", "RewriteSite", "rewrite_source", "rewrite_function", "rewrite_sites",
           "implicit_products", "rewrite_notebook", "load_ipython_extension"]


def rewrite_notebook(*args, **kwargs):
    """Rewrite the code cells of a notebook (see :mod:`broadcasting.rewrite.notebook`)."""
    from .notebook import rewrite_notebook as run
    return run(*args, **kwargs)


def load_ipython_extension(ipython) -> None:
    """``%load_ext broadcasting.rewrite``: registers the ``%%explicit`` cell magic."""
    from .magic import load_ipython_extension as load
    load(ipython)
