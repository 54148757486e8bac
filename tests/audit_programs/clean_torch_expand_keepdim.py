"""The expansions, fixed: keepdim, an explicit column, or a reduction over the leading axis."""
import torch

torch.manual_seed(4)
z = torch.randn(5, 5)
mu = z.mean(-1, keepdim=True)
sd = z.std(dim=1)
centred = z - mu.expand_as(z)
scaled = centred / sd[:, None].expand(5, 5)
shifted = z - torch.broadcast_to(z.amax(0), z.shape)
tiled = torch.arange(5.0).expand(3, 5)
print(centred.mean(-1), scaled.shape, shifted.shape, tiled.shape)
