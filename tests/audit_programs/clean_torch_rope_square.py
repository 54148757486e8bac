"""Rotary embeddings: (T, D) tables against (B, H, T, D) queries, with B == H == T."""
import torch

torch.manual_seed(34)
B = H = T = 4
D = 8
q = torch.randn(B, H, T, D)
inv_freq = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
freqs = torch.outer(torch.arange(T).float(), inv_freq)
emb = torch.cat([freqs, freqs], dim=-1)
cos, sin = emb.cos(), emb.sin()
half1, half2 = q[..., : D // 2], q[..., D // 2:]
rotated = torch.cat([-half2, half1], dim=-1)
q_rot = q * cos + rotated * sin
print(q_rot.shape)
