"""Grouped-query attention scores (B, Hkv, G, L, S) given a mask built for 4-D scores (B = Hkv)."""
import torch

torch.manual_seed(8)
B, Hkv, G, L, S, D = 4, 4, 2, 5, 5, 8
q = torch.randn(B, Hkv, G, L, D)
k = torch.randn(B, Hkv, 1, S, D)
scores = q @ k.transpose(-2, -1) / D ** 0.5
keep = torch.ones(B, S, dtype=torch.bool)
keep[0, -2:] = False
mask = torch.zeros(B, 1, L, S).masked_fill(~keep[:, None, None, :], float("-inf"))
scores = scores + mask  # BUG
weights = scores.softmax(-1)
print(weights.shape)
