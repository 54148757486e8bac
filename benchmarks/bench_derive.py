"""Speed of derive on the makemore-style MLP (batch 32), measured in one run.

    python benchmarks/bench_derive.py [--quick]

Targets (issue 18): deriving the MLP takes <= 2 s; its derived backward function runs within
2x of torch autograd's backward on CPU. The derived function recomputes the forward values it
reads, so two ratios are printed: derived function / autograd backward alone, and derived
function / (forward + autograd backward). torch runs on one thread; minimum over rounds, the
functions interleaved within each round.
"""
from __future__ import annotations

import argparse
import time
import timeit

import torch

from broadcasting.derive import derive
from broadcasting.derive.examples import MAKEMORE


def best(fns: dict, number: int, repeat: int) -> dict:
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(timeit.timeit(fn, number=number) / number)
    return {name: min(ts) for name, ts in times.items()}


def derive_seconds(repeat: int) -> float:
    args = MAKEMORE.inputs(0, "float32")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        derive(MAKEMORE.function, *args).function  # trace, write and compile
        times.append(time.perf_counter() - start)
    return min(times)


def backward_times(number: int, repeat: int) -> dict:
    args = MAKEMORE.inputs(1, "float32")
    backward = derive(MAKEMORE.function, *MAKEMORE.inputs(0, "float32")).function
    floats = [a.is_floating_point() for a in args]
    leaves = [a.clone().requires_grad_(f) for a, f in zip(args, floats)]
    one = torch.tensor(1.0)

    def autograd_backward_only():
        loss = MAKEMORE.function(*leaves)
        start = time.perf_counter()
        torch.autograd.grad(loss, [x for x, f in zip(leaves, floats) if f])
        return time.perf_counter() - start

    def autograd_both():
        loss = MAKEMORE.function(*leaves)
        torch.autograd.grad(loss, [x for x, f in zip(leaves, floats) if f])

    def derived():
        backward(one, *args)

    times = best({"derived": derived, "autograd forward+backward": autograd_both},
                 number, repeat)
    only = []
    for _ in range(repeat):
        only.append(min(autograd_backward_only() for _ in range(number)))
    times["autograd backward"] = min(only)
    return times


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    number, repeat = (20, 3) if args.quick else (200, 7)
    seconds = derive_seconds(3 if args.quick else 5)
    print(f"derive the MLP (trace + write + compile): {seconds:.3f} s (target <= 2 s)")
    t = backward_times(number, repeat)
    for name, value in t.items():
        print(f"  {name:28s} {value * 1e6:9.1f} us")
    print(f"derived / autograd backward:          {t['derived'] / t['autograd backward']:.2f}x "
          f"(target <= 2x)")
    print(f"derived / autograd forward+backward:  "
          f"{t['derived'] / t['autograd forward+backward']:.2f}x")


if __name__ == "__main__":
    main()
