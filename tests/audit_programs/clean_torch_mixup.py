"""mixup: per-sample lambda viewed as (B, 1, 1, 1) for images and (B, 1) for one-hot labels."""
import torch
import torch.nn.functional as F

torch.manual_seed(39)
B, C, K = 4, 3, 4
imgs = torch.randn(B, C, 4, 4)
labels = F.one_hot(torch.randint(0, K, (B,)), K).float()
lam = torch.distributions.Beta(0.4, 0.4).sample((B,))
perm = torch.randperm(B)
mixed = lam.view(-1, 1, 1, 1) * imgs + (1 - lam.view(-1, 1, 1, 1)) * imgs[perm]
mixed_y = lam[:, None] * labels + (1 - lam[:, None]) * labels[perm]
print(mixed.shape, mixed_y.sum(1))
