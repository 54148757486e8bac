"""Standardise each sample (row) of a square design matrix."""
import numpy as np


def row_std(x):
    return x.std(axis=1)


rng = np.random.default_rng(2)
X = rng.normal(size=(6, 6)) * 3 + 1
mu = X.mean(axis=1)
Xc = X - mu  # BUG
Z = Xc / row_std(X)  # BUG
print(Z.mean(axis=1))
