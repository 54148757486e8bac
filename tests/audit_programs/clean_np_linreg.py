"""Linear regression with consistent shapes, and a deliberate outer product of time by frequency."""
import numpy as np

rng = np.random.default_rng(3)
n, d = 40, 3
X = rng.normal(size=(n, d))
y = X @ np.array([2.0, -1.0, 0.5]) + 0.3
w, b = np.zeros(d), 0.0
for _ in range(50):
    pred = X @ w + b
    err = pred - y
    w -= 0.1 * X.T @ err / n
    b -= 0.1 * err.mean()
Y = y.reshape(-1, 1)
P = (X @ w + b).reshape(-1, 1)
mse = ((P - Y) ** 2).mean()
t = np.linspace(0.0, 1.0, 5)[:, None]
freqs = np.arange(1, 4)
waves = np.sin(2 * np.pi * t * freqs)
print(f"mse {mse:.4f}", waves.shape)
