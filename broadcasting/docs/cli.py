"""``broadcasting docs build``: regenerate the documentation pages and diagrams."""
from __future__ import annotations

import argparse

from ..cli_help import DOCS as HELP
from ..cli_help import summary


def register(sub) -> None:
    p = sub.add_parser("docs", help=summary("docs"),
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="write docs/ (Markdown + SVG)", description=HELP,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--out", default="docs", metavar="DIR", help="output folder (default: docs)")
    b.add_argument("--corpus", metavar="DIR", help="corpus folder (default: ./corpus)")
    b.add_argument("--playground", action="store_true",
                   help="also fetch (npm) and copy the Playground's Python runtime into the folder")
    b.set_defaults(run=run)


def run(args) -> int:
    from . import build
    from .pages import corpus_facts
    facts = corpus_facts(args.corpus) if args.corpus else None
    if facts is not None and facts.problem:
        from ..errors import CorpusError
        raise CorpusError(f"--corpus {args.corpus}: {facts.problem}")
    pyodide = None
    if args.playground:  # fetched first: without npm, nothing is written
        from .runtime import fetch_pyodide
        pyodide = fetch_pyodide()
    written = build(args.out, facts)
    print(f"wrote {len(written)} files under {args.out}/")
    if pyodide is not None:
        from .runtime import write_runtime
        rt = write_runtime(args.out, pyodide)
        print(f"wrote the playground runtime (pyodide {rt.pyodide}, {len(rt.files)} files) "
              f"under {rt.folder}/")
    return 0
