"""numpy TD(0) done right: a weight vector, values (n,), the gradient as phi.T @ td."""
import numpy as np

rng = np.random.default_rng(42)
n, d = 50, 4
phi = rng.normal(size=(n, d))
w = np.zeros(d)
returns = rng.normal(size=n)
for _ in range(10):
    td = returns - phi @ w
    w += 0.01 * phi.T @ td / n
Xc = phi - phi.mean(axis=0)
Xs = Xc / Xc.std(axis=0)
print(w, Xs.shape)
