"""A Bernoulli likelihood with logits (N, 1) against labels (N,): (N, N) inside torch."""
import torch
from torch.distributions import Bernoulli

torch.manual_seed(19)
N = 16
head = torch.nn.Linear(3, 1)
x = torch.randn(N, 3)
y = (torch.rand(N) < 0.5).float()
nll = -Bernoulli(logits=head(x)).log_prob(y).mean()  # BUG
nll.backward()
print(nll.item())
