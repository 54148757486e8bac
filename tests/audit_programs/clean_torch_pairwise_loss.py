"""An intended pairwise loss: every prediction against every target, axes made explicit."""
import torch

torch.manual_seed(14)
n = 6
pred, target = torch.randn(n), torch.randn(n)
pairwise = (pred[:, None] - target[None, :]) ** 2
margin = torch.relu(1.0 - (pred.unsqueeze(1) - pred.unsqueeze(0)))
emb = torch.randn(n, 4)
dist = ((emb[:, None, :] - emb[None, :, :]) ** 2).sum(-1)
ranking = torch.nn.functional.mse_loss(pred[:, None], target[None, :])
print(pairwise.shape, margin.mean().item(), dist.shape, ranking.item())
