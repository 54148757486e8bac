"""The runtime audit: run a program once under the tracer and report every broadcast it made.

- ``report``: what is reported (:class:`AuditFinding`, :class:`AuditReport`: text and JSON);
- ``judge``: running a source or a program under the tracer and the call recorders, and
  judging each traced site or recorded call (info or warning, and why);
- ``source``: what the program's source says at a site (explicit axes, reductions, comments);
- ``calls``, ``numpy_calls``, ``torch_calls``: the recorders of numpy and torch function calls;
- ``torch_ops``: the torch tables (checked operations, losses) shared with ``strict``;
- ``strict``: the guard against implicit broadcasting between torch tensors (``bc.strict``);
- ``cli``: the ``broadcasting audit`` sub-command.
"""
from .judge import audit_program, audit_sites, audit_source
from .report import INFO, WARNING, AuditFinding, AuditReport, ProgramError

__all__ = ["AuditFinding", "AuditReport", "ProgramError", "audit_source", "audit_program",
           "audit_sites", "WARNING", "INFO"]
