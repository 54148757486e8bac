"""broadcasting: make array broadcasting explicit.

>>> import broadcasting as bc
>>> bc.broadcast_shapes((3,), (2, 3))
(2, 3)
>>> bc.explain((3,), (2, 3)).einsum
'j,ij->ij'
"""
from .explain import Explanation, Finding, explain
from .explicit import einsum, multiply, unbroadcast
from .shapes import BroadcastError, broadcast_shapes

__version__ = "0.1.0"

__all__ = ["broadcast_shapes", "BroadcastError", "explain", "Explanation", "Finding", "einsum",
           "multiply", "unbroadcast"]
