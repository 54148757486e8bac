"""``broadcasting rewrite``: make the implicit broadcasting products of a program explicit."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path

from ..errors import RewriteError, UsageError

from ..cli_help import REWRITE as HELP


def register(sub) -> None:
    p = sub.add_parser("rewrite", help="rewrite implicit broadcasting products as einsums "
                                       "(runs the program)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a .py file or a .ipynb notebook")
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
    p.set_defaults(run=run)


def _read(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise RewriteError(f"cannot read {path}: {err}") from None


def _check_args(args) -> None:
    if args.in_place and args.output:
        raise UsageError("give either -o OUT or --in-place, not both")
    if args.shape and not args.no_exec:
        raise UsageError("--shape is for --no-exec (otherwise shapes are learnt by running)")
    if args.output and Path(args.output).resolve() == Path(args.file).resolve():
        raise UsageError(f"-o {args.output} is the input file: use --in-place to replace it")


def _program_traceback(err: BaseException, filename: str) -> str:
    """The program's own traceback: frames of our machinery are left out."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if f.filename == filename or not f.filename.startswith(str(Path(__file__).parents[1]))]
    while frames and frames[0].filename != filename:
        frames.pop(0)
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
    return "".join(lines + traceback.format_exception_only(type(err), err))


def _rewrite_python(args, path: Path):
    from .api import rewrite_source
    from .static import parse_shape_option, rewrite_static
    source = _read(path)
    annotate = not args.no_annotate
    if args.no_exec:
        shapes = dict(parse_shape_option(s) for s in args.shape)
        rw = rewrite_static(source, shapes, style=args.style, annotate=annotate,
                            filename=str(path), all=args.all_products)
        return rw.source, [rw]
    namespace = {"__name__": "__main__", "__file__": str(path)}
    rw = rewrite_source(source, namespace, style=args.style, annotate=annotate,
                        filename=str(path), all=args.all_products)
    return rw.source, [rw]


def _rewrite_notebook(args, path: Path):
    import nbformat
    from .notebook import read_notebook, rewrite_notebook
    if args.no_exec:
        raise UsageError("--no-exec is for .py files; a notebook is rewritten from one run")
    try:
        nb = read_notebook(path)
    except Exception as err:  # nbformat raises several kinds for a bad file
        raise RewriteError(f"cannot read notebook {path}: {err}") from None
    new, rewrites = rewrite_notebook(nb, {"__name__": "__main__"}, style=args.style,
                                     annotate=not args.no_annotate, name=str(path),
                                     all=args.all_products)
    return nbformat.writes(new) + "\n", rewrites


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
    _check_args(args)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file; give a .py file or a .ipynb notebook")
    notebook = path.suffix == ".ipynb"
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv, sys.path[:0] = [str(path)], [str(path.parent.resolve())]
    try:
        text, rewrites = (_rewrite_notebook if notebook else _rewrite_python)(args, path)
    except (RewriteError, UsageError):
        raise
    except Exception as err:  # the traced program raised: its own traceback, exit 1
        sys.stderr.write(_program_traceback(err, str(path)))
        sys.stderr.write(f"broadcasting rewrite: {path} raised {type(err).__name__}; "
                         f"nothing was written\n")
        return 1
    finally:
        sys.argv, sys.path[:] = old_argv, old_path
    if args.in_place or args.output:
        _write_atomically(path if args.in_place else Path(args.output), text)
    else:
        sys.stdout.write(text)
    print(_summary(rewrites), file=sys.stderr)
    return 0
