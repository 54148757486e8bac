"""Speed of the rewriter. Prints measured numbers (no thresholds are asserted here).

1. Rewriting a 2,000-line program, tracing excluded: the sites are traced once, then only
   ``rewrite_sites`` (libcst parse, decisions, dtype probes, code generation) is timed.
   Target: <= 2 s.
2. Tracing the seed notebook's cells: traced run time / the program's own run time, both
   measured here in the same process. Target: <= 3x.

Run: python benchmarks/bench_rewrite.py
"""
from __future__ import annotations

import contextlib
import io
import time

import numpy as np

from broadcasting.rewrite.api import rewrite_sites
from broadcasting.rewrite.examples import seed_source
from broadcasting.trace import trace_source

BLOCK = """\
# block {k}
a{k} = np.arange(3.0) + {k}
B{k} = np.ones((2, 3))
c{k} = np.ones((2, 1))  # a column
y{k} = a{k} * B{k} * c{k}
z{k} = 0.5 * a{k} * B{k}
s{k} = "=" * 3
w{k} = (a{k}    # split
        * B{k})
u{k} = B{k} * 2.0
"""


def program(lines: int = 2000) -> str:
    per = BLOCK.count("\n")
    return "import numpy as np\n" + "".join(BLOCK.format(k=k) for k in range(lines // per))


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_rewrite() -> None:
    src = program()
    ns = {}
    trace = trace_source(src, ns)
    from broadcasting.rewrite import forms

    def rewrite():  # each time from a cold cache of proved forms
        if hasattr(forms.build_form, "cache_clear"):
            forms.build_form.cache_clear()
        rewrite_sites(src, trace.sites, ns)
    seconds = best(rewrite, repeat=2)
    rw = rewrite_sites(src, trace.sites, ns)
    print(f"rewrite {src.count(chr(10))} lines, {len(rw.sites)} `*` sites "
          f"({len(rw.rewritten)} rewritten), tracing excluded: {seconds:.2f} s (target <= 2 s)")


def bench_trace() -> None:
    import torch
    src = seed_source()

    def plain():  # the program's own run: compile + exec, as `python file.py` does
        torch.manual_seed(0)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(src, "<seed>", "exec"), {})

    def traced():
        torch.manual_seed(0)
        with contextlib.redirect_stdout(io.StringIO()):
            trace_source(src, {})

    plain(), traced()  # warm up
    t_plain, t_traced = best(plain, 20), best(traced, 20)
    print(f"seed cells: own run {t_plain * 1e3:.2f} ms, traced {t_traced * 1e3:.2f} ms, "
          f"ratio {t_traced / t_plain:.2f}x (target <= 3x)")
    big = program(400)
    t_big_plain = best(lambda: exec(compile(big, "<p>", "exec"), {"np": np}), 5)
    t_big_traced = best(lambda: trace_source(big, {}), 5)
    print(f"400-line numpy program: own run {t_big_plain * 1e3:.2f} ms (compile included), "
          f"traced {t_big_traced * 1e3:.2f} ms, ratio {t_big_traced / t_big_plain:.2f}x")


if __name__ == "__main__":
    bench_rewrite()
    bench_trace()
