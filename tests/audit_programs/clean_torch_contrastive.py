"""Supervised contrastive loss: the label mask labels[:, None] == labels[None, :] (B = D)."""
import torch

torch.manual_seed(16)
B = 8
feats = torch.nn.functional.normalize(torch.randn(B, B), dim=1)
labels = torch.randint(0, 3, (B,))
same = (labels[:, None] == labels[None, :]).float()
eye = torch.eye(B)
logits = feats @ feats.T / 0.1
logits = logits - logits.max(dim=1, keepdim=True).values
exp = torch.exp(logits) * (1 - eye)
log_prob = logits - torch.log(exp.sum(1, keepdim=True))
positives = same * (1 - eye)
loss = -(positives * log_prob).sum(1) / positives.sum(1).clamp(min=1)
print(loss.mean().item())
