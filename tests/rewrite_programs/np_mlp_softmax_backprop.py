# Two-layer MLP, batch of examples, softmax cross-entropy: forward and hand-written backward.
import numpy as np

rng = np.random.default_rng(0)
N, D, H, C = 16, 5, 7, 4
X = rng.standard_normal((N, D))
y = rng.integers(0, C, size=N)
W1 = rng.standard_normal((D, H)) * 0.1
b1 = np.zeros(H)
W2 = rng.standard_normal((H, C)) * 0.1
b2 = np.zeros(C)

h = X @ W1 + b1
a = np.tanh(h)
logits = a @ W2 + b2
shifted = logits - logits.max(axis=1, keepdims=True)
p = np.exp(shifted)
p /= p.sum(axis=1, keepdims=True)
onehot = np.eye(C)[y]
loss = -(onehot * np.log(p)).sum() / N     # cross-entropy, mean over the batch

dlogits = (p - onehot) / N
dW2 = (a[:, :, None] * dlogits[:, None, :]).sum(axis=0)   # sum of per-example outer products
db2 = dlogits.sum(axis=0)
da = dlogits @ W2.T
dh = da * (1 - a * a)        # tanh'
dW1 = (X[:, :, None]
       * dh[:, None, :]      # broadcast over the input axis
       ).sum(0)
db1 = dh.sum(0)
# softmax Jacobian-vector product, written with broadcasting
g = rng.standard_normal((N, C))
jvp = p * g - p * (p * g).sum(axis=1, keepdims=True)
check = np.abs(dW1 - X.T @ dh).max()
