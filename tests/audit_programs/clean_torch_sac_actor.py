"""SAC actor and critic targets as written in practice: log-probs summed with keepdim, tanh
correction per dimension summed, entropy over discrete actions weighted by probabilities."""
import torch
from torch.distributions import Normal

torch.manual_seed(70)
B, A = 8, 3
mu, log_std = torch.randn(B, A), torch.randn(B, A).clamp(-5, 2)
dist = Normal(mu, log_std.exp())
u = dist.rsample()
a = torch.tanh(u)
log_prob = dist.log_prob(u) - torch.log(1 - a.pow(2) + 1e-6)
log_prob = log_prob.sum(-1, keepdim=True)
q = torch.randn(B, 1)
actor_loss = (0.2 * log_prob - q).mean()
reward, done = torch.randn(B, 1), torch.zeros(B, 1)
target = reward + 0.99 * (1 - done) * (q - 0.2 * log_prob)
probs = torch.softmax(torch.randn(B, A), -1)
log_probs = torch.log(probs + 1e-8)
q_all = torch.randn(B, A)
v = (probs * (q_all - 0.2 * log_probs)).sum(-1, keepdim=True)
rms = a * torch.rsqrt(a.pow(2).mean(-1, keepdim=True) + 1e-6)
print(actor_loss.item(), target.shape, v.shape, rms.shape)
