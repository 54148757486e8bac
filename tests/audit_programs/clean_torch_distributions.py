"""Distributions used as meant: value shapes match the batch, shared scales, sample axes."""
import torch
from torch.distributions import Categorical, Independent, Normal

torch.manual_seed(7)
N, A = 32, 3
x = torch.randn(N, 1)
y = 2 * x + 0.1 * torch.randn(N, 1)
nll = -Normal(2 * x, 0.1).log_prob(y).mean()
policy = Normal(torch.randn(N, A), torch.ones(A))
actions = policy.rsample()
logp = policy.log_prob(actions).sum(-1)
joint = Independent(Normal(torch.zeros(A), torch.ones(A)), 1).log_prob(torch.randn(N, A))
samples = Normal(torch.zeros(N), torch.ones(N)).sample((5,))
density = Normal(torch.zeros(N), 1.0).log_prob(samples)
labels = torch.randint(0, 4, (N,))
ll = Categorical(logits=torch.randn(N, 4)).log_prob(labels).mean()
cdf = Normal(0.0, 1.0).cdf(torch.linspace(-2, 2, 5))
print(nll.item(), logp.shape, joint.shape, density.shape, ll.item(), cdf.shape)
