"""Rank promotion that is right: ALiBi (H, 1, T) on (B, H, T, T) (B != H: with B == H the shapes
are those of a GQA mask bug, see the audit docs), per-channel
(C, 1, 1) statistics on (N, C, H, W) with N == C, relative-position bias (H, T, T)."""
import torch

torch.manual_seed(62)
B, H, T = 2, 3, 3
scores = torch.randn(B, H, T, T)
slopes = torch.tensor([0.5, 0.25, 0.125]).view(H, 1, 1)
dist = (torch.arange(T)[None, :] - torch.arange(T)[:, None]).abs().float()
alibi = -slopes * dist[None, :, :]
scores = scores + alibi[:, :1, :]
rel_bias = torch.randn(H, T, T)
scores = scores + rel_bias
imgs = torch.rand(3, 3, 8, 8)
mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
normed = (imgs - mean) / std
print(scores.shape, normed.shape)
