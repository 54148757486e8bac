"""The same regression done right with torch's functional API and loss modules."""
import torch
import torch.nn.functional as F

torch.manual_seed(4)
x = torch.randn(16, 4)
y = x.sum(dim=1, keepdim=True)
model = torch.nn.Linear(4, 1)
criterion = torch.nn.L1Loss()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(3):
    opt.zero_grad()
    out = model(x)
    loss = F.mse_loss(out, y) + criterion(out.squeeze(1), y[:, 0])
    loss.backward()
    opt.step()
residual = torch.sub(out, y)
scores = torch.randn(6, 6)
probs = torch.div(scores.exp(), scores.exp().sum(dim=1, keepdim=True))
bias = torch.zeros(6)
shifted = torch.add(scores, bias)
gated = torch.where(scores > 0, scores, torch.zeros(6))
print(loss.item(), residual.shape, probs.shape, shifted.shape, gated.shape)
