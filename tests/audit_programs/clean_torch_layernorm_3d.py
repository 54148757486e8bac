"""Layer norm by hand on (B, T, D), all equal, with keepdim; batch statistics over dim 0."""
import torch

torch.manual_seed(55)
x = torch.randn(4, 4, 4)
mu = x.mean(dim=-1, keepdim=True)
var = x.var(dim=-1, unbiased=False, keepdim=True)
y = (x - mu) / torch.sqrt(var + 1e-5)
bn = (x - x.mean(0)) / (x.std(0) + 1e-5)
z = x / x.sum(dim=(1, 2), keepdim=True)
print(y.shape, bn.shape, z.shape)
