"""A layer norm written by hand over square token blocks."""
import torch


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1)
    var = x.var(-1, unbiased=False)
    return gamma * (x - mu) / torch.sqrt(var + eps) + beta  # BUG


torch.manual_seed(3)
tokens = torch.randn(4, 4)
out = layer_norm(tokens, torch.ones(4), torch.zeros(4))
print(out.mean(dim=-1))
