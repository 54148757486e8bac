"""Distributions broadcasting for the program: (N, 1) parameters against (N,) values."""
import torch
from torch.distributions import Categorical, Normal

torch.manual_seed(7)
N = 32
x = torch.randn(N, 1)
y = 2 * x[:, 0] + 0.1 * torch.randn(N)
loc = 2 * x
nll = -Normal(loc, 0.1).log_prob(y).mean()  # BUG
sigma = torch.rand(N) + 0.5
dist = Normal(loc, sigma)  # BUG
logits = torch.randn(N, 4)
labels = torch.randint(0, 4, (N, 1))
ll = Categorical(logits=logits).log_prob(labels).mean()  # BUG
print(nll.item(), dist.batch_shape, ll.item())
