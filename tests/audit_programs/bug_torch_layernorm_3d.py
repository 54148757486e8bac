"""Layer norm by hand on (B, T, D) with B == T == D: statistics without keepdim."""
import torch

torch.manual_seed(51)
x = torch.randn(4, 4, 4)
mu = x.mean(dim=-1)
var = x.var(dim=-1, unbiased=False)
y = (x - mu) / torch.sqrt(var + 1e-5)  # BUG
print(y.shape)
