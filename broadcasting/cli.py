"""The ``broadcasting`` command: the entry point (:func:`main`) and the ``explain`` sub-command.

Every other sub-command lives in its feature package's ``cli`` module (``audit.cli``,
``corpus.cli``, ``docs.cli``, ``rewrite.cli``), which provides ``register(subparsers)``; that
function adds the parser (its description comes from ``cli_help``, the one table of help texts)
and sets ``run`` to a function ``run(args) -> int``. Registration imports nothing heavy: torch
and libcst are imported by ``run`` only.

Exit codes: 0 ok, 1 a check found a difference, 2 bad input (one line on stderr, no traceback).
"""
from __future__ import annotations

import importlib
import json
import re
import sys

from .cli_help import COMMANDS, EPILOG, summary
from .cli_help import EXPLAIN as HELP
from .errors import USER_ERRORS, UsageError
from .plan import OPS

def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``broadcasting`` parser. With ``only``, just that sub-command is registered in full
    (its module imported); the others get their name and summary, enough for
    ``broadcasting --help`` — so ``broadcasting explain`` does not import the corpus's numpy,
    nor ``broadcasting audit`` the docs."""
    import argparse  # here, not at import: the docs' Playground imports this module in the browser
    parser = argparse.ArgumentParser(
        prog="broadcasting", description="Make array broadcasting explicit.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    parser.add_argument("--version", action="version", version=f"broadcasting {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        if only is None or command.name == only:
            importlib.import_module(command.module).register(sub)
        else:
            sub.add_parser(command.name, help=command.summary)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = argv[0] if argv and argv[0] in {c.name for c in COMMANDS} else ""
    parser = build_parser(chosen)
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


# -- broadcasting explain ---------------------------------------------------------------------

_OPERATORS = sorted(OPS, key=len, reverse=True)
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z_0-9]*)?\s*\((?P<shape>[^()]*)\)"
                    r"|(?P<op>" + "|".join(re.escape(o) for o in _OPERATORS) + r"))")


def parse_expression(text: str):
    """``"a(3) * B(2,3)"`` -> (shapes, op, names). Names are optional but all-or-none.

    >>> parse_expression("a(3) * B(2,3)")
    (((3,), (2, 3)), '*', ('a', 'B'))
    >>> parse_expression("(3,) + ()")
    (((3,), ()), '+', None)
    """
    pos, shapes, names, ops = 0, [], [], []
    text = text.strip()
    expect_operand = True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or (m.group("op") is not None) == expect_operand:
            what = "an operand like a(2,3) or (2,3)" if expect_operand else "an operator (* + - / @ …)"
            raise UsageError(f"cannot read {text!r} at column {pos + 1} ({text[pos:pos + 10]!r}): "
                             f"expected {what}; example: \"a(3) * B(2,3)\"")
        if m.group("op"):
            ops.append(m.group("op"))
        else:
            shapes.append(_shape(m.group("shape"), text))
            names.append(m.group("name"))
        expect_operand = not expect_operand
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if expect_operand or not shapes:
        raise UsageError(f"{text!r} ends without an operand; example: \"a(3) * B(2,3)\"")
    if len(set(ops)) > 1:
        raise UsageError(f"{text!r} mixes operators {' '.join(sorted(set(ops)))}: explain one "
                         f"operator at a time, e.g. \"a(3) * B(2,3)\"")
    given = [n for n in names if n]
    if given and len(given) != len(names):
        raise UsageError(f"{text!r} names some operands but not all: name all or none")
    return tuple(shapes), (ops[0] if ops else "*"), (tuple(names) if given else None)


def _shape(body: str, text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in body.split(",")]
    if parts and parts[-1] == "":
        parts.pop()
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise UsageError(f"shape ({body}) in {text!r} is not a list of integers; "
                         f"write sizes like (2, 3) or (3,)") from None


def register(sub) -> None:
    import argparse
    p = sub.add_parser("explain", help=summary("explain"),
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", nargs="+", help='e.g. "a(3) * B(2,3)" (quote it for the shell)')
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.add_argument("--result", metavar="NAME", help="name of the result (default: next letter)")
    p.add_argument("--svg", metavar="FILE", help="also write the diagram to FILE")
    p.set_defaults(run=run)


def run(args) -> int:
    from .explain import explain
    shapes, op, names = parse_expression(" ".join(args.expression))
    if args.result:
        names = (names or _default(shapes, op)) + (args.result,)
    target = None
    if args.svg:
        from .output import resolve_output
        target = resolve_output(args.svg, "--svg")
    e = explain(*shapes, op=op, names=names)
    text = json.dumps(e.to_dict(), ensure_ascii=False, indent=2) if args.json else str(e)
    if target is not None:  # written only once everything it goes with has been built
        from .output import write_output
        write_output(target, e.svg())
    print(text)
    return 0


def _default(shapes, op):
    from .plan import make_plan
    return tuple(o.name for o in make_plan(shapes, op).operands)
