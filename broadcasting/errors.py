"""The exception family. Every user mistake is one of these and the CLI prints it as one line.

``BroadcastError`` (shapes that do not broadcast, bad shapes) lives in ``shapes`` and is a
``ValueError``; the others are here.
"""
from __future__ import annotations

from .shapes import BroadcastError

__all__ = ["BroadcastError", "RewriteError", "CorpusError", "UsageError", "DeriveError",
           "USER_ERRORS"]


class RewriteError(ValueError):
    """A program the rewriter cannot take (syntax error, unreadable file, …)."""


class CorpusError(ValueError):
    """The corpus itself is bad: a missing or extra file, a checksum, a malformed line."""


class UsageError(ValueError):
    """A command-line argument that makes no sense (the message says what would)."""


class DeriveError(ValueError):
    """A forward function ``broadcasting.derive`` cannot differentiate (an operation it does not
    cover, data-dependent control flow, …); the message names the operation and its line."""


USER_ERRORS = (BroadcastError, RewriteError, CorpusError, UsageError, DeriveError)
