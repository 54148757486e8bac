"""Per-time weights (T,) over (B, T) with B == T, masked means, label smoothing, focal weights."""
import torch
import torch.nn.functional as F

torch.manual_seed(63)
B = T = K = 6
x = torch.randn(B, T)
w = torch.linspace(0.1, 1.0, T)
weighted = x * w
mask = torch.rand(B, T) > 0.3
mean = (x * mask).sum(1) / mask.sum(1).clamp(min=1)
logits = torch.randn(B, K)
target = F.one_hot(torch.randint(0, K, (B,)), K).float()
smooth = target * 0.9 + 0.1 / K
logp = F.log_softmax(logits, -1)
p = logp.exp()
focal = -((1 - p) ** 2 * smooth * logp).sum(-1).mean()
print(weighted.shape, mean.shape, focal.item())
