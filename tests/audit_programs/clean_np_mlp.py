"""A two-layer numpy MLP trained with hand-written backprop (batch size = hidden size)."""
import numpy as np

rng = np.random.default_rng(0)
N, D, H, C = 16, 4, 16, 3
X = rng.normal(size=(N, D))
labels = rng.integers(0, C, size=N)
Y = np.eye(C)[labels]
W1, b1 = rng.normal(size=(D, H)) * 0.5, np.zeros(H)
W2, b2 = rng.normal(size=(H, C)) * 0.5, np.zeros(C)

for step in range(30):
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    logits = a @ W2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log((p * Y).sum(axis=1)).mean()
    dlogits = (p - Y) / N
    dW2, db2 = a.T @ dlogits, dlogits.sum(axis=0)
    da = dlogits @ W2.T
    dh = da * (h > 0)
    dW1, db1 = X.T @ dh, dh.sum(axis=0)
    for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        param -= 0.5 * grad
print(f"loss {loss:.3f}")
