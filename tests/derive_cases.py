"""Forward functions for the derive tests, each written once for numpy and once for torch."""
import numpy as np
import torch
import torch.nn.functional as F


def np_or_torch(numpy_version, torch_version):
    return {"numpy": numpy_version, "torch": torch_version}


UNARY = {
    "exp": np_or_torch(lambda x: np.exp(x), lambda x: torch.exp(x)),
    "log": np_or_torch(lambda x: np.log(np.abs(x) + 0.5), lambda x: torch.log(torch.abs(x) + 0.5)),
    "sqrt": np_or_torch(lambda x: np.sqrt(x * x + 1.0), lambda x: (x * x + 1.0).sqrt()),
    "abs": np_or_torch(lambda x: np.abs(x), lambda x: x.abs()),
    "tanh": np_or_torch(lambda x: np.tanh(x), lambda x: torch.tanh(x)),
    "sigmoid": np_or_torch(lambda x: 1 / (1 + np.exp(-x)), lambda x: torch.sigmoid(x)),
    "relu": np_or_torch(lambda x: np.maximum(x, 0), lambda x: torch.relu(x)),
    "relu2": np_or_torch(lambda x: np.maximum(0.0, x), lambda x: F.relu(x)),
    "neg": np_or_torch(lambda x: -x, lambda x: -x),
    "pow": np_or_torch(lambda x: x ** 2 + x ** 3 - (x * x + 1.0) ** -0.5,
                       lambda x: x ** 2 + x ** 3 - (x * x + 1.0) ** -0.5),
    "scalars": np_or_torch(lambda x: 2.0 * x - 3 + x / 4 - 1.5 / (x * x + 1) + 2 ** x,
                           lambda x: 2.0 * x - 3 + x / 4 - 1.5 / (x * x + 1) + 2 ** x),
    "softmax": np_or_torch(
        lambda x: np.exp(x - x.max(axis=-1, keepdims=True))
        / np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True),
        lambda x: torch.softmax(x, dim=-1)),
    "log_softmax": np_or_torch(
        lambda x: (x - x.max(axis=-1, keepdims=True))
        - np.log(np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True)),
        lambda x: F.log_softmax(x, dim=-1)),
    "softmax0": np_or_torch(
        lambda x: np.exp(x) / np.sum(np.exp(x), axis=0, keepdims=True),
        lambda x: F.softmax(x, dim=0)),
    "twice": np_or_torch(lambda x: x * x + np.tanh(x) * x, lambda x: x * x + torch.tanh(x) * x),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "chain": lambda a, b: (a - b) * (a + b) / (a * a + 2.0),
}

REDUCE = {
    "sum": np_or_torch(lambda x, ax, k: np.sum(x, axis=ax, keepdims=k),
                       lambda x, ax, k: torch.sum(x, dim=ax, keepdim=k)),
    "mean": np_or_torch(lambda x, ax, k: x.mean(axis=ax, keepdims=k),
                        lambda x, ax, k: x.mean(dim=ax, keepdim=k)),
    "max": np_or_torch(lambda x, ax, k: np.max(x, axis=ax, keepdims=k),
                       lambda x, ax, k: torch.amax(x, dim=ax, keepdim=k)),
}
