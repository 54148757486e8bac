"""The same helpers, fixed: keepdim, or an axis that right-alignment puts back (dim=0)."""
import torch


def softmax(x, dim):
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    return e / e.sum(dim=dim, keepdim=True)


def normalise(x, dim):
    return x / x.norm(dim=dim)


torch.manual_seed(3)
scores = torch.randn(6, 6)
p = softmax(scores, 1)
q = normalise(torch.rand(5, 5), 0)
r = softmax(torch.randn(3, 4, 4), -1)
print(p.sum(-1), q.shape, r.shape)
