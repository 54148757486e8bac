"""Graph normalisations: random walk via the transpose idiom, symmetric GCN, Laplacian (square A)."""
import numpy as np

rng = np.random.default_rng(30)
n = 6
A = (rng.uniform(size=(n, n)) > 0.5).astype(float)
A = np.maximum(A, A.T) + np.eye(n)
deg = A.sum(axis=1)
P = (A.T / deg).T
d_inv_sqrt = deg ** -0.5
A_hat = A * d_inv_sqrt[:, None] * d_inv_sqrt
L = np.diag(deg) - A
x = rng.normal(size=(n, 3))
h = A_hat @ x
print(P.sum(axis=1).round(6), A_hat.shape, L.sum(axis=1), h.shape)
