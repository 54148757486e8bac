"""PPO clipped surrogate with advantages stored as (N, 1) and ratios of shape (N,)."""
import torch

torch.manual_seed(14)
N = 32
new_logp = torch.randn(N, requires_grad=True)
old_logp = torch.randn(N)
advantages = torch.randn(N, 1)
advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
ratio = torch.exp(new_logp - old_logp)
surr1 = ratio * advantages  # BUG
surr2 = torch.clamp(ratio, 0.8, 1.2) * advantages  # BUG
loss = -torch.min(surr1, surr2).mean()
loss.backward()
print(loss.item())
