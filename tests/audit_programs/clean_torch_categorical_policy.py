"""A categorical policy: log_prob of (N,) actions, entropy bonus, batch == number of actions."""
import torch
from torch.distributions import Categorical

torch.manual_seed(32)
N = A = 6
policy = torch.nn.Linear(4, A)
obs = torch.randn(N, 4)
dist = Categorical(logits=policy(obs))
actions = dist.sample()
adv = torch.randn(N)
loss = -(dist.log_prob(actions) * adv).mean() - 0.01 * dist.entropy().mean()
loss.backward()
print(loss.item(), dist.log_prob(actions).shape)
