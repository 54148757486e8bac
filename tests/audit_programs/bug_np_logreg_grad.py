"""Logistic regression with a (d, 1) weight column: the gradient mixes every sample with every label."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


rng = np.random.default_rng(10)
n, d = 24, 3
X = rng.normal(size=(n, d))
y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
w = np.zeros((d, 1))
for it in range(15):
    y_pred = sigmoid(X @ w)
    residual = y_pred - y  # BUG
    grad = X.T @ residual.mean(axis=1, keepdims=True) / n
    w -= 0.5 * grad
nll = -np.mean(y * np.log(y_pred) + (1 - y) * np.log(1 - y_pred))  # BUG
print(f"nll {nll:.3f}")
