"""Speed of derive on the makemore-style MLP (batch 32), measured in one run.

    python benchmarks/bench_derive.py [--quick]

Targets (issue 18): deriving the MLP takes <= 2 s; its derived backward function runs within
2x of torch autograd's backward on CPU — for the default (einsum) style and the native style
(each einsum written as sum / @ / explicit broadcast_to). The derived function recomputes the
forward values it reads, so three ratios are printed: its backward lines alone (the function
minus its forward part, timed separately) / autograd backward, the whole function / autograd
backward, and the whole function / (forward under autograd + autograd backward). torch runs
on one thread; each function's fastest single call, the functions interleaved in each round
(autograd backward: the call of torch.autograd.grad alone, after a fresh forward).
"""
from __future__ import annotations

import argparse
import time

import torch

from broadcasting.derive import derive
from broadcasting.derive.examples import MAKEMORE


def best(fns: dict, number: int, repeat: int) -> dict:
    """Seconds of each function's fastest single call (each call timed alone, the functions
    interleaved within each round): one estimator for all, robust to a loaded machine."""
    times = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            for _ in range(number):
                start = time.perf_counter()
                spent = fn()
                spent = time.perf_counter() - start if spent is None else spent
                times[name] = min(times[name], spent)
    return times


def derive_seconds(repeat: int) -> tuple[float, float]:
    """(first call in this process, best of the following ones)."""
    args = MAKEMORE.inputs(0, "float32")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        derive(MAKEMORE.function, *args).function  # trace, write and compile
        times.append(time.perf_counter() - start)
    return times[0], min(times[1:])


def forward_part(d):
    """The derived function cut before its backward lines (it returns nothing): what the
    recomputation of the forward values costs."""
    head, _ = d.source.split("    # backward pass", 1)
    namespace: dict = {}
    exec(head + "    return None\n", namespace)
    return namespace[d.function_name]


def backward_times(number: int, repeat: int, style) -> dict:
    args = MAKEMORE.inputs(1, "float32")
    d = derive(MAKEMORE.function, *MAKEMORE.inputs(0, "float32"), style=style)
    backward, forward = d.function, forward_part(d)
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

    def derived_forward():
        forward(one, *args)

    return best({"derived": derived, "derived forward part": derived_forward,
                 "autograd forward+backward": autograd_both,
                 "autograd backward": autograd_backward_only}, number, repeat)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    number, repeat = (20, 3) if args.quick else (200, 7)
    first, best_seconds = derive_seconds(3 if args.quick else 5)
    print(f"derive the MLP (trace + write + compile): first {first:.3f} s, then "
          f"{best_seconds:.3f} s (target <= 2 s)")
    for style in (None, "native"):
        t = backward_times(number, repeat, style)
        print(f"style {style or 'torch (einsum)'}:")
        for name, value in t.items():
            print(f"  {name:28s} {value * 1e6:9.1f} us")
        lines = t["derived"] - t["derived forward part"]
        print(f"  derived backward lines / autograd backward: "
              f"{lines / t['autograd backward']:.2f}x (target <= 2x)")
        print(f"  derived / autograd backward:                "
              f"{t['derived'] / t['autograd backward']:.2f}x (forward recomputed)")
        print(f"  derived / autograd forward+backward:        "
              f"{t['derived'] / t['autograd forward+backward']:.2f}x")


if __name__ == "__main__":
    main()
