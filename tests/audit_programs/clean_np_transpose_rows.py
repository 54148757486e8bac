"""numpy row normalisation through transposes and explicit new axes on square arrays."""
import numpy as np

rng = np.random.default_rng(60)
X = rng.random((5, 5))
R = (X.T / X.sum(axis=1)).T
S = np.exp(X) / np.exp(X).sum(axis=1)[:, np.newaxis]
T = X - X.mean(axis=-1)[..., None]
U = X / X.sum(axis=0)
grid = np.arange(5.0)[:, None] + np.arange(5.0)[None, :]
print(R.sum(1), S.sum(1), T.shape, U.sum(0), grid.shape)
