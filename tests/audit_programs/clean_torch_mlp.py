"""A torch regression: the (n, 1) output is squeezed before the loss."""
import torch

torch.manual_seed(0)
x = torch.randn(64, 3)
y = x @ torch.tensor([1.0, -1.0, 2.0]) + 0.5
model = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(20):
    opt.zero_grad()
    pred = model(x).squeeze(-1)
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    opt.step()
with torch.no_grad():
    residual = model(x) - y.unsqueeze(1)
print(loss.item(), residual.shape)
