"""Per-sample standardisation of a square feature matrix without keepdims (numpy)."""
import numpy as np

rng = np.random.default_rng(21)
X = rng.normal(size=(8, 8))
mu = np.mean(X, axis=1)
sd = X.std(axis=1)
Z = (X - mu) / sd  # BUG
m = np.max(X, axis=-1)
P = np.exp(X - m)  # BUG
print(Z.shape, P.shape)
