"""The runtime audit: run a program once under the tracer and report every broadcast it made.

- ``report``: what is reported (:class:`AuditFinding`, :class:`AuditReport`: text and JSON);
- ``judge``: running a source or a program under the tracer and the call recorders, and
  judging each traced site or recorded call (info or warning, and why);
- ``source``: what the program's source says at a site (explicit axes, reductions, comments);
- ``calls``, ``numpy_calls``, ``torch_calls``, ``distributions``: the recorders of numpy,
  torch and ``torch.distributions`` calls; ``reductions``, ``numpy_methods``: the axes
  reductions ran with (for an axis passed as a value);
- ``torch_ops``: the torch tables (checked operations, losses) shared with ``strict``;
- ``live``: the audit's verdict on a torch call where it runs (``strict("outer")``, plugin);
- ``strict``: the guard against implicit broadcasting between torch tensors (``bc.strict``,
  levels ``outer``, ``rank``, ``all``);
- ``pytest_plugin``: ``pytest --broadcasting=audit|strict-outer``;
- ``cli``: the ``broadcasting audit`` sub-command;
- ``recorders``: which call recorders a program gets, and the callee filter.

Importing the package imports none of them: its public names load on first use, so the
runner's child process (which needs the recorders only) does not pay for the judge.
"""
import importlib

__all__ = ["AuditFinding", "AuditReport", "ProgramError", "audit_source", "audit_program",
           "audit_sites", "WARNING", "INFO"]

_HOME = dict.fromkeys(("audit_program", "audit_sites", "audit_source"), "judge")
_HOME.update(dict.fromkeys(("INFO", "WARNING", "AuditFinding", "AuditReport", "ProgramError"), "report"))


def __getattr__(name):
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
