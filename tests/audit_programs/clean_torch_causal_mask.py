"""A causal mask (T, T) added to scores (B, H, T, T), with B = H = T; positions (T, D)."""
import torch

torch.manual_seed(20)
B = H = T = D = 4
x = torch.randn(B, T, D)
pos = torch.randn(T, D)
x = x + pos
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
scores = torch.randn(B, H, T, T)
scores = scores.masked_fill(causal, float("-inf"))
bias = torch.zeros(T, T).masked_fill(causal, float("-inf"))
scores2 = torch.randn(B, H, T, T) + bias
print(x.shape, scores.softmax(-1).shape, scores2.shape)
