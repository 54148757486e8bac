"""``broadcasting audit FILE.py``: run a program under tracing and report its broadcasts.

The program runs through the one runner (``broadcasting.runner``: a child process, a real
``__main__``, its stdout on our stderr; ``sys.exit(0)`` and ``os._exit(0)`` are normal ends).
Everything after ``--`` goes to the program untouched. Ctrl-C stops the program and prints
the findings so far (exit 130).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli_help import AUDIT as HELP
from ..cli_help import summary
from ..errors import UsageError
from ..runner.options import add_program_arguments, finish


def register(sub) -> None:
    p = sub.add_parser("audit", help=summary("audit"),
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_program_arguments(p, _options)
    p.set_defaults(run=run)


def _options(p) -> None:
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("-w", "--warnings-only", action="store_true", help="show warnings only")
    p.add_argument("--all", action="store_true", help="also show scalar broadcasts (text output)")


def run(args) -> int:
    finish(args, _options)
    paths = [_program(p) for p in [args.file, *args.more]]
    from ..runner import run_command, run_program
    if args.run_cmd:
        result = run_command(args.run_cmd, paths, calls=True)
    else:
        result = run_program(paths[0], args.program_args, files=paths[1:], calls=True,
                             traceback=False)
    given = [args.file, *args.more]
    reports = [_report(path, name, result) for path, name in zip(paths, given)]
    for report in reports:
        print(report.to_json() if args.json else
              report.format_text(show_info=not args.warnings_only, show_scalars=args.all))
    if result.failure is not None:
        print(f"broadcasting audit: {args.file}: {result.failure}", file=sys.stderr)
    if result.interrupted:
        return 130
    return 1 if result.failure is not None or any(r.warnings for r in reports) else 0


def _program(given: str) -> str:
    """The absolute path of a Python program to audit; ``UsageError`` for anything else."""
    path = Path(given)
    if path.suffix == ".ipynb":
        raise UsageError(f"{given} is a notebook: audit takes a Python program; convert it "
                         f"(jupyter nbconvert --to script {given}) and audit the .py, or rewrite "
                         f"it with `broadcasting rewrite {given}`")
    try:
        source = path.read_bytes()
        import io
        import tokenize
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        text = source.decode(encoding)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as err:
        raise UsageError(f"cannot read {given}: {getattr(err, 'strerror', None) or err}; "
                         f"give the path of a Python file, e.g. train.py") from None
    import ast
    try:
        ast.parse(text, given)
    except SyntaxError as err:
        raise UsageError(f"{given}:{err.lineno}:{err.offset}: syntax error: {err.msg}; the audit "
                         f"needs a program that Python can run") from None
    return str(path.resolve())


def _report(path: str, name: str, result):
    """The report of one traced file (its findings so far, and the program's failure), under
    the ``name`` the user gave it."""
    from .judge import audit_sites
    from .report import AuditReport, ProgramError
    unit = result.unit(path)
    failure = result.failure
    error = None if failure is None else ProgramError(
        failure.type_name or "exit", failure.message or str(failure), failure.line)
    if unit is None:
        return AuditReport(name, "", (), 0, error)
    findings = tuple(audit_sites(unit.sites, unit.source, result.records_of(path),
                                     result.axes_of(path)))
    return AuditReport(name, unit.source, findings, sum(s.ran for s in unit.sites), error)
