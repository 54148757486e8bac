"""``broadcasting docs build``: regenerate the documentation pages and diagrams."""
from __future__ import annotations

import argparse

from ..cli_help import DOCS as HELP


def register(sub) -> None:
    p = sub.add_parser("docs", help="generate the documentation pages",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="write docs/ (Markdown + SVG)", description=HELP,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--out", default="docs", metavar="DIR", help="output folder (default: docs)")
    b.add_argument("--corpus", metavar="DIR", help="corpus folder (default: ./corpus)")
    b.set_defaults(run=run)


def run(args) -> int:
    from . import build
    from .pages import corpus_facts
    facts = corpus_facts(args.corpus) if args.corpus else None
    if facts is not None and facts.problem:
        from ..errors import CorpusError
        raise CorpusError(f"--corpus {args.corpus}: {facts.problem}")
    written = build(args.out, facts)
    print(f"wrote {len(written)} files under {args.out}/")
    return 0
