"""The command line shared by ``rewrite`` and ``audit`` for running a program:
``FILE [MORE FILES] [OPTIONS] [--run "CMD"] [-- PROGRAM ARGS]``.

argparse hands everything after FILE over as one list; :func:`finish` parses the options in it
(the same options as before FILE), takes the extra files, and leaves what follows ``--`` to the
program, untouched.

>>> import argparse
>>> def options(p):
...     p.add_argument("--json", action="store_true")
>>> p = argparse.ArgumentParser()
>>> add_program_arguments(p, options)
>>> args = p.parse_args(["prog.py", "lib.py", "--json", "--", "--json", "-w"])
>>> finish(args, options)
>>> args.file, args.more, args.json, args.program_args
('prog.py', ['lib.py'], True, ['--json', '-w'])
"""
from __future__ import annotations

import argparse

__all__ = ["add_program_arguments", "finish"]


def add_program_arguments(parser, options) -> None:
    """FILE, then the rest; ``options(parser)`` adds the sub-command's own options."""
    parser.add_argument("file", help="the program to run (and rewrite/audit): a .py file")
    options(parser)
    _shared(parser)
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="...",
                        help="more files to trace when imported, options, and after -- the "
                             "program's arguments (passed untouched)")


def _shared(parser) -> None:
    parser.add_argument("--run", metavar="CMD", dest="run_cmd",
                        help="run CMD (e.g. \"python train.py --epochs 1\" or \"pytest tests\") "
                             "and trace the named files while it runs, instead of running FILE")


def finish(args, options) -> None:
    """Parse ``args.rest`` into ``args``: ``more`` files, options, ``program_args``."""
    rest = list(args.rest)
    stop = rest.index("--") if "--" in rest else len(rest)
    shadow = argparse.ArgumentParser(prog=f"broadcasting {getattr(args, 'command', '')} FILE",
                                     add_help=False)
    options(shadow)
    _shared(shadow)
    shadow.add_argument("more", nargs="*")
    shadow.parse_args(rest[:stop], namespace=args)
    args.program_args = rest[stop + 1:]
