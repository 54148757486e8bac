"""Manual gradient step for a linear model written with tensors: (n, 1) predictions against (n,) targets."""
import torch

torch.manual_seed(18)
n, d = 20, 3
X = torch.randn(n, d)
y = X @ torch.tensor([0.5, -1.0, 2.0])
W = torch.zeros(d, 1)


class Trainer:
    def __init__(self, lr):
        self.lr = lr

    def step(self, W):
        y_pred = X @ W
        diff = y_pred.sub(y)  # BUG
        grad = 2 * X.T @ diff.mean(dim=1, keepdim=True) / n
        return W - self.lr * grad


trainer = Trainer(0.1)
for _ in range(5):
    W = trainer.step(W)
mse = torch.nn.functional.mse_loss(X @ W, y)  # BUG
print(mse.item())
