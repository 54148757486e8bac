# Adam written by hand with gradient clipping by global norm; per-parameter learning rates.
import torch

torch.manual_seed(4)
params = [torch.randn(3, 4), torch.randn(4)]
grads = [torch.randn(3, 4) * 5, torch.randn(4) * 5]
lr_rows = torch.tensor([[1.0], [0.5], [0.25]])     # one rate per row of the matrix
m = [torch.zeros_like(p) for p in params]
v = [torch.zeros_like(p) for p in params]
b1, b2, eps, lr = 0.9, 0.999, 1e-8, 1e-2
max_norm = 1.0

for t in range(1, 4):
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    clip = torch.clamp(max_norm / (total + 1e-6), max=1.0)   # 0-d tensor
    clipped = [g * clip for g in grads]
    for i, (p, g) in enumerate(zip(params, clipped)):
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        mhat = m[i] / (1 - b1 ** t)
        vhat = v[i] / (1 - b2 ** t)
        step = lr * mhat / (vhat.sqrt() + eps)
        if p.dim() == 2:
            step = step * lr_rows      # row-wise rates broadcast over columns
        p -= step
W, bias = params
mW, mb = m
