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


def best(fns: dict, number: int, repeat: int = 9) -> dict:
    """Seconds per call of each function: the minimum over ``repeat`` rounds, the functions
    interleaved within each round so that a noisy moment hits all of them alike."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(timeit.timeit(fn, number=number) / number)
    return {name: min(ts) for name, ts in times.items()}


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
            raw = np.einsum if lib == "numpy" else torch.einsum
            t = best({"native": lambda: a * B, "bc.multiply": lambda: bc.multiply(a, B),
                      "bc.einsum": lambda: bc.einsum("j,ij->ij", a, B),
                      f"{lib}.einsum": lambda: raw("j,ij->ij", a, B)}, number)
            native = t.pop("native")
            rows.append((f"{lib} {label} {ashape}x{bshape}", native, t))
    n = 2000 if quick else 20000
    t = best({"native": lambda: np.broadcast_shapes((3,), (2, 3)),
              "bc.broadcast_shapes": lambda: bc.broadcast_shapes((3,), (2, 3)),
              "bc.explain (cached)": lambda: bc.explain((3,), (2, 3))}, n)
    native = t.pop("native")
    rows.append(("shapes (3,) (2, 3) vs np.broadcast_shapes", native, t))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    print(f"{'case':<42} {'native':>10}   ratios to native")
    for name, native, others in ratio_rows(args.quick):
        ratios = "  ".join(f"{k} {v / native:.2f}x" for k, v in others.items())
        print(f"{name:<42} {native * 1e6:>8.2f}us   {ratios}")


if __name__ == "__main__":
    main()
