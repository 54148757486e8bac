"""In-place tensor methods with keepdim and explicit axes; a bias added by torch.add with alpha."""
import torch

torch.manual_seed(33)
S = torch.rand(5, 5)
S.div_(S.sum(dim=1, keepdim=True))
R = torch.randn(5, 5)
R.sub_(R.mean(dim=0))
R.mul_(torch.linspace(0.5, 1.5, 5))
b = torch.randn(5)
H = torch.add(R, b, alpha=0.5)
G = torch.addcmul(H, S, torch.ones(5), value=0.1)
penalty = lambda a, b: ((a - b) ** 2).sum()
col = torch.randn(5, 1)
print(S.sum(1), H.shape, G.shape, penalty(col, col * 2).item())
