"""Cost of ``broadcasting audit``: the program run under tracing (plus the analysis of the
sites) against the same program run natively, in the same process.

    python benchmarks/bench_audit.py [--repeat 5]

Prints, per program, the native time, the audited time and their ratio (target: the overhead
of tracing at most 3x the program's own run time, i.e. ratio <= 4; the small-array program is
the worst case, where every operator costs about as much as the bookkeeping around it).
"""
from __future__ import annotations

import argparse
import time

NUMPY_MLP = """
import numpy as np
rng = np.random.default_rng(0)
N, D, H, C = {n}, 64, 128, 10
X = rng.normal(size=(N, D)); labels = rng.integers(0, C, size=N); Y = np.eye(C)[labels]
W1, b1 = rng.normal(size=(D, H)) * 0.1, np.zeros(H)
W2, b2 = rng.normal(size=(H, C)) * 0.1, np.zeros(C)
for step in range({steps}):
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    logits = a @ W2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log((p * Y).sum(axis=1) + 1e-12).mean()
    d = (p - Y) / N
    dW2, db2 = a.T @ d, d.sum(axis=0)
    dh = (d @ W2.T) * (h > 0)
    dW1, db1 = X.T @ dh, dh.sum(axis=0)
    W1 -= 0.1 * dW1; b1 -= 0.1 * db1; W2 -= 0.1 * dW2; b2 -= 0.1 * db2
"""

TORCH_LOOP = """
import torch
torch.manual_seed(0)
x = torch.randn({n}, 32); y = x @ torch.randn(32) + 0.5
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range({steps}):
    opt.zero_grad()
    pred = model(x)[:, 0]
    loss = ((pred - y) ** 2).mean() + 1e-4 * sum((w ** 2).sum() for w in model.parameters())
    loss.backward()
    opt.step()
"""

NUMPY_STATS = """
import numpy as np
rng = np.random.default_rng(1)
X = rng.normal(size=({n}, 16))
for step in range({steps}):
    mu = X.mean(axis=0)
    Z = (X - mu) / (X.std(axis=0) + 1e-8)
    D = ((Z[:, None, :8] - Z[None, :, :8]) ** 2).sum(axis=-1)
    K = np.exp(-D / 2.0)
    score = (K * (K > 0.1)).sum() / {n} ** 2
"""

PROGRAMS = [
    ("numpy MLP, batch 512", NUMPY_MLP, dict(n=512, steps=40)),
    ("torch training loop, batch 1024", TORCH_LOOP, dict(n=1024, steps=40)),
    ("numpy standardise + kernel, n=256", NUMPY_STATS, dict(n=256, steps=20)),
    ("numpy MLP, batch 8 (tiny arrays: worst case)", NUMPY_MLP, dict(n=8, steps=200)),
]


def measure(source: str, repeat: int) -> tuple[float, float, int]:
    """(native seconds, audited seconds, number of findings) for one program."""
    native_code = compile(source, "<native>", "exec")

    def native():
        exec(native_code, {"__name__": "__main__"})

    found = []

    from broadcasting.audit import audit_source  # here: bench_runner imports the programs only

    def audited():  # what `broadcasting audit` does: trace, record torch calls, judge
        found[:] = audit_source(source, {"__name__": "__main__"}, "<audited>")

    times = {native: float("inf"), audited: float("inf")}
    native()  # warm caches (imports, allocator) before timing either
    audited()
    for _ in range(repeat):  # alternate, so that load from other processes hits both alike
        for fn in times:
            start = time.perf_counter()
            fn()
            times[fn] = min(times[fn], time.perf_counter() - start)
    return times[native], times[audited], len(found)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(1)  # steadier timings on a shared machine
    print(f"{'program':<46} {'native':>9} {'audited':>9} {'ratio':>6}  findings")
    for name, template, sizes in PROGRAMS:
        native, audited, n = measure(template.format(**sizes), args.repeat)
        print(f"{name:<46} {native * 1e3:8.1f}ms {audited * 1e3:8.1f}ms {audited / native:5.2f}x  {n}")


if __name__ == "__main__":
    main()
