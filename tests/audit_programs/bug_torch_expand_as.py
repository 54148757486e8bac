"""Reductions without keepdim expanded back explicitly, onto the wrong axis (square z)."""
import torch

torch.manual_seed(4)
z = torch.randn(5, 5)
mu = z.mean(-1)
sd = z.std(dim=1)
centred = z - mu.expand_as(z)  # BUG
scaled = centred / sd.expand(5, 5)  # BUG
shifted = z - torch.broadcast_to(z.amax(1), z.shape)  # BUG
print(centred.mean(-1), scaled.shape, shifted.shape)
