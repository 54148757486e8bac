"""A diagonal Gaussian policy used as written: actions (N, D), log_prob (N,), sample shapes."""
import torch
from torch.distributions import Independent, Normal

torch.manual_seed(56)
N, D = 6, 6
mu = torch.randn(N, D)
std = torch.ones(N, D) * 0.5
pi = Independent(Normal(mu, std), 1)
actions = pi.sample()
logp = pi.log_prob(actions)
many = pi.log_prob(pi.sample((3,)))
scalar_scale = Normal(mu, 0.3).log_prob(actions).sum(-1)
print(logp.shape, many.shape, scalar_scale.shape)
