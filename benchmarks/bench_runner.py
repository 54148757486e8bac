"""Cost of ``broadcasting audit`` on a long run, measured as a user runs it: the same training
loop (>= 1,000 steps) run plainly (``python train.py``) and under ``broadcasting audit
train.py`` (a child process, every operator site traced), rounds interleaved, best of each.

    python benchmarks/bench_runner.py [--rounds 5] [--steps 2000]

The program times its own loop after its first 50 steps (by then every site has been seen with
its shapes: what remains is the tracer's hot path, which records a shape signature once per
site) in CPU seconds of its process (one BLAS thread: on a shared machine, wall time swings
by 2x between rounds), and writes them to the file named by ``BENCH_LOOP_TIME``. Printed per program:
loop ratio audited/plain (the target: <= 1.2) and whole-command ratio (start-up, numpy/torch
import, the audit's analysis included). Three programs: a numpy MLP, a torch loop with only
operators, and a torch loop that names checked calls (a loss module, ``torch.where``): there
the audit's torch call recorder is on too.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_audit import NUMPY_MLP, TORCH_LOOP  # the same programs, run here as a user runs them

ROOT = Path(__file__).resolve().parent.parent

TIMER = """
import os, time
def _report(start):
    with open(os.environ["BENCH_LOOP_TIME"], "w") as f:
        f.write(repr(time.process_time() - start))
"""

#: a loop whose program names checked torch calls (a loss module, ``torch.where``, ``clamp``…):
#: the audit's torch call recorder is on, and sees only the program's own calls
TORCH_CHECKED = """
import torch
torch.manual_seed(0)
x = torch.randn({n}, 32); y = x @ torch.randn(32) + 0.5
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.MSELoss()
for step in range({steps}):
    opt.zero_grad()
    pred = model(x)[:, 0]
    weight = torch.where(y > 0, torch.ones_like(y), 0.5 * torch.ones_like(y))
    loss = loss_fn(pred * weight, y * weight) + 1e-4 * sum((w ** 2).sum() for w in model.parameters())
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
"""

LOOP = "for step in range({steps}):\n"


def timed(program: str, steps: int, n: int = 256) -> str:
    """``program`` (a loop ``for step in range({steps})``) timing its loop from step 50 on."""
    head, body = program.format(n=n, steps="{steps}").split(LOOP.format(steps="{steps}"))
    start = "    if step == 50:\n        start = time.process_time()\n"
    return (TIMER + head + LOOP + start + body + "_report(start)\n").format(steps=steps)


#: one BLAS/OpenMP thread: on a shared machine, threads fighting over cores swamp the comparison
_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _once(words, cwd, env) -> tuple[float, float]:
    start = time.perf_counter()
    subprocess.run(words, cwd=cwd, env=env, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return float(Path(env["BENCH_LOOP_TIME"]).read_text()), wall


def bench(name: str, source: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "train.py"
        prog.write_text(source)
        env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_LOOP_TIME=str(Path(tmp) / "t"),
                   **dict.fromkeys(_THREADS, "1"))
        # bytecode cached as an installed package has it (pip compiles it): the first round
        # writes it, the best round reads it
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        plain = [sys.executable, str(prog)]
        audit = [sys.executable, "-m", "broadcasting", "audit", str(prog)]
        best = {"plain": (1e9, 1e9), "audit": (1e9, 1e9)}
        for _ in range(rounds):  # interleaved: both see the same machine load
            for kind, words in (("plain", plain), ("audit", audit)):
                loop, wall = _once(words, tmp, env)
                best[kind] = (min(best[kind][0], loop), min(best[kind][1], wall))
        (pl, pw), (al, aw) = best["plain"], best["audit"]
        print(f"{name:<12} loop: plain {pl:.3f}s audit {al:.3f}s ratio {al / pl:.2f}x   "
              f"command: plain {pw:.2f}s audit {aw:.2f}s ratio {aw / pw:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    if args.steps < 1000:
        parser.error("--steps: the claim is about long runs; give at least 1000")
    print(f"{args.steps} steps (timed from step 50), best of {args.rounds} interleaved rounds")
    bench("numpy MLP", timed(NUMPY_MLP, args.steps), args.rounds)
    bench("torch loop", timed(TORCH_LOOP, args.steps), args.rounds)
    bench("torch calls", timed(TORCH_CHECKED, args.steps), args.rounds)


if __name__ == "__main__":
    main()
