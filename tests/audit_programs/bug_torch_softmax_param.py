"""Softmax and normalise helpers that take the axis as a parameter, called on square tiles."""
import torch


def softmax(x, dim):
    e = (x - x.max(dim=dim).values).exp()  # BUG
    return e / e.sum(dim=dim)  # BUG


def normalise(x, dim):
    return x / x.norm(dim=dim)  # BUG


torch.manual_seed(3)
scores = torch.randn(6, 6)
p = softmax(scores, 1)
q = normalise(torch.rand(5, 5), -1)
print(p.sum(-1), q.shape)
