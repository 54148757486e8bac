"""Learned positions (T, D) added to embeddings (B, T, D) and a layer-scale (D,), B == T == D."""
import torch

torch.manual_seed(35)
B = T = D = 5
tok = torch.nn.Embedding(11, D)
pos = torch.nn.Parameter(torch.randn(T, D))
gamma = torch.nn.Parameter(torch.ones(D) * 1e-2)
ids = torch.randint(0, 11, (B, T))
x = tok(ids) + pos
y = x + gamma * torch.tanh(x)
bias = torch.zeros(D)
z = torch.nn.functional.linear(y, torch.eye(D)) + bias
print(z.shape)
