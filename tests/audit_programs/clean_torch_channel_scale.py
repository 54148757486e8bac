"""Per-channel scale (C, 1, 1) on feature maps and a per-head ALiBi bias (H, 1, 1)."""
import torch

torch.manual_seed(18)
B, C, Hh, W = 2, 2, 4, 4
maps = torch.randn(B, C, Hh, W)
gain = torch.rand(C, 1, 1)
scaled = maps * gain
H, T = 4, 4
slopes = 2.0 ** (-torch.arange(1, H + 1, dtype=torch.float32))
distance = (torch.arange(T)[None, :] - torch.arange(T)[:, None]).float()
alibi = slopes[:, None, None] * distance
scores = torch.randn(4, H, T, T) + alibi
print(scaled.shape, scores.shape)
