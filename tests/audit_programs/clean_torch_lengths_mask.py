"""A padding mask from sequence lengths, applied to a batch of sequences (B = T)."""
import torch

torch.manual_seed(15)
B, T, D = 5, 5, 3
lengths = torch.tensor([5, 3, 4, 1, 2])
mask = torch.arange(T)[None, :] < lengths[:, None]
x = torch.randn(B, T, D)
summed = (x * mask[:, :, None]).sum(1)
mean = summed / lengths[:, None]
print(mask.sum().item(), mean.shape)
