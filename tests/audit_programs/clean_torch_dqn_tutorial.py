"""DQN as the tutorial writes it: expected values unsqueezed to (B, 1) for the Huber loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(37)
B, A = 24, 4
policy_net, target_net = nn.Linear(8, A), nn.Linear(8, A)
s, s2 = torch.randn(B, 8), torch.randn(B, 8)
a = torch.randint(0, A, (B, 1))
r = torch.randn(B)
q_sa = policy_net(s).gather(1, a)
with torch.no_grad():
    expected = r + 0.99 * target_net(s2).max(1).values
loss = nn.SmoothL1Loss()(q_sa, expected.unsqueeze(1))
loss2 = F.smooth_l1_loss(q_sa.squeeze(1), expected)
(loss + loss2).backward()
print(loss.item())
