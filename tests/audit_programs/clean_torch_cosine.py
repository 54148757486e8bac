"""Contrastive loss with cosine similarities: keepdim everywhere."""
import torch

torch.manual_seed(3)
z1, z2 = torch.randn(8, 8), torch.randn(8, 8)
u1 = z1 / z1.norm(dim=1, keepdim=True)
u2 = z2 / z2.norm(dim=1, keepdim=True)
logits = u1 @ u2.T / 0.1
logits = logits - logits.max(dim=1, keepdim=True).values
log_p = logits - logits.exp().sum(dim=1, keepdim=True).log()
loss = -log_p.diagonal().mean()
col_softmax = logits.exp() / logits.exp().sum(dim=0)
print(loss.item(), col_softmax.sum(dim=0))
