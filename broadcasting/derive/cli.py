"""``broadcasting derive FILE.py FUNC --shape x=2 --shape W=2,3``: print the backward pass.

>>> parse_shape("W=2,3"), parse_shape("s="), parse_shape("x=4")
(('W', (2, 3)), ('s', ()), ('x', (4,)))
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from ..cli_help import DERIVE as HELP
from ..cli_help import summary
from ..errors import DeriveError, UsageError

TOLERANCE = 1e-10


def register(sub) -> None:
    p = sub.add_parser("derive", help=summary("derive"),
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the Python file that defines the function")
    p.add_argument("function", help="the forward function's name")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=SIZES",
                   help="an array argument's shape, e.g. W=2,3 (repeat it; 's=' is 0-d)")
    p.add_argument("--int", action="append", default=[], metavar="NAME=HIGH",
                   help="make that argument integers in [0, HIGH) (class labels, indices)")
    p.add_argument("--style", choices=("einops", "numpy", "torch", "native"), default=None,
                   help="einsum spelling (np.einsum, torch.einsum, einops.einsum; native: sum, "
                        "@ and explicit broadcast_to, the einsum as a comment — faster); numpy / "
                        "torch also choose the arrays' library (default: torch if the file "
                        "imports torch, else numpy)")
    p.add_argument("--wrt", action="append", default=None, metavar="NAME",
                   help="differentiate with respect to NAME only (repeat it)")
    p.add_argument("--check", action="store_true", help="compare with torch autograd")
    p.add_argument("--tolerance", type=float, default=TOLERANCE,
                   help=f"relative bound for --check (default {TOLERANCE:g})")
    p.set_defaults(run=run)


def parse_shape(text: str) -> tuple[str, tuple[int, ...]]:
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*((?:[0-9]+\s*(?:,\s*[0-9]+\s*)*,?)?)\s*", text)
    if not m:
        raise UsageError(f"--shape {text!r}: expected NAME=SIZES with sizes separated by ',', "
                         f"e.g. W=2,3 or x=4 (or s= for a 0-d array)")
    return m.group(1), tuple(int(s) for s in m.group(2).split(",") if s.strip())


def _load(path: str, name: str):
    import runpy
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{path}: no such file; give the Python file that defines {name}")
    try:
        namespace = runpy.run_path(str(p), run_name="__derive__")
    except SyntaxError as err:
        raise UsageError(f"{path}:{err.lineno}: syntax error: {err.msg}") from None
    except Exception as err:  # the user's module failed while being defined
        raise UsageError(f"{path} raised {type(err).__name__} while being loaded: {err}") from None
    f = namespace.get(name)
    if not callable(f):
        found = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_")
                       and getattr(v, "__module__", None) == "__derive__")
        raise UsageError(f"{path} defines no function {name!r}; functions there: "
                         f"{', '.join(found) or 'none'}")
    return f, p.read_text(encoding="utf-8", errors="replace")


def _library(style, source: str) -> str:
    if style in ("numpy", "torch"):
        return style
    return "torch" if re.search(r"^\s*(import torch|from torch)", source, re.M) else "numpy"


def _inputs(f, shapes: dict, ints: dict, lib: str, seed: int):
    import inspect

    import numpy as np
    params = [p.name for p in inspect.signature(f).parameters.values()
              if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    missing = [n for n in params if n not in shapes]
    unknown = [n for n in list(shapes) + list(ints) if n not in params]
    if missing or unknown:
        raise UsageError(f"{f.__name__}({', '.join(params)}): "
                         + (f"give --shape for {', '.join(missing)}" if missing else "")
                         + ("; " if missing and unknown else "")
                         + (f"no parameter named {', '.join(unknown)}" if unknown else "")
                         + f"; e.g. --shape {(missing or params or ['x'])[0]}=2,3")
    rng = np.random.default_rng(seed)
    args = [rng.integers(0, ints[n], shapes[n]) if n in ints else rng.standard_normal(shapes[n])
            for n in params]
    if lib == "torch":
        import torch
        args = [torch.tensor(a) for a in args]
    return tuple(args)


def _call(f, args, what):
    try:
        return what(f, *args)
    except (DeriveError, UsageError):
        raise
    except Exception as err:  # the user's function failed on these shapes
        raise UsageError(f"{f.__name__} raised {type(err).__name__} on the given shapes: "
                         f"{err}") from None


def run(args) -> int:
    from .check import compare
    from .derivation import derive
    f, source = _load(args.file, args.function)
    shapes = dict(parse_shape(s) for s in args.shape)
    ints = {}
    for text in args.int:
        m = re.fullmatch(r"([A-Za-z_]\w*)=([1-9][0-9]*)", text.strip())
        if not m:
            raise UsageError(f"--int {text!r}: expected NAME=HIGH, e.g. Y=27")
        ints[m.group(1)] = int(m.group(2))
    lib = _library(args.style, source)
    wrt = tuple(args.wrt) if args.wrt else None
    example = _inputs(f, shapes, ints, lib, seed=0)
    d = _call(f, example, lambda f, *a: derive(f, *a, wrt=wrt, style=args.style))
    print(d.source, end="")
    if not args.check:
        return 0
    fresh = _inputs(f, shapes, ints, lib, seed=1)
    result = _call(f, fresh, lambda f, *a: compare(d, f, a, seed=2))
    ok = result.within(args.tolerance)
    print(f"# check: {result}: {'within' if ok else 'ABOVE'} {args.tolerance:g}")
    return 0 if ok else 1
