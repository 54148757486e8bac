"""torch: square reductions brought back with unsqueeze / view / [:, None] / indexing [0]."""
import torch

torch.manual_seed(61)
n = 5
x = torch.randn(n, n)
a = x - x.max(dim=1).values.unsqueeze(1)
b = x - x.max(dim=1)[0][:, None]
c = x / x.sum(1).view(-1, 1)
d = x / x.sum(1).reshape(n, 1)
e = (x.T / x.sum(1)).T
f = x - x.mean(0)
print(a.shape, b.shape, c.shape, d.shape, e.shape, f.shape)
