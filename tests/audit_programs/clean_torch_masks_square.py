"""Causal (T, T) and padding (B, 1, 1, T) masks on (B, H, T, T) scores, all sizes equal."""
import torch

torch.manual_seed(36)
B = H = T = 4
scores = torch.randn(B, H, T, T)
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
scores = scores.masked_fill(~causal, float("-inf"))
lengths = torch.tensor([4, 3, 2, 4])
pad = torch.arange(T)[None, :] < lengths[:, None]
scores = scores.masked_fill(~pad[:, None, None, :], float("-inf"))
weights = torch.softmax(scores, dim=-1)
print(weights.shape)
