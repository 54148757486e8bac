"""A PPO ratio from per-dimension log-probs that were never summed over the action axis."""
import torch
from torch.distributions import Normal

torch.manual_seed(6)
B, A = 16, 3
mu, log_std = torch.randn(B, A), torch.zeros(A)
actions = torch.randn(B, A)
old_logp = torch.randn(B, 1)
advantages = torch.randn(B, 1)
dist = Normal(mu, log_std.exp())
logp = dist.log_prob(actions)
ratio = torch.exp(logp - old_logp)  # BUG
surrogate = -(ratio * advantages).mean()
print(surrogate.item())
