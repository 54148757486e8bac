"""Least squares with targets reshaped to a column 'to be safe'."""
import numpy as np

rng = np.random.default_rng(4)
X = rng.normal(size=(30, 4))
theta_true = np.array([1.0, -2.0, 0.5, 3.0])
y = (X @ theta_true).reshape(-1, 1)

theta = np.zeros(4)
for _ in range(10):
    pred = X @ theta
    residual = pred - y  # BUG
    theta = theta - 0.01 * residual.mean()
sample_weights = np.linspace(0.5, 1.5, 30)[:, None]
losses = (X @ theta - y[:, 0]) ** 2
weighted = losses * sample_weights  # BUG
print(weighted.mean())
