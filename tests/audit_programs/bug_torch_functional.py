"""Regression with torch's functional API and loss modules: the (n, 1) output meets (n,) targets."""
import torch
import torch.nn.functional as F

torch.manual_seed(4)
x = torch.randn(16, 4)
y = x.sum(dim=1)
model = torch.nn.Linear(4, 1)
criterion = torch.nn.L1Loss()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for _ in range(3):
    opt.zero_grad()
    out = model(x)
    loss = F.mse_loss(out, y)  # BUG
    loss = loss + criterion(out, y)  # BUG
    loss.backward()
    opt.step()
residual = torch.sub(out, y)  # BUG
scores = torch.randn(6, 6)
probs = torch.div(scores.exp(), scores.exp().sum(dim=1))  # BUG
print(loss.item(), residual.shape, probs.shape)
