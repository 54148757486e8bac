"""``broadcasting audit FILE.py``: run a program under tracing and report its broadcasts."""
from __future__ import annotations

import argparse
import sys

from ..cli_help import AUDIT as HELP


def register(sub) -> None:
    p = sub.add_parser("audit", help="find silent broadcasting bugs by running a program",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the Python program to run (as `python FILE` would)")
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="arguments for the program (after --; audit options may come first)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("-w", "--warnings-only", action="store_true", help="show warnings only")
    p.add_argument("--all", action="store_true", help="also show scalar broadcasts (text output)")
    p.set_defaults(run=run)


def run(args) -> int:
    from .judge import audit_program
    program_args = _split_options(args)
    report = audit_program(args.file, program_args)
    if args.json:
        print(report.to_json())
    else:
        print(report.format_text(show_info=not args.warnings_only, show_scalars=args.all))
    if report.error is not None:
        print(f"broadcasting audit: {args.file}: the program raised {report.error}",
              file=sys.stderr)
        return 1
    return 1 if report.warnings else 0


_FLAGS = {"--json": "json", "-w": "warnings_only", "--warnings-only": "warnings_only", "--all": "all"}


def _split_options(args) -> list[str]:
    """Audit options written after FILE (argparse hands them over with the program's
    arguments) are applied; what follows ``--`` goes to the program untouched."""
    rest = list(args.args)
    stop = rest.index("--") if "--" in rest else len(rest)
    program = []
    for k, item in enumerate(rest):
        if k == stop:
            return program + rest[k + 1:]
        if item in _FLAGS:
            setattr(args, _FLAGS[item], True)
        else:
            program.append(item)
    return program

