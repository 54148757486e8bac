"""torchvision-style Normalize: per-channel mean and std as (C, 1, 1); a batch of B = C = 3."""
import torch

torch.manual_seed(11)
images = torch.rand(3, 3, 8, 8)
mean = torch.tensor([0.485, 0.456, 0.406])
std = torch.tensor([0.229, 0.224, 0.225])
normalised = (images - mean[:, None, None]) / std.view(-1, 1, 1)
m, s = mean.view(3, 1, 1), std.view(3, 1, 1)
one = (images[0] - m) / s
batch = images.sub(m).div(s)
print(normalised.shape, one.shape, batch.shape)
