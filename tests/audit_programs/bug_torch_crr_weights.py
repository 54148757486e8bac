"""CRR-style policy loss: log-probs (B,) weighted by exp(advantage / beta) of shape (B, 1)."""
import torch

torch.manual_seed(13)
B = 10
q = torch.nn.Linear(6, 1)
obs_act = torch.randn(B, 6)
baseline = torch.randn(B, 1)
adv = q(obs_act) - baseline
coeff = torch.exp(adv / 1.0).clamp(max=20.0).detach()
logp_action = torch.randn(B, requires_grad=True)
policy_loss = -(logp_action * coeff).mean()  # BUG
policy_loss.backward()
print(policy_loss.item())
