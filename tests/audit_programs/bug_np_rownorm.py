"""Turn scores into row-stochastic matrices: a transition matrix and a softmax."""
import numpy as np

rng = np.random.default_rng(1)
counts = rng.integers(1, 10, size=(5, 5)).astype(float)
P = counts / counts.sum(axis=1)  # BUG
col_share = counts / counts.sum(axis=0)

z = rng.normal(size=(4, 4))
probs = np.exp(z) / np.exp(z).sum(axis=-1)  # BUG
print(P.sum(axis=1), probs.sum(axis=1), col_share.sum(axis=0))
