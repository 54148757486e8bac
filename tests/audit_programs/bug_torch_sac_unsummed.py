"""SAC critic target with a per-dimension log-prob (B, A) never summed against (B, 1) values."""
import torch
import torch.nn.functional as F
from torch.distributions import Normal

torch.manual_seed(71)
B, A = 16, 4
dist = Normal(torch.randn(B, A), torch.ones(B, A))
next_a = dist.rsample()
next_logp = dist.log_prob(next_a)
q_next = torch.randn(B, 1)
reward = torch.randn(B, 1)
target_q = reward + 0.99 * (q_next - 0.2 * next_logp)
current_q = torch.randn(B, 1, requires_grad=True)
critic_loss = F.mse_loss(current_q, target_q)  # BUG
critic_loss.backward()
print(critic_loss.item())
