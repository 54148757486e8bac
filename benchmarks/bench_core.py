"""Core speed, as ratios to the native operation measured in the same run (min of repeats).

    python benchmarks/bench_core.py

Targets (issue 2): (1000,) x (1000, 1000): multiply and einsum <= 1.10x numpy and torch;
(3,) x (2, 3): <= 2.5x numpy, <= 2.0x torch; broadcast_shapes <= 2x np.broadcast_shapes;
a cached explain <= 5x np.broadcast_shapes. torch runs on one thread.
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch

import broadcasting as bc


def best(fn, number: int, repeat: int) -> float:
    """Seconds per call: the minimum over repeats (the least disturbed measurement)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def ratio_rows(quick: bool):
    torch.set_num_threads(1)
    rows = []
    for label, ashape, bshape, number in [("large", (1000,), (1000, 1000), 20),
                                          ("tiny", (3,), (2, 3), 20000)]:
        if quick:
            number = max(1, number // 10)
        for lib, make in (("numpy", lambda s: np.random.default_rng(0).standard_normal(s)),
                          ("torch", lambda s: torch.randn(s))):
            a, B = make(ashape), make(bshape)
            native = best(lambda: a * B, number, 7)
            mult = best(lambda: bc.multiply(a, B), number, 7)
            ein = best(lambda: bc.einsum("j,ij->ij", a, B), number, 7)
            raw = best(lambda: (np.einsum if lib == "numpy" else torch.einsum)("j,ij->ij", a, B),
                       number, 7)
            rows.append((f"{lib} {label} {ashape}x{bshape}", native, {
                "bc.multiply": mult, "bc.einsum": ein, f"{lib}.einsum": raw}))
    n = 2000 if quick else 20000
    np_bs = best(lambda: np.broadcast_shapes((3,), (2, 3)), n, 7)
    bs = best(lambda: bc.broadcast_shapes((3,), (2, 3)), n, 7)
    ex = best(lambda: bc.explain((3,), (2, 3)), n, 7)
    rows.append(("shapes (3,) (2, 3)", np_bs, {"bc.broadcast_shapes": bs, "bc.explain (cached)": ex}))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    print(f"{'case':<38} {'native':>10}   ratios to native")
    for name, native, others in ratio_rows(args.quick):
        ratios = "  ".join(f"{k} {v / native:.2f}x" for k, v in others.items())
        print(f"{name:<38} {native * 1e6:>8.2f}us   {ratios}")


if __name__ == "__main__":
    main()
