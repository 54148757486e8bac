"""Row-normalise square score matrices in place with tensor methods; an L2 penalty via lambda."""
import torch

torch.manual_seed(32)
S = torch.rand(5, 5)
S.div_(S.sum(dim=1))  # BUG
R = torch.randn(5, 5)
R.sub_(R.mean(dim=0))
out = torch.randn(5, 1)
target = torch.randn(5)
penalty = lambda a, b: ((a - b) ** 2).sum()  # BUG
print(S.shape, R.shape, penalty(out, target).item())
