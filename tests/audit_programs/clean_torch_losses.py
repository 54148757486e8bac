"""Losses with matching shapes: squeezed outputs, keepdim reductions, weighted BCE, scalars."""
import torch
import torch.nn.functional as F

torch.manual_seed(26)
n = 16
x = torch.randn(n, 4)
y = (x[:, 0] > 0).float()
net = torch.nn.Linear(4, 1)
logits = net(x).squeeze(-1)
bce = F.binary_cross_entropy_with_logits(logits, y)
pos_weight = torch.tensor(2.0)
weighted = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
mse = F.mse_loss(net(x), y.unsqueeze(1))
smooth = torch.nn.SmoothL1Loss()(net(x).view(-1), y)
conf = torch.sigmoid(logits)
conf = torch.where(conf > 0.5, conf, 1 - conf)
acc = ((logits > 0) == y.bool()).float().mean()
total = bce + 0.5 * weighted + mse * 0.1 + smooth
total.backward()
scale = torch.tensor(3.0)
scaled = x * scale + torch.addcmul(x, x, x, value=0.5)
clipped = torch.clamp(x, min=-1.0, max=1.0) - torch.maximum(x, torch.zeros(4))
print(total.item(), acc.item(), scaled.shape, clipped.shape)
