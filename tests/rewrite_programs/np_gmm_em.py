# EM for a Gaussian mixture (diagonal and full covariances), numpy float64.
import numpy as np

rng = np.random.default_rng(3)
N, D, K = 40, 2, 3
X = np.concatenate([rng.standard_normal((N // 2, D)) + 2, rng.standard_normal((N // 2, D)) - 2])
means = X[rng.choice(N, K, replace=False)]
covs = np.array([np.eye(D)] * K)
weights = np.full(K, 1.0 / K)


def pdf(X, mean, cov):
    diff = X - mean
    inv = np.linalg.inv(cov)
    expo = -0.5 * np.sum((diff @ inv) * diff, axis=1)
    return np.exp(expo) / np.sqrt((2 * np.pi) ** D * np.linalg.det(cov))


for it in range(3):
    resp = np.zeros((N, K))
    for k in range(K):
        resp[:, k] = weights[k] * pdf(X, means[k], covs[k])
    resp /= resp.sum(axis=1, keepdims=True)
    Nk = resp.sum(axis=0)
    for k in range(K):
        means[k] = (resp[:, k].reshape(-1, 1) * X).sum(axis=0) / Nk[k]
        diff = X - means[k]
        covs[k] = (np.expand_dims(resp[:, k], 1) * diff).T @ diff / Nk[k]
    weights = Nk / N
    var_diag = (resp[:, :, None] * (X[:, None, :] - means) ** 2).sum(0) / Nk[:, None]
