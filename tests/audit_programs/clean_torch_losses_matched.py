"""The losses with matching shapes, and a pairwise loss made explicit."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
features = torch.randn(128, 10)
head = nn.Linear(10, 6)
targets = torch.randn(128, 6)
loss = F.mse_loss(head(features), targets)
criterion = nn.MSELoss()
l2 = criterion(torch.randn(8, 18), torch.randn(8, 18))
l3 = F.l1_loss(torch.randn(16, 1).squeeze(-1), torch.randn(16))
l5 = F.huber_loss(torch.randn(32, 1), torch.randn(32).unsqueeze(1))
x, y = torch.randn(7, 3), torch.randn(7, 3)
pairwise = F.mse_loss(x[:, None, :], y[None, :, :], reduction="none").sum(-1)
bce = F.binary_cross_entropy_with_logits(torch.randn(9, 4), torch.rand(9, 4))
total = loss + l2 + l3 + l5 + bce
print(total.item(), pairwise.shape)
