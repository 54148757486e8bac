# One step of a character-level RNN and an LSTM in the style of min-char-rnn (numpy only):
# column vectors (n, 1), outer products written with broadcasting, Adagrad updates.
import numpy as np

data = "hello broadcasting, hello einsum"
chars = sorted(set(data))
V, H = len(chars), 8
ix = {c: k for k, c in enumerate(chars)}
rng = np.random.default_rng(0)
Wxh = rng.standard_normal((H, V)) * 0.01
Whh = rng.standard_normal((H, H)) * 0.01
Why = rng.standard_normal((V, H)) * 0.01
bh, by = np.zeros((H, 1)), np.zeros((V, 1))


def loss_fun(inputs, targets, hprev):
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby, dhnext = np.zeros_like(bh), np.zeros_like(by), np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += dy * hs[t].T                  # outer product (V,1) * (1,H)
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw * xs[t].T
        dWhh += dhraw * hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, [dWxh, dWhh, dWhy, dbh, dby], hs[len(inputs) - 1]


def lstm_step(x, h, c, W, b):
    z = W @ np.concatenate([x, h]) + b
    i, f, o, g = np.split(z, 4)
    i, f, o, g = 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), 1 / (1 + np.exp(-o)), np.tanh(g)
    c = f * c + i * g
    return o * np.tanh(c), c, i


inputs = [ix[ch] for ch in data[:12]]
targets = [ix[ch] for ch in data[1:13]]
mems = [np.zeros_like(p) for p in (Wxh, Whh, Why, bh, by)]
hprev = np.zeros((H, 1))
for step in range(2):
    loss, grads, hprev = loss_fun(inputs, targets, hprev)
    for param, dparam, mem in zip([Wxh, Whh, Why, bh, by], grads, mems):
        mem += dparam * dparam
        param += -0.1 * dparam / np.sqrt(mem + 1e-8)
W4 = rng.standard_normal((4 * H, V + H)) * 0.1
h1, c1, gate = lstm_step(np.eye(V)[:, :1], hprev, np.zeros((H, 1)), W4, np.zeros((4 * H, 1)))
