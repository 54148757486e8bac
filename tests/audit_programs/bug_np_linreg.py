"""Linear regression by gradient descent: the feature matrix is (n, 1), the targets (n,)."""
import numpy as np

rng = np.random.default_rng(0)
n = 50
X = rng.normal(size=(n, 1))
y = 3.0 * X[:, 0] + 1.0 + 0.1 * rng.normal(size=n)

w, b, lr = 0.0, 0.0, 0.1
for step in range(20):
    pred = w * X + b
    err = pred - y  # BUG
    loss = (err ** 2).mean()
    w -= lr * 2 * (err * X).mean()
    b -= lr * 2 * err.mean()
print(f"loss {loss:.3f}")
