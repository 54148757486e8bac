"""Per-sample weights (B, 1) on an unreduced loss (B, D); twin critics min'd as (B, 1)."""
import torch
import torch.nn.functional as F

torch.manual_seed(40)
B, D = 10, 3
pred, y = torch.randn(B, D, requires_grad=True), torch.randn(B, D)
w = torch.rand(B, 1)
loss = (F.mse_loss(pred, y, reduction="none") * w).mean()
q1, q2 = torch.randn(B, 1), torch.randn(B, 1)
target = torch.randn(B, 1) + 0.99 * (torch.min(q1, q2) - 0.2 * torch.randn(B, 1))
critic = F.mse_loss(q1, target) + F.mse_loss(q2, target)
loss.backward()
print(loss.item(), critic.item())
