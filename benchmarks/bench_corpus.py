"""Speed of `broadcasting corpus run` against a plain hypothesis test, measured in one run.

The baseline is the simplest property test one would write instead of a corpus: numpy `*`
against torch `*` on `mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4)`,
timed in this process (its imports excluded). The corpus run is timed as a fresh process
(`python -m broadcasting corpus run`, process start and torch import included) checking every
committed case against numpy, torch, np.einsum, torch.einsum, einops, bc and the index oracle.

Both are timed in interleaved rounds (hypothesis, then each corpus run, then again); each rate
is the best round's, each ratio that of two best rates of the same run.

usage: python benchmarks/bench_corpus.py [--examples N] [--rounds N] [-j N ...] [--kind K ...]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def hypothesis_rate(examples: int) -> float:
    import numpy as np
    import torch
    from hypothesis import HealthCheck, given, settings
    from hypothesis.extra.numpy import mutually_broadcastable_shapes

    torch.set_num_threads(1)

    @settings(max_examples=examples, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    def test(shapes):
        a, b = (np.random.standard_normal(s) for s in shapes.input_shapes)
        np.testing.assert_allclose((torch.from_numpy(a) * torch.from_numpy(b)).numpy(), a * b)

    start = time.perf_counter()
    test()
    return examples / (time.perf_counter() - start)


def corpus_rate(jobs: int | None, prefix: list[str], kinds=()) -> tuple[float, int, float]:
    cmd = prefix + ["corpus", "run", "--json"] + [a for k in kinds for a in ("--kind", k)]
    if jobs:
        cmd += ["-j", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: every case was checked, some claim differs
        sys.exit(f"corpus run failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    report = json.loads(done.stdout)
    if report["failed"]:
        print(f"note: {report['failed']} of {report['cases']} cases fail their claims (stale corpus?)",
              file=sys.stderr)
    cases = report["cases"]
    return cases / wall, cases, wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=int, default=1000, help="hypothesis examples (default 1000)")
    p.add_argument("-j", "--jobs", type=int, action="append",
                   help="corpus run worker counts to time (default: the CPU default, and 1)")
    p.add_argument("--command", default=f"{sys.executable} -m broadcasting",
                   help="how to start the CLI (default: this python -m broadcasting)")
    p.add_argument("--kind", action="append", default=[],
                   help="time only these kinds (repeatable; default: the whole corpus)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    args = p.parse_args()
    jobs_list = args.jobs or [None, 1]
    base, corpus = [], {jobs: [] for jobs in jobs_list}
    for _ in range(args.rounds):
        base.append(hypothesis_rate(args.examples))
        for jobs in jobs_list:
            corpus[jobs].append(corpus_rate(jobs, args.command.split(), args.kind))
    best = max(base)
    print(f"hypothesis numpy* vs torch* : {best:8.0f} cases/s ({args.examples} examples; "
          f"best of {args.rounds} rounds, {args.examples / best:.2f} s)")
    for jobs in jobs_list:
        rate, cases, wall = max(corpus[jobs])
        label = f"-j {jobs}" if jobs else "default -j"
        print(f"corpus run ({label:>10})   : {rate:8.0f} cases/s ({cases} cases in {wall:.2f} s, "
              f"process start included)  ratio {rate / best:.2f}x")


if __name__ == "__main__":
    main()
