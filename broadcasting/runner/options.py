"""The command line shared by ``rewrite`` and ``audit`` for running a program:
``FILE [MORE FILES] [OPTIONS] [--run "CMD"] [-- PROGRAM ARGS]``.

argparse hands everything after FILE over as one list; :func:`finish` applies the tool's
options in it (the same options as before FILE). The other words are the program's arguments,
as with ``python FILE ARGS``; everything after ``--`` goes to the program untouched (also words
that look like the tool's options). With ``--run CMD`` the command has its own arguments: the
words after FILE are more files to trace.

>>> import argparse
>>> def options(p):
...     p.add_argument("--json", action="store_true")
>>> p = argparse.ArgumentParser()
>>> add_program_arguments(p, options)
>>> args = p.parse_args(["prog.py", "4", "--json", "--epochs", "--", "--json", "-w"])
>>> finish(args, options)
>>> args.file, args.more, args.json, args.program_args
('prog.py', [], True, ['4', '--epochs', '--json', '-w'])
>>> args = p.parse_args(["prog.py", "--", "--json"])
>>> finish(args, options)
>>> args.json, args.program_args
(False, ['--json'])
>>> args = p.parse_args(["layers.py", "model.py", "--run", "python train.py"])
>>> finish(args, options)
>>> args.more, args.run_cmd, args.program_args
(['model.py'], 'python train.py', [])
"""
from __future__ import annotations

import argparse

from ..errors import UsageError

__all__ = ["add_program_arguments", "finish"]


def add_program_arguments(parser, options) -> None:
    """FILE and the rest; ``options(parser)`` adds the sub-command's own options. (FILE is
    the first word of one REMAINDER: argparse would drop a ``--`` right after a plain FILE.)"""
    options(parser)
    _shared(parser)
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="FILE ...",
                        help="the program (a .py file), then its arguments (after -- they are "
                             "passed untouched); with --run, the files to trace")


def _shared(parser) -> None:
    parser.add_argument("--run", metavar="CMD", dest="run_cmd",
                        help="run CMD (e.g. \"python train.py --epochs 1\" or \"pytest tests\") "
                             "and trace the named files while it runs, instead of running FILE")


def finish(args, options) -> None:
    """Parse ``args.rest`` into ``args``: options, ``program_args``, and (``--run``) ``more``
    files. ``UsageError`` for program arguments given with ``--run``."""
    rest = list(args.rest)
    if (not rest or rest[0] == "--") and getattr(args, "run_cmd", None):
        raise UsageError(f"--run {args.run_cmd!r} given without a file to trace: name the "
                         f"files whose broadcasts to trace, e.g. broadcasting "
                         f"{getattr(args, 'command', 'audit')} model.py --run \"{args.run_cmd}\"")
    if not rest or rest[0] == "--":
        raise UsageError("give the program to run, e.g. train.py (then its arguments)")
    args.file = rest.pop(0)
    stop = rest.index("--") if "--" in rest else len(rest)
    shadow = argparse.ArgumentParser(prog=f"broadcasting {getattr(args, 'command', '')} FILE",
                                     add_help=False)
    options(shadow)
    _shared(shadow)
    _, words = shadow.parse_known_args(rest[:stop], namespace=args)
    args.more, args.program_args = [], words + rest[stop + 1:]
    if args.run_cmd:
        args.more, args.program_args = args.program_args, []
        odd = [w for w in args.more if w.startswith("-")]
        if odd or stop < len(rest):
            raise UsageError(f"with --run, the words after FILE are more files to trace, not "
                             f"{(odd or ['--'])[0]!r}: put the program's arguments in CMD")
