"""log-softmax by hand on a square batch: logsumexp over dim 1 without keepdim."""
import torch

torch.manual_seed(18)
n = 6
logits = torch.randn(n, n)
log_probs = logits - torch.logsumexp(logits, dim=1)  # BUG
norms = torch.linalg.vector_norm(logits, dim=1)
unit = logits / norms  # BUG
print(log_probs.exp().sum(1), unit.shape)
