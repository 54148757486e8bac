# k-means (pairwise distances by broadcasting) and PCA whitening.
import numpy as np

rng = np.random.default_rng(5)
X = np.concatenate([rng.normal(0, 1, (10, 2)), rng.normal(4, 1, (10, 2))])
centers = X[[0, 15]].copy()
for it in range(5):
    diff = X[:, None, :] - centers[None, :, :]
    d2 = (diff * diff).sum(-1)
    labels = d2.argmin(1)
    onehot = (labels[:, None] == np.arange(2)[None, :]).astype(X.dtype)
    counts = onehot.sum(0)
    centers = (onehot[:, :, None] * X[:, None, :]).sum(0) / counts[:, None]

Xc = X - X.mean(0)
cov = Xc.T @ Xc / (len(X) - 1)
evals, evecs = np.linalg.eigh(cov)
inv_sqrt = 1.0 / np.sqrt(evals + 1e-9)
W_white = evecs * inv_sqrt        # scale each eigenvector column
Z = Xc @ W_white
zcov = Z.T @ Z / (len(X) - 1)
