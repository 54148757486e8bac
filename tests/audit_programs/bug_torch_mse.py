"""A torch regression whose model outputs (n, 1) against targets (n,)."""
import torch

torch.manual_seed(0)
x = torch.randn(64, 3)
y = x @ torch.tensor([1.0, -1.0, 2.0]) + 0.5
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(5):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()  # BUG
    loss.backward()
    opt.step()
print(loss.item())
