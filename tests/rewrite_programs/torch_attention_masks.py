# Scaled dot-product attention with a padding mask and a causal mask; gradients by autograd.
import math
import torch

torch.manual_seed(2)
B, T, D = 2, 4, 8
q = torch.randn(B, T, D, requires_grad=True)
k = torch.randn(B, T, D, requires_grad=True)
v = torch.randn(B, T, D)
lengths = torch.tensor([4, 2])
pad = (torch.arange(T)[None, :] < lengths[:, None]).float()   # (B, T)
causal = torch.tril(torch.ones(T, T))

scores = q @ k.transpose(-1, -2) / math.sqrt(D)
mask = pad[:, None, :] * causal     # (B, T, T): both masks
scores = scores.masked_fill(mask == 0, -1e9)
attn = torch.softmax(scores, dim=-1)
attn = attn * pad[:, :, None]       # zero the padded queries
out = attn @ v
loss = (out * out).sum()
loss.backward()
gq, gk = q.grad, k.grad
