"""A transformer block by hand: layer norm with keepdim, masked attention, residuals (T = D)."""
import math

import torch
from einops import rearrange


class Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.gamma = torch.nn.Parameter(torch.ones(d))
        self.beta = torch.nn.Parameter(torch.zeros(d))

    def norm(self, x):
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return self.gamma * (x - mu) / torch.sqrt(var + 1e-5) + self.beta

    def forward(self, x, pad):
        B, T, D = x.shape
        q, k, v = rearrange(self.qkv(self.norm(x)), "b t (three h d) -> three b h t d",
                            three=3, h=self.heads)
        att = q @ k.transpose(-1, -2) / math.sqrt(D // self.heads)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~causal, float("-inf"))
        att = att + torch.where(pad[:, None, None, :], 0.0, float("-inf"))
        att = torch.softmax(att, dim=-1)
        out = rearrange(att @ v, "b h t d -> b t (h d)")
        return x + out


torch.manual_seed(25)
x = torch.randn(2, 8, 8)
pad = torch.ones(2, 8, dtype=torch.bool)
y = Block(8, 2)(x, pad)
y.sum().backward()
print(y.shape)
