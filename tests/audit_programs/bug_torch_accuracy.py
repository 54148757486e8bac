"""Evaluate a classifier: predicted classes compared with labels of shape (n, 1)."""
import torch

torch.manual_seed(17)
n, c = 16, 4
model = torch.nn.Linear(8, c)
x = torch.randn(n, 8)
labels = torch.randint(0, c, (n, 1))
with torch.no_grad():
    logits = model(x)
correct = (logits.argmax(dim=1) == labels).float().sum()  # BUG
acc = correct / n
print(acc.item())
