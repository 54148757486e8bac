"""Hand-written binary cross-entropy: a (n, 1) probability column against (n,) targets."""
import torch

torch.manual_seed(2)
features = torch.randn(32, 5)
targets = (features[:, 0] > 0).float()
net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
p = torch.sigmoid(net(features)).clamp(1e-6, 1 - 1e-6)
loss = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()  # BUG
loss.backward()
print(loss.item())
