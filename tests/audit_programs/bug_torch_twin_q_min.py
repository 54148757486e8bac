"""SAC twin critics: one Q squeezed to (B,), the other kept (B, 1), combined by torch.min."""
import torch

torch.manual_seed(17)
B = 12
q1_net, q2_net = torch.nn.Linear(5, 1), torch.nn.Linear(5, 1)
sa = torch.randn(B, 5)
q1 = q1_net(sa).squeeze(-1)
q2 = q2_net(sa)
min_q = torch.min(q1, q2)  # BUG
target = torch.randn(B) + 0.99 * torch.maximum(q1, q2).detach()  # BUG
print(min_q.shape, target.shape)
