"""Core speed, as ratios to the native operation measured in the same run.

    python benchmarks/bench_core.py [--runs 3] [--cpu] [--quick]

Each row times the native operation and the library's calls interleaved, round after round;
a time is the best round (min), a ratio is that of two best times of the same run. With
``--runs N`` the whole measurement is repeated and each ratio printed as its range over the
runs. ``--cpu`` times with the thread's CPU clock instead of the wall clock: on a machine
shared with other work it leaves out the time the process waited for a core.

Targets (issue 19): (3,) x (2, 3): bc.multiply and bc.einsum <= 1.5x `*`, numpy and torch;
(1000,) x (1000, 1000): <= 1.05x; a cached bc.explain <= 1.2x np.broadcast_shapes; explain
linear in the operands (per-operand time of 3,200 operands vs 800 about 1x). torch runs on
one thread.
"""
from __future__ import annotations

import argparse
import time
import timeit

import numpy as np
import torch

import broadcasting as bc


def best(fns: dict, number: int, repeat: int, timer) -> dict:
    """Seconds per call of each function: the minimum over ``repeat`` rounds, the functions
    interleaved within each round so that a noisy moment hits all of them alike."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(timeit.timeit(fn, number=number, timer=timer) / number)
    return {name: min(ts) for name, ts in times.items()}


def product_rows(quick: bool, timer):
    rows = []
    for label, ashape, bshape, number, repeat in [("large", (1000,), (1000, 1000), 10, 9),
                                                  ("tiny", (3,), (2, 3), 20000, 15)]:
        if quick:
            number = max(1, number // 10)
        for lib, make in (("numpy", lambda s: np.random.default_rng(0).standard_normal(s)),
                          ("torch", lambda s: torch.randn(s))):
            a, B = make(ashape), make(bshape)
            raw = np.einsum if lib == "numpy" else torch.einsum
            t = best({"native *": lambda: a * B, "bc.multiply": lambda: bc.multiply(a, B),
                      "bc.einsum": lambda: bc.einsum("j,ij->ij", a, B),
                      f"{lib}.einsum": lambda: raw("j,ij->ij", a, B)}, number, repeat, timer)
            rows.append((f"{lib} {label} {ashape}x{bshape}", "native *", t))
    return rows


def explain_rows(quick: bool, timer, scaling: bool = True):
    n = 2000 if quick else 20000
    t = best({"np.broadcast_shapes": lambda: np.broadcast_shapes((3,), (2, 3)),
              "bc.broadcast_shapes": lambda: bc.broadcast_shapes((3,), (2, 3)),
              "bc.explain (cached)": lambda: bc.explain((3,), (2, 3))}, n, 15, timer)
    rows = [("shapes (3,) (2, 3)", "np.broadcast_shapes", t)]
    if not scaling:
        return rows
    per_operand = {}
    for count in (800, 3200):
        shapes = [(2,), (2, 2), (2, 1), (1, 2)] * (count // 4)

        def fresh(shapes=shapes):  # not cached: a new plan, its warnings and einsum each time
            from broadcasting.explain import findings_of
            from broadcasting.plan import make_plan
            plan = make_plan(shapes, names=[f"x{k}" for k in range(len(shapes))])
            return findings_of(plan), plan.einsum
        per_operand[f"{count} operands"] = best({"x": fresh}, 1, 3, timer)["x"] / count
    rows.append(("explain per operand (plan+warnings+einsum)", "800 operands", per_operand))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole measurement")
    parser.add_argument("--cpu", action="store_true", help="time with the thread's CPU clock")
    parser.add_argument("--no-scaling", action="store_true",
                        help="leave out explain on 800 and 3,200 operands (minutes before issue 19)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    timer = time.thread_time if args.cpu else time.perf_counter
    runs = [product_rows(args.quick, timer) + explain_rows(args.quick, timer, not args.no_scaling)
            for _ in range(args.runs)]
    print(f"clock: {'thread CPU time' if args.cpu else 'wall'}; best of interleaved rounds; "
          f"{args.runs} run(s)")
    for k, (name, base, _) in enumerate(runs[0]):
        times = [run[k][2] for run in runs]
        print(f"{name}: {base} {_us(times, base)}")
        for other in times[0]:
            if other == base:
                continue
            ratios = [t[other] / t[base] for t in times]
            rng = f"{min(ratios):.2f}x" if len(ratios) == 1 else f"{min(ratios):.2f}-{max(ratios):.2f}x"
            print(f"    {other:<22} {rng:<12} ({_us(times, other)})")


def _us(times, name) -> str:
    values = [t[name] * 1e6 for t in times]
    lo, hi = min(values), max(values)
    return f"{lo:.2f} us" if len(values) == 1 else f"{lo:.2f}-{hi:.2f} us"


if __name__ == "__main__":
    main()
