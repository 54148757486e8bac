"""PCA by SVD on a square data matrix: centre columns, whiten, reconstruct."""
import numpy as np

rng = np.random.default_rng(22)
X = rng.normal(size=(7, 7)) @ np.diag(np.linspace(3, 0.1, 7))
mean = X.mean(axis=0)
Xc = X - mean
U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
scores = U * S
whitened = scores / S
explained = S ** 2 / (S ** 2).sum()
recon = scores[:, :3] @ Vt[:3] + mean
err = np.linalg.norm(X - recon, axis=1)
Xc -= Xc.mean(0)
Xs = Xc / Xc.std(axis=0, ddof=1)
print(explained.round(3), err.shape, whitened.std(axis=0).round(3), Xs.shape)
