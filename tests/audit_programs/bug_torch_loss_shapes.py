"""Losses given input and target of different shapes (torch only warns)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
features = torch.randn(128, 10)
head = nn.Linear(10, 1)
targets = torch.randn(128, 6)
loss = F.mse_loss(head(features), targets)  # BUG
row = torch.randn(1, 18)
batch = torch.randn(8, 18)
criterion = nn.MSELoss()
l2 = criterion(row, batch)  # BUG
l3 = F.l1_loss(torch.randn(16, 1), torch.randn(16, 4))  # BUG
l4 = nn.SmoothL1Loss()(torch.randn(16, 4), torch.randn(1, 4))  # BUG
l5 = F.huber_loss(torch.randn(32, 1), torch.randn(32))  # BUG
l6 = nn.L1Loss()(torch.randn(20, 1), torch.randn(20))  # BUG
total = loss + l2 + l3 + l4 + l5 + l6
print(total.item())
