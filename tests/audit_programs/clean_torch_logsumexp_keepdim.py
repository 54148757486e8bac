"""log-softmax and row normalisation with keepdim on a square batch."""
import torch

torch.manual_seed(38)
n = 6
logits = torch.randn(n, n)
log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
unit = logits / torch.linalg.vector_norm(logits, dim=1, keepdim=True)
col = logits - logits.mean(0)
print(log_probs.exp().sum(1), unit.shape, col.shape)
