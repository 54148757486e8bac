"""Batch normalisation forward and backward (batch size = feature count)."""
import numpy as np

rng = np.random.default_rng(4)
N = D = 8
x = rng.normal(size=(N, D)) * 3 + 2
gamma, beta, eps = np.linspace(0.5, 1.5, D), np.zeros(D), 1e-5
mu = x.mean(axis=0)
var = x.var(axis=0)
xhat = (x - mu) / np.sqrt(var + eps)
out = gamma * xhat + beta
dout = rng.normal(size=(N, D))
dbeta = dout.sum(axis=0)
dgamma = (dout * xhat).sum(axis=0)
dxhat = dout * gamma
dx = (1.0 / N) / np.sqrt(var + eps) * (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
print(out.mean(axis=0).round(6), dx.sum(axis=0).round(6), dgamma.shape, dbeta.shape)
