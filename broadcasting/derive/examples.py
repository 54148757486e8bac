"""Worked examples for ``derive``: forward functions a person writes, and the inputs to trace
them on. Their backward passes are derived, checked against autograd and shown in the docs.

>>> [e.name for e in EXAMPLES]
['seed-network', 'seed-network-batch', 'makemore-mlp', 'layer-norm', 'attention']
>>> MAKEMORE.shapes["C"], MAKEMORE.ints["Xb"]
((27, 10), 27)
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Example", "EXAMPLES", "SEED", "SEED_BATCH", "MAKEMORE", "LAYER_NORM", "ATTENTION",
           "seed_network", "seed_network_batch", "makemore_mlp", "layer_norm", "attention"]


def seed_network(x, W, wout, t):
    """The seed notebook's network: one hidden ReLU layer, a sigmoid output, squared error."""
    import torch
    h = x @ W
    hact = torch.relu(h)
    score = hact @ wout
    prob = torch.sigmoid(score)
    loss = (prob - t) ** 2
    return loss


def seed_network_batch(x, W, wout, t):
    """The same network on a batch of inputs (one row each), mean squared error."""
    import torch
    h = x @ W
    hact = torch.relu(h)
    score = hact @ wout
    prob = torch.sigmoid(score)
    loss = ((prob - t) ** 2).mean()
    return loss


def makemore_mlp(C, W1, b1, W2, b2, bngain, bnbias, Xb, Yb):
    """A character-level MLP: embedding lookup, linear, batch norm, tanh, linear, cross-entropy
    (spelled out step by step, as in well-known manual-backprop exercises)."""
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = hpreact.tanh()
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdim=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    return loss


def layer_norm(x, gamma, beta):
    """Layer norm over the last axis, in numpy."""
    import numpy as np
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    var = (centered ** 2).mean(axis=-1, keepdims=True)
    xhat = centered / np.sqrt(var + 1e-5)
    return gamma * xhat + beta


def attention(x, Wq, Wk, Wv):
    """Single-head softmax attention over a batch of sequences, then a cross-entropy-free
    scalar: the sum of the outputs' squares."""
    import torch
    q = x @ Wq
    k = x @ Wk
    v = x @ Wv
    scores = q @ k.transpose(-2, -1) / k.shape[-1] ** 0.5
    weights = torch.softmax(scores, dim=-1)
    out = weights @ v
    return (out ** 2).sum()


@dataclass(frozen=True)
class Example:
    """A forward function, the shapes of its arguments (``ints``: integer arguments and their
    bound) and the library it is written for."""

    name: str
    title: str
    function: object = field(repr=False)
    shapes: dict = field(repr=False)
    ints: dict = field(default_factory=dict, repr=False)
    lib: str = "torch"

    def inputs(self, seed: int, dtype: str = "float64") -> tuple:
        """Random arguments (standard normal floats, integers below their bound)."""
        import numpy as np
        rng = np.random.default_rng(seed)
        args = []
        for name, shape in self.shapes.items():
            if name in self.ints:
                args.append(rng.integers(0, self.ints[name], shape))
            else:
                args.append(rng.standard_normal(shape).astype(dtype))
        if self.lib == "torch":
            import torch
            args = [torch.from_numpy(a) for a in args]
        return tuple(args)


SEED = Example("seed-network", "The seed notebook's network", seed_network,
               {"x": (2,), "W": (2, 3), "wout": (3,), "t": (1,)})
SEED_BATCH = Example("seed-network-batch", "The seed network on a batch", seed_network_batch,
                     {"x": (8, 2), "W": (2, 3), "wout": (3,), "t": (8,)})
MAKEMORE = Example("makemore-mlp", "A character-level MLP with batch norm", makemore_mlp,
                   {"C": (27, 10), "W1": (30, 64), "b1": (64,), "W2": (64, 27), "b2": (27,),
                    "bngain": (1, 64), "bnbias": (1, 64), "Xb": (32, 3), "Yb": (32,)},
                   {"Xb": 27, "Yb": 27})
LAYER_NORM = Example("layer-norm", "Layer norm (numpy)", layer_norm,
                     {"x": (4, 6), "gamma": (6,), "beta": (6,)}, lib="numpy")
ATTENTION = Example("attention", "Softmax attention", attention,
                    {"x": (2, 5, 4), "Wq": (4, 3), "Wk": (4, 3), "Wv": (4, 3)})
EXAMPLES = (SEED, SEED_BATCH, MAKEMORE, LAYER_NORM, ATTENTION)
