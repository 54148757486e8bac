"""``broadcasting rewrite``: make the implicit broadcasting products of a program explicit.

The program runs through the one runner (``broadcasting.runner``: a child process, a real
``__main__``, its stdout on our stderr); every output path is resolved (``broadcasting.output``)
before it runs, and written atomically after. The program's exit status 0 is a normal end;
anything else writes nothing and exits 1.
"""
from __future__ import annotations

import argparse
import io
import sys
import tokenize
from pathlib import Path

from ..errors import RewriteError, UsageError
from ..output import resolve_output, write_output
from ..runner.options import add_program_arguments, finish

from ..cli_help import REWRITE as HELP
from ..cli_help import summary


def register(sub) -> None:
    p = sub.add_parser("rewrite", help=summary("rewrite"),
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_program_arguments(p, _options)
    p.set_defaults(run=run)


def _options(p) -> None:
    p.add_argument("--style", choices=("einops", "numpy", "torch"), default="einops",
                   help="einops.einsum (default), or the arrays' own np/torch einsum and outer")
    p.add_argument("--no-annotate", action="store_true", help="no index-formula comments")
    p.add_argument("--all", action="store_true", dest="all_products",
                   help="rewrite products of equal shapes too (default: only products that "
                        "broadcast)")
    p.add_argument("-o", "--output", metavar="OUT", help="write the rewritten file to OUT")
    p.add_argument("--in-place", action="store_true", help="replace FILE (atomically)")
    p.add_argument("--no-exec", action="store_true",
                   help="do not run the program: use the shapes given with --shape")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=SIZES",
                   help="shape of a variable for --no-exec, e.g. W=2,3 (everywhere) or "
                        "func.W=2,3 (inside function func only); repeat it")


def _read(path: Path) -> tuple[str, str]:
    """The text of a Python file and its encoding (PEP 263 coding line, UTF-8 BOM honoured)."""
    try:
        data = path.read_bytes()
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data.decode(encoding), encoding
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as err:
        raise RewriteError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None


def _check_args(args, paths: list[Path]) -> None:
    if args.in_place and args.output:
        raise UsageError("give either -o OUT or --in-place, not both")
    if args.shape and not args.no_exec:
        raise UsageError("--shape is for --no-exec (otherwise shapes are learnt by running)")
    if args.no_exec and (args.run_cmd or args.program_args or len(paths) > 1):
        raise UsageError("--no-exec rewrites one file from --shape; --run, more files and "
                         "program arguments are for runs")
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path} is not a file; give a .py file or a .ipynb notebook")
    if len(paths) > 1 and not args.in_place:
        raise UsageError(f"{len(paths)} files given: rewriting several files needs --in-place")
    if args.output and Path(args.output).resolve() == paths[0].resolve():
        raise UsageError(f"-o {args.output} is the input file: use --in-place to replace it")
    if any(p.suffix == ".ipynb" for p in paths) and (args.run_cmd or len(paths) > 1):
        raise UsageError("a notebook is rewritten from its own run: give it alone, without --run")


def _targets(args, paths: list[Path]) -> list:
    """Where each rewritten file goes, resolved before the program runs (None: stdout)."""
    if args.in_place:
        return [resolve_output(str(p), "--in-place") for p in paths]
    return [resolve_output(args.output) if args.output else None]


def _summary(rewrites) -> str:
    """One block per file: what was rewritten, left as is, never ran, kept and why."""
    out = []
    for r in rewrites:
        parts = r.summary.lines()
        if len(rewrites) > 1 and not r.sites:
            continue
        out.append(f"{r.filename}: " + parts[0])
        out += [f"  {part}" for part in parts[1:]]
    return "\n".join(out) if out else "rewrote no product"


def run(args) -> int:
    finish(args, _options)
    paths = [Path(p) for p in [args.file, *args.more]]
    _check_args(args, paths)
    targets = _targets(args, paths)
    if args.no_exec:
        texts, rewrites = _rewrite_static(args, paths[0])
    else:
        found = _rewrite_run(args, [p.resolve() for p in paths])
        if isinstance(found, int):
            return found
        texts, rewrites = found
    for target, (text, encoding) in zip(targets, texts):
        if text is None:  # a file the run never imported: left as it is
            continue
        if target is None:
            sys.stdout.write(text)
        else:
            write_output(target, text, encoding)
    print(_summary(rewrites), file=sys.stderr)
    return 0


def _rewrite_static(args, path: Path):
    from .static import parse_shape_option, rewrite_static
    if path.suffix == ".ipynb":
        raise UsageError("--no-exec is for .py files; a notebook is rewritten from one run")
    source, encoding = _read(path)
    shapes = dict(parse_shape_option(s) for s in args.shape)
    rw = rewrite_static(source, shapes, style=args.style, annotate=not args.no_annotate,
                        filename=str(path), all=args.all_products)
    return [(rw.source, encoding)], [rw]


def _rewrite_run(args, paths: list[Path]):
    """Run the program (or ``--run`` command), then rewrite each file; an exit status when
    the run did not end normally (nothing is written)."""
    from ..runner import run_command, run_program
    notebook = paths[0].suffix == ".ipynb"
    sources = [None if notebook else _read(p) for p in paths]
    for p, found in zip(paths, sources):
        if found is not None:
            _check_syntax(found[0], p)
    if args.run_cmd:
        result = run_command(args.run_cmd, [str(p) for p in paths])
    else:
        result = run_program(str(paths[0]), args.program_args,
                             files=[str(p) for p in paths[1:]], notebook=notebook)
    if result.failure is not None:
        print(f"broadcasting rewrite: {result.failure}; nothing was written", file=sys.stderr)
        return 130 if result.interrupted else 1
    if notebook:
        return _rewrite_notebook(args, paths[0], result)
    if not any(result.unit(str(p)) for p in paths):
        raise UsageError(f"--run {args.run_cmd!r} never imported {', '.join(map(str, paths))}: name "
                         f"files the command imports (they are matched by their real path)")
    return _rewrite_files(args, paths, sources, result)


def _check_syntax(source: str, path: Path) -> None:
    import ast
    try:
        ast.parse(source, str(path))
    except SyntaxError as err:
        raise RewriteError(f"{path}:{err.lineno}:{err.offset}: syntax error: {err.msg}") from None


def _rewrite_files(args, paths, sources, result):
    from ..runner import namespace_of
    from .api import rewrite_sites
    texts, rewrites = [], []
    for path, (source, encoding) in zip(paths, sources):
        unit = result.unit(str(path))
        if unit is None:
            print(f"broadcasting rewrite: {path} was not imported while the program ran; "
                  f"left as it is", file=sys.stderr)
            texts.append((None, encoding))
            continue
        rw = rewrite_sites(source, unit.sites, namespace_of(unit), style=args.style,
                           annotate=not args.no_annotate, filename=str(path),
                           all=args.all_products)
        texts.append((rw.source, encoding))
        rewrites.append(rw)
    return texts, rewrites


def _rewrite_notebook(args, path: Path, result):
    import nbformat
    from ..runner import namespace_of
    from .notebook import TracedCell, read_notebook, rewrite_cells
    try:
        nb = read_notebook(path)
    except Exception as err:  # nbformat raises several kinds for a bad file
        raise RewriteError(f"cannot read notebook {path}: {err}") from None
    units = sorted((u for u in result.units if u.cell is not None), key=lambda u: u.cell)
    traced = [TracedCell(u.sites, u.transformed, u.path) for u in units]
    aliases = namespace_of(units[-1]) if units else {}
    new, rewrites = rewrite_cells(nb, traced, aliases, style=args.style,
                                  annotate=not args.no_annotate, all=args.all_products)
    return [(nbformat.writes(new) + "\n", "utf-8")], rewrites
