"""``broadcasting audit FILE.py``: run a program under tracing and report its broadcasts."""
from __future__ import annotations

import argparse
import sys

HELP = """Run a Python program once, with every operator site traced, and report each broadcast
it performed: line, column, operator, shapes, kind, severity, message and a suggested fix.

Warnings (probable bugs):
  accidental-outer-product  (n,) with (n, 1) -> (n, n), e.g. a (n, 1) prediction minus (n,)
                            targets; not when the site makes the axes explicit (x[:, None],
                            np.newaxis, unsqueeze, reshape, expand_dims, einops)
  ambiguous-alignment       a reduction over a non-leading axis without keepdims broadcast
                            back against a square array: x / x.sum(axis=1)
Besides operators, torch function calls made by the program are checked the same way
(torch.add, x.sub(y), torch.where, F.mse_loss, loss modules such as nn.MSELoss(): "op" is
then the function's name).
Everything else (bias rows, scalars, keepdims reductions, explicit outer products, batch
broadcasting in @) is info. A `# broadcasting: ok` comment on a line silences its warnings.

The text output groups findings by line and puts a caret under each operator; scalar
broadcasts are shown with --all. --json prints
  {"findings": [{"line", "col", "op", "shapes", "kind", "severity", "message", "suggestion"}]}
with 1-based line and col (of the operator), every finding included.

exit status:
  0  no warning, and the program ran to its end
  1  at least one warning, or the program raised (as `broadcasting rewrite` does): the
     exception is reported on stderr (one line) and the findings of the part that ran are
     printed as usual
  2  bad input (missing file, syntax error)

examples:
  broadcasting audit train.py
  broadcasting audit train.py --json > findings.json
  broadcasting audit train.py --warnings-only -- --epochs 1   # arguments for the program
"""


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

