"""Centering rows with the method forms, a dim variable and no keepdim, on a square batch."""
import torch

torch.manual_seed(53)
x = torch.randn(5, 5)
dim = 1
centered = x.sub(x.mean(dim))  # BUG
scaled = torch.div(centered, centered.std(dim=dim))  # BUG
print(scaled.shape, scaled.sum() * 2)
