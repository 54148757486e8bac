"""A diagonal Gaussian policy: actions (N, 1, D) against an Independent(Normal) of batch (N,)."""
import torch
from torch.distributions import Independent, Normal

torch.manual_seed(52)
N, D = 6, 2
mu = torch.randn(N, D)
std = torch.ones(N, D) * 0.5
actions = torch.randn(N, 1, D)
pi = Independent(Normal(mu, std), 1)
logp = pi.log_prob(actions)  # BUG
cdf = Normal(mu[:, :1], 1.0).cdf(torch.randn(N))  # BUG
print(logp.shape, cdf.shape)
