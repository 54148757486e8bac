"""Standardise features (columns) and normalise rows, the right way round."""
import numpy as np

rng = np.random.default_rng(1)
X = rng.normal(size=(8, 8)) * 2 + 1
mu = X.mean(axis=0)
sigma = X.std(axis=0)
Z = (X - mu) / sigma
rows = X / X.sum(axis=1, keepdims=True)
row_centered = X - X.mean(axis=1)[:, None]
scaled = X / np.linalg.norm(X, axis=1, keepdims=True)
minmax = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
print(Z.mean(axis=0).round(6), rows.sum(axis=1), row_centered.mean(axis=1).round(6),
      scaled.shape, minmax.max(axis=0))
