"""Grouped-query attention with the mask given the scores' rank: (B, 1, 1, L, S)."""
import torch

torch.manual_seed(8)
B, Hkv, G, L, S, D = 4, 4, 2, 5, 5, 8
q = torch.randn(B, Hkv, G, L, D)
k = torch.randn(B, Hkv, 1, S, D)
scores = q @ k.transpose(-2, -1) / D ** 0.5
keep = torch.ones(B, S, dtype=torch.bool)
keep[0, -2:] = False
mask = torch.zeros(B, 1, L, S).masked_fill(~keep[:, None, None, :], float("-inf"))
scores = scores + mask[:, :, None]
causal = torch.triu(torch.full((L, S), float("-inf")), diagonal=1)
scores = scores + causal
weights = scores.softmax(-1)
print(weights.shape)
