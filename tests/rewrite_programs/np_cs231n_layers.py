# Layers with forward and backward passes in the style of cs231n's layers.py, run in float32
# and float64.
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def relu_backward(dout, x):
    return dout * (x > 0)


def dropout_forward(x, p, seed=0):
    mask = (np.random.default_rng(seed).random(x.shape) < p) / p
    return x * mask, mask


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    out = gamma * xhat + beta          # scale and shift every row
    return out, (xhat, gamma, var, eps)


def batchnorm_backward_alt(dout, cache):
    xhat, gamma, var, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (1. / N) * gamma * (var + eps) ** -0.5 * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def layernorm_backward(dout, xhat, gamma, std):
    D = dout.shape[-1]
    dxhat = dout * gamma
    dx = (D * dxhat - dxhat.sum(-1, keepdims=True)
          - xhat * (dxhat * xhat).sum(-1, keepdims=True)) / (D * std)
    return dx


def scale_rows(x, s):
    return np.expand_dims(s, 1) * x


def run(dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 2, 2)).astype(dtype)
    w = rng.standard_normal((4, 5)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    h, _ = affine_forward(x, w, b)
    a, mask = dropout_forward(np.maximum(h, 0), 0.7)
    gamma, beta = rng.standard_normal(5).astype(dtype), rng.standard_normal(5).astype(dtype)
    out, cache = batchnorm_forward(a, gamma, beta)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dgamma, dbeta = batchnorm_backward_alt(dout, cache)
    std = np.sqrt(a.var(-1, keepdims=True) + 1e-5)
    dln = layernorm_backward(dout, (a - a.mean(-1, keepdims=True)) / std, gamma, std)
    return relu_backward(dx, h), dgamma, dbeta, dln, scale_rows(out, b[:6 - 1].sum() + x[:, 0, 0])


r32 = run(np.float32)
r64 = run(np.float64)
