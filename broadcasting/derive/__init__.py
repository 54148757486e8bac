"""The backward pass of a forward function, written out by hand: every product an explicit
einsum, every broadcast's reverse a sum over the stretched axes, each line explained.

- :mod:`.tracer` runs the function once on wrapped arrays and records a :mod:`.graph`;
- :mod:`.spellings` says what each numpy / torch spelling means;
- :mod:`.forward` and :mod:`.rules` write each operation's forward value and backward rule;
- :mod:`.derivation` assembles the function (:func:`derive`), :mod:`.check` compares it with
  torch autograd, :mod:`.cli` is ``broadcasting derive``, :mod:`.examples` and :mod:`.pages`
  the worked examples and their docs pages.
"""
import sys
import types

from ..errors import DeriveError
from .derivation import Derivation, Step, derive

__all__ = ["derive", "Derivation", "Step", "DeriveError", "DeriveModule"]


class DeriveModule(types.ModuleType):
    """``broadcasting.derive`` is this package and, called, the function :func:`derive`: the
    package's name is also the public function's (``bc.derive(f, *args)``), and importing a
    sub-package binds its module to the parent's attribute — so the module itself is callable."""

    def __call__(self, f, *example_args, wrt=None, style=None) -> Derivation:
        return derive(f, *example_args, wrt=wrt, style=style)


sys.modules[__name__].__class__ = DeriveModule
