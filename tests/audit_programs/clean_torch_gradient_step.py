"""Manual SGD with per-parameter decay, gradient clipping and an in-place bias update (n = h)."""
import torch

torch.manual_seed(28)
n, h = 10, 10
X = torch.randn(n, h)
y = torch.randn(n)
W = torch.randn(h, 1) * 0.1
b = torch.zeros(1)
for step in range(5):
    pred = (X @ W + b).squeeze(1)
    err = pred - y
    gW = X.T @ err[:, None] * (2 / n)
    gb = 2 * err.mean(0, keepdim=True)
    norm = gW.norm()
    gW = gW * torch.clamp(1.0 / norm, max=1.0)
    W -= 0.1 * gW + 1e-4 * W
    b -= 0.1 * gb
X -= X.mean(0)
X /= X.std(0)
print(((X @ W).squeeze(1) - y).pow(2).mean().item())
