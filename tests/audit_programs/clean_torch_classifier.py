"""Binary classifier with hand-written BCE, accuracy and per-sample weights."""
import torch

torch.manual_seed(2)
features = torch.randn(32, 5)
targets = (features[:, 0] > 0).float()
weights = torch.linspace(0.5, 1.5, 32)
net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(10):
    opt.zero_grad()
    p = torch.sigmoid(net(features)[:, 0]).clamp(1e-6, 1 - 1e-6)
    losses = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p))
    loss = (losses * weights).sum() / weights.sum()
    loss.backward()
    opt.step()
acc = ((p > 0.5).float() == targets).float().mean()
print(loss.item(), acc.item())
