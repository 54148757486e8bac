"""Compare a derived backward function with torch autograd.

A torch forward function runs under autograd as it is; a numpy one is replayed from its
traced graph with the torch equivalent of each operation (:func:`replay`), and the replay's
value is checked against numpy's before its gradients are trusted.

>>> import numpy as np
>>> from .derivation import derive
>>> f = lambda x, W: np.tanh(x @ W).sum()
>>> args = (np.ones(2), np.full((2, 3), 0.5))
>>> r = compare(derive(f, *args), f, args, seed=0)
>>> r.max_relative < 1e-12, r.names
(True, ('x', 'W'))
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Comparison", "compare", "replay", "random_like"]

TORCH_UNARY = ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "neg", "softmax", "log_softmax")


@dataclass(frozen=True)
class Comparison:
    """The largest difference between the derived gradients and autograd's."""

    names: tuple[str, ...]
    max_abs: float
    max_relative: float  # max |derived - autograd| / max(1, max |autograd|), per gradient

    def within(self, bound: float) -> bool:
        return self.max_relative <= bound

    def __str__(self) -> str:
        return (f"largest difference from torch autograd: {self.max_abs:.3g} "
                f"(relative {self.max_relative:.3g}) over the gradients of {', '.join(self.names)}")


def _index(items, inputs, torch):
    out = []
    for it in items:
        if it.kind == "int":
            out.append(it.value[0])
        elif it.kind == "slice":
            out.append(slice(*it.value))
        elif it.kind in ("none", "ellipsis"):
            out.append(None if it.kind == "none" else Ellipsis)
        elif it.kind == "node":
            out.append(inputs[it.value[0]])
        elif it.kind == "range":
            out.append(torch.arange(*it.value))
        else:
            out.append(torch.tensor(list(it.value)))
    return tuple(out)


def _compare(x, cmp: str, c: float):
    return {">": x > c, ">=": x >= c, "<": x < c, "<=": x <= c}[cmp]


def _apply(node, xs, torch):
    p, x = dict(node.params), xs[0] if xs else None
    F = torch.nn.functional
    c = float(p["c"]) if "c" in p else None
    ops = {"add": lambda: xs[0] + xs[1], "sub": lambda: xs[0] - xs[1], "mul": lambda: xs[0] * xs[1],
           "div": lambda: xs[0] / xs[1], "matmul": lambda: xs[0] @ xs[1],
           "add_s": lambda: x + c, "sub_s": lambda: x - c, "rsub_s": lambda: c - x,
           "mul_s": lambda: x * c, "div_s": lambda: x / c, "rdiv_s": lambda: c / x,
           "pow_s": lambda: x ** c, "rpow_s": lambda: c ** x,
           "relu": lambda: torch.clamp(x, min=c),
           "mask": lambda: _compare(x, p.get("cmp"), c).to(x.dtype),
           "permute": lambda: x.permute(*p.get("perm", ())),
           "reshape": lambda: x.reshape(node.shape),
           "getitem": lambda: x[_index(p.get("index", ()), xs, torch)],
           "cross_entropy": lambda: F.cross_entropy(x, xs[1], reduction=p.get("reduction")),
           "nll_loss": lambda: F.nll_loss(x, xs[1], reduction=p.get("reduction")),
           "einsum": lambda: torch.einsum(p.get("equation", ""), *xs),
           "cat": lambda: torch.cat(xs, dim=p.get("axis")),
           "stack": lambda: torch.stack(xs, dim=p.get("axis")),
           "argmax": lambda: torch.argmax(x, dim=p["axes"][0], keepdim=p["keepdims"])}
    if node.op in ("sum", "mean", "max"):
        if not p["axes"]:
            return x
        fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax}[node.op]
        return fn(x, dim=p["axes"], keepdim=p["keepdims"])
    if node.op in ("softmax", "log_softmax"):
        return getattr(torch, node.op)(x, dim=p["axis"])
    if node.op in TORCH_UNARY:
        return getattr(torch, node.op)(x)
    return ops[node.op]()


def replay(graph, leaves: dict):
    """Evaluate a traced graph with torch operations; ``leaves`` maps input names to tensors."""
    import torch
    values = {}
    names = {k: name for name, k in graph.inputs}
    for node in graph.nodes:
        if node.op == "input":
            values[node.id] = leaves[names[node.id]]
        elif node.op == "const":
            values[node.id] = torch.as_tensor(_numpy(graph.constant(node.id)))
        else:
            values[node.id] = _apply(node, [values[k] for k in node.inputs], torch)
    return values[graph.output]


def _numpy(x):
    import numpy as np
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def random_like(value, seed: int):
    """A random array with the shape, dtype and library of ``value``."""
    import numpy as np
    data = np.random.default_rng(seed).standard_normal(tuple(value.shape))
    data = data.astype(str(value.dtype).replace("torch.", ""))
    if type(value).__module__.startswith("torch"):
        import torch
        return torch.tensor(data)
    return data if data.shape else data[()]


def _autograd(derivation, f, args, grad_out):
    import torch
    names = derivation.graph.arg_names
    leaves = {n: torch.tensor(_numpy(a), requires_grad=n in derivation.wrt)
              for n, a in zip(names, args) if hasattr(a, "shape")}
    if derivation.graph.lib == "torch":
        out = f(*[leaves.get(n, a) for n, a in zip(names, args)])
    else:
        out = replay(derivation.graph, leaves)
        expected = _numpy(f(*args))
        if not np_allclose(_numpy(out.detach()), expected):
            raise AssertionError("the torch replay of the numpy function differs from numpy")
    wanted = [leaves[n] for n in derivation.wrt]
    grads = torch.autograd.grad(out, wanted, torch.as_tensor(_numpy(grad_out)), allow_unused=True)
    return [torch.zeros_like(w) if g is None else g for w, g in zip(wanted, grads)]


def np_allclose(a, b) -> bool:
    import numpy as np
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def compare(derivation, f, args, seed: int = 0) -> Comparison:
    """Run ``derivation.function`` and torch autograd on ``args`` with a random ``grad_out``."""
    import numpy as np
    grad_out = random_like(f(*args), seed)
    got = derivation.function(grad_out, *args)
    got = [got] if len(derivation.wrt) == 1 and not isinstance(got, tuple) else list(got)
    want = _autograd(derivation, f, args, grad_out)
    max_abs = max_rel = 0.0
    for g, w in zip(got, want):
        g, w = _numpy(g).astype(np.float64), _numpy(w).astype(np.float64)
        diff = float(np.max(np.abs(g - w), initial=0.0))
        scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
        max_abs, max_rel = max(max_abs, diff), max(max_rel, diff / scale)
    return Comparison(tuple(derivation.wrt), max_abs, max_rel)
