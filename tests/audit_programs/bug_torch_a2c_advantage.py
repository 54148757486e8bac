"""A2C: the advantage computed against the critic's (B, 1) output instead of (B,)."""
import torch
import torch.nn.functional as F

torch.manual_seed(12)
B, A = 8, 3
net = torch.nn.Linear(5, A + 1)
states = torch.randn(B, 5)
actions = torch.randint(0, A, (B,))
vals_ref = torch.randn(B)
out = net(states)
logits, value = out[:, :A], out[:, A:]
value_loss = F.mse_loss(value.squeeze(-1), vals_ref)
log_prob = F.log_softmax(logits, dim=1)
adv = vals_ref - value.detach()  # BUG
log_prob_actions = adv * log_prob[range(B), actions]
policy_loss = -log_prob_actions.mean()
print((policy_loss + value_loss).item())
