"""Cosine similarities and a stabilised softmax over a square similarity matrix."""
import torch

torch.manual_seed(1)
emb = torch.randn(8, 8)
norms = emb.norm(dim=1)
unit = emb / norms  # BUG
sim = unit @ unit.T
logits = sim / 0.1
shifted = logits - logits.max(dim=1).values  # BUG
p = shifted.exp() / shifted.exp().sum(dim=1, keepdim=True)
print(p.sum(dim=1))
