"""Pairwise distances and an RBF kernel, three correct ways."""
import numpy as np

rng = np.random.default_rng(2)
X = rng.normal(size=(6, 3))
diff = X[:, None, :] - X[None, :, :]
D1 = np.sqrt((diff ** 2).sum(axis=-1))
sq = (X ** 2).sum(axis=1)
D2 = sq[:, None] + sq[None, :] - 2 * X @ X.T
D3 = sq[:, None] + sq - 2 * X @ X.T
K = np.exp(-np.maximum(D2, 0) / (2 * 1.5 ** 2))
col = X[:, 0].reshape(-1, 1)
gaps = col - X[:, 0]  # broadcasting: ok
print(np.allclose(D1 ** 2, np.maximum(D2, 0)), np.allclose(D2, D3), K.shape, gaps.shape)
