"""The PPO ratio, fixed: the log-probs summed over the action axis (keepdim)."""
import torch
from torch.distributions import Normal

torch.manual_seed(6)
B, A = 16, 3
mu, log_std = torch.randn(B, A), torch.zeros(A)
actions = torch.randn(B, A)
old_logp = torch.randn(B, 1)
advantages = torch.randn(B, 1)
dist = Normal(mu, log_std.exp())
logp = dist.log_prob(actions).sum(-1, keepdim=True)
ratio = torch.exp(logp - old_logp)
clipped = torch.clamp(ratio, 0.8, 1.2)
surrogate = -torch.min(ratio * advantages, clipped * advantages).mean()
entropy = dist.entropy().sum(-1).mean()
print(surrogate.item(), entropy.item())
