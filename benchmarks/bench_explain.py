"""explain with many operands: seconds for 800 and 3,200 operands (half (k,), half (2, k)), as
ratios to ``np.broadcast_shapes`` of the same shapes measured in the same run, and how the time
grows from 800 to 3,200 operands (linear: about 4x; quadratic: about 16x).

    python benchmarks/bench_explain.py

Each run explains fresh shapes (no cache), then builds str(e), the Markdown, the matrix form and
the warnings. (Issue 13: before the fix 800 operands took 4 s, 3,200 took 68 s.)
"""
from __future__ import annotations

import itertools
import time

import numpy as np

import broadcasting as bc

_fresh = itertools.count(3)


def shapes_for(n: int) -> list[tuple[int, ...]]:
    k = next(_fresh)  # a size never used before: the explanation cache cannot answer
    return [(k,)] * (n // 2) + [(2, k)] * (n - n // 2)


def explain_all(shapes) -> float:
    start = time.perf_counter()
    e = bc.explain(*shapes)
    str(e), e._repr_markdown_(), e.matrix, e.warnings
    return time.perf_counter() - start


def native(shapes) -> float:
    start = time.perf_counter()
    np.broadcast_shapes(*shapes)
    return time.perf_counter() - start


def main() -> None:
    seconds = {}
    for n in (800, 3200):
        ours = min(explain_all(shapes_for(n)) for _ in range(3))
        base = min(native(shapes_for(n)) for _ in range(3))
        seconds[n] = ours
        print(f"{n:>5} operands: explain + str + markdown {ours:.3f} s "
              f"({ours / base:,.0f}x np.broadcast_shapes)")
    print(f"3200 / 800 operands: {seconds[3200] / seconds[800]:.1f}x the time (linear: ~4x)")


if __name__ == "__main__":
    main()
