"""Multi-head self-attention with a causal mask and a padding mask (B = H = T)."""
import torch

torch.manual_seed(1)
B, H, T, Dh = 4, 4, 4, 8
q, k, v = (torch.randn(B, H, T, Dh) for _ in range(3))
pad = torch.ones(B, T, dtype=torch.bool)
pad[0, -1] = False
causal = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
scores = q @ k.transpose(-2, -1) / Dh ** 0.5
scores = scores + causal
scores = scores.masked_fill(~pad[:, None, None, :], float("-inf"))
scores = scores - scores.amax(dim=-1, keepdim=True)
weights = scores.exp() / scores.exp().sum(dim=-1, keepdim=True)
out = weights @ v
W_o = torch.randn(H * Dh, 16)
proj = out.transpose(1, 2).reshape(B, T, H * Dh) @ W_o
print(out.shape, proj.shape)
