# Multi-head attention and a transformer block in numpy (GPT-2 style forward pass), float32.
import numpy as np


def softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + eps) + b


def attention(q, k, v, mask):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    scores = scores * mask + (1 - mask) * -1e9     # the causal mask over every head
    w = softmax(scores)
    return w @ v, w


def block(x, p, n_head):
    T, D = x.shape[-2], x.shape[-1]
    h = layer_norm(x, p["g1"], p["b1"])
    qkv = h @ p["w_qkv"]
    q, k, v = np.split(qkv, 3, axis=-1)
    heads = lambda t: t.reshape(*t.shape[:-1], n_head, D // n_head).swapaxes(-2, -3)
    mask = np.tril(np.ones((T, T), dtype=x.dtype))
    a, w = attention(heads(q), heads(k), heads(v), mask)
    x = x + a.swapaxes(-2, -3).reshape(x.shape) @ p["w_o"]
    m = gelu(layer_norm(x, p["g2"], p["b2"]) @ p["w_fc"])
    return x + m @ p["w_proj"], w


rng = np.random.default_rng(0)
D, T, n_head = 8, 5, 2
params = {"g1": rng.standard_normal(D), "b1": rng.standard_normal(D),
          "g2": rng.standard_normal(D), "b2": rng.standard_normal(D),
          "w_qkv": rng.standard_normal((D, 3 * D)), "w_o": rng.standard_normal((D, D)),
          "w_fc": rng.standard_normal((D, 4 * D)), "w_proj": rng.standard_normal((4 * D, D))}
params = {name: value.astype(np.float32) for name, value in params.items()}
x = rng.standard_normal((2, T, D)).astype(np.float32)
y, weights = block(x, params, n_head)
