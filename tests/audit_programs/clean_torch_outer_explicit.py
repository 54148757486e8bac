"""Outer products written with explicit axes, and torch.outer."""
import torch

torch.manual_seed(19)
u, v = torch.randn(5), torch.randn(5)
outer = u[:, None] * v[None, :]
same = torch.outer(u, v)
gram = u.unsqueeze(1) * u.unsqueeze(0)
table = torch.arange(1, 6)[:, None] * torch.arange(1, 6)
print(torch.allclose(outer, same), gram.shape, table.shape)
