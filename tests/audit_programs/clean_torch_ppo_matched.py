"""PPO done right: advantages, ratios and values all of shape (N,)."""
import torch
import torch.nn.functional as F

torch.manual_seed(31)
N = 32
critic = torch.nn.Linear(4, 1)
obs = torch.randn(N, 4)
new_logp = torch.randn(N, requires_grad=True)
old_logp = torch.randn(N)
advantages = torch.randn(N, 1).squeeze(-1)
advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
ratio = torch.exp(new_logp - old_logp)
surr = torch.min(ratio * advantages, torch.clamp(ratio, 0.8, 1.2) * advantages)
values = critic(obs).squeeze(-1)
returns, old_values = torch.randn(N), torch.randn(N)
clipped = old_values + (values - old_values).clamp(-0.2, 0.2)
value_loss = torch.max((returns - values) ** 2, (returns - clipped) ** 2).mean()
loss = -surr.mean() + 0.5 * value_loss + 0.5 * F.mse_loss(values, returns)
loss.backward()
print(loss.item())
