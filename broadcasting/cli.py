"""The ``broadcasting`` command: one entry point, one sub-command per module.

Each sub-command lives in its own module, which provides ``register(subparsers)``; that
function adds the parser (with an example in its help) and sets ``run`` to a function
``run(args) -> int``. Registration imports nothing heavy: torch and libcst are imported by
``run`` only.

Exit codes: 0 ok, 1 a check found a difference, 2 bad input (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import USER_ERRORS

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = (
    "broadcasting.cli_explain",
    "broadcasting.corpus.cli",
    "broadcasting.cli_audit",
    "broadcasting.docs.cli",
    "broadcasting.rewrite.cli",
    "broadcasting.derive.cli",
)

EPILOG = """examples:
  broadcasting explain "a(3) * B(2,3)"
  broadcasting explain "x(2) @ W(2,3)" --json
  broadcasting rewrite backprop.py -o backprop_explicit.py   # runs the program once
  broadcasting audit train.py                                # runs the program once
  broadcasting corpus run
  broadcasting docs build
  broadcasting derive net.py loss --shape x=2 --shape W=2,3 --check

`broadcasting COMMAND --help` says more. Exit codes: 0 ok, 1 a check found a difference,
2 bad input.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="broadcasting", description="Make array broadcasting explicit.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    parser.add_argument("--version", action="version", version=f"broadcasting {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except USER_ERRORS as err:
        print(f"broadcasting {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
