"""E-step of a diagonal Gaussian mixture: responsibilities with keepdims and explicit axes."""
import numpy as np

rng = np.random.default_rng(21)
N, K, D = 5, 5, 5
X = rng.normal(size=(N, D))
means = rng.normal(size=(K, D))
var = np.full((K, D), 1.5)
weights = np.full(K, 1.0 / K)
diff = X[:, None, :] - means[None, :, :]
log_pdf = -0.5 * ((diff ** 2) / var[None] + np.log(2 * np.pi * var)[None]).sum(axis=-1)
log_joint = log_pdf + np.log(weights)
m = log_joint.max(axis=1, keepdims=True)
log_norm = m + np.log(np.exp(log_joint - m).sum(axis=1, keepdims=True))
resp = np.exp(log_joint - log_norm)
Nk = resp.sum(axis=0)
new_means = (resp.T @ X) / Nk[:, None]
new_var = (resp[:, :, None] * diff ** 2).sum(axis=0) / Nk[:, None]
print(resp.sum(axis=1).round(6), new_means.shape, new_var.shape)
