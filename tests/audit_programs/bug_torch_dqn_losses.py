"""DQN: Q(s, a) gathered as (B, 1) against expected values of shape (B,)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(16)
B, A = 24, 4
policy_net = nn.Linear(8, A)
target_net = nn.Linear(8, A)
s, s2 = torch.randn(B, 8), torch.randn(B, 8)
a = torch.randint(0, A, (B, 1))
r = torch.randn(B)
q_sa = policy_net(s).gather(1, a)
with torch.no_grad():
    expected = r + 0.99 * target_net(s2).max(1).values
loss = F.smooth_l1_loss(q_sa, expected)  # BUG
huber = nn.HuberLoss()(q_sa, expected)  # BUG
loss.backward()
print(loss.item(), huber.item())
