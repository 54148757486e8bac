"""SimCLR-style loss: a positives mask from labels with explicit axes, logits with keepdim (n = d)."""
import torch

torch.manual_seed(27)
n = d = 8
z = torch.nn.functional.normalize(torch.randn(n, d), dim=1)
labels = torch.arange(n) % 4
pos = labels[:, None] == labels[None, :]
eye = torch.eye(n, dtype=torch.bool)
pos = pos & ~eye
sim = z @ z.T / 0.5
sim = sim.masked_fill(eye, -1e9)
log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
loss = -(log_prob * pos).sum(dim=1) / pos.sum(dim=1).clamp(min=1)
sq = (z ** 2).sum(dim=1)
dist = sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * z @ z.T
print(loss.mean().item(), dist.shape)
