# Layer norm and batch norm, forward and backward, float32 throughout.
import numpy as np

rng = np.random.default_rng(1)
x = rng.standard_normal((6, 5)).astype(np.float32)
gamma = rng.standard_normal(5).astype(np.float32)
beta = rng.standard_normal(5).astype(np.float32)
dy = rng.standard_normal((6, 5)).astype(np.float32)
eps = 1e-5

# layer norm over the last axis
mu = x.mean(axis=-1, keepdims=True)
var = x.var(axis=-1, keepdims=True)
rstd = 1.0 / np.sqrt(var + eps)
xhat = (x - mu) * rstd
y_ln = xhat * gamma + beta
dxhat = dy * gamma
dx_ln = rstd * (dxhat - dxhat.mean(-1, keepdims=True)
                - xhat * (dxhat * xhat).mean(-1, keepdims=True))
dgamma_ln = (dy * xhat).sum(0)

# batch norm over the batch axis
bmu = x.mean(0)
bvar = x.var(0)
binv = (bvar + eps) ** -0.5
bhat = (x - bmu) * binv
y_bn = gamma * bhat + beta
n = x.shape[0]
dbhat = dy * gamma
dx_bn = binv / n * (n * dbhat - dbhat.sum(0) - bhat * (dbhat * bhat).sum(0))
dgamma_bn = (dy * bhat).sum(0)
