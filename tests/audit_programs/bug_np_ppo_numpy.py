"""numpy TD(0) critic update: values (n, 1) from a weight column, returns (n,)."""
import numpy as np

rng = np.random.default_rng(20)
n, d = 50, 4
phi = rng.normal(size=(n, d))
w = np.zeros((d, 1))
returns = rng.normal(size=n)
for _ in range(10):
    values = phi @ w
    td = returns - values  # BUG
    w += 0.01 * phi.T @ td.mean(axis=1, keepdims=True)
print(w.ravel())
