"""broadcasting: make array broadcasting explicit.

>>> import broadcasting as bc
>>> bc.broadcast_shapes((3,), (2, 3))
(2, 3)
>>> bc.explain((3,), (2, 3)).einsum
'j,ij->ij'
"""
from .explain import Explanation, Finding, explain
from .explicit import einsum, multiply, unbroadcast
from .jacobian import Jacobian
from .shapes import BroadcastError, broadcast_shapes

__version__ = "0.1.0"

__all__ = ["broadcast_shapes", "BroadcastError", "explain", "Explanation", "Finding", "einsum",
           "multiply", "unbroadcast", "rewrite_source", "rewrite_function", "Rewrite",
           "load_ipython_extension", "strict", "BroadcastWarning", "audit_source", "AuditFinding",
           "Jacobian", "derive", "Derivation", "DeriveError"]

#: public names imported on first use, from the feature packages (the rewriter needs libcst,
#: slow to import; the audit needs the tracer): ``import broadcasting`` loads the core only
_LAZY = {"rewrite_source": "rewrite", "rewrite_function": "rewrite", "Rewrite": "rewrite",
         "audit_source": "audit", "AuditFinding": "audit", "strict": "audit.strict",
         "BroadcastWarning": "audit.strict", "Derivation": "derive", "DeriveError": "derive"}


def __getattr__(name):
    if name == "derive":  # the package broadcasting.derive, callable as the function derive
        import importlib
        return importlib.import_module(".derive", __name__)
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'broadcasting' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """``%load_ext broadcasting``: registers the ``%%explicit`` cell magic (see
    ``broadcasting.rewrite.magic``)."""
    from .rewrite.magic import load_ipython_extension as load
    load(ipython)
