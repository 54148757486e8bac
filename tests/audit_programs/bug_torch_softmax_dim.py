"""Attention weights normalised with a sum that dropped the key axis (T = T)."""
import torch

torch.manual_seed(19)
T, D = 6, 6
q, k = torch.randn(T, D), torch.randn(T, D)
scores = q @ k.T / D ** 0.5
e = torch.exp(scores - scores.max())
attn = e / e.sum(dim=-1)  # BUG
x = torch.randn(T, D)
x_centered = x.clone()
x_centered -= x.mean(dim=1)  # BUG
print(attn.sum(-1), x_centered.mean(-1))
