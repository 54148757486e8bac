"""Distributional critic target: (B, 1) rewards and log-probs stretched over (B, K) quantiles."""
import torch

torch.manual_seed(33)
B, K = 8, 8
reward = torch.randn(B, 1)
not_done = torch.ones(B, 1)
next_log_pi = torch.randn(B, 3).sum(-1, keepdim=True)
sorted_z, _ = torch.sort(torch.randn(B, K))
target = reward + not_done * 0.99 * (sorted_z - 0.2 * next_log_pi)
tau = (torch.arange(K, dtype=torch.float32) + 0.5) / K
pred = torch.randn(B, K)
td = target[:, None, :] - pred[:, :, None]
huber = torch.where(td.abs() < 1, 0.5 * td ** 2, td.abs() - 0.5)
loss = (torch.abs(tau[None, :, None] - (td < 0).float()) * huber).mean()
print(target.shape, loss.item())
