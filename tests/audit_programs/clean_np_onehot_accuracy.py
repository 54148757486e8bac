"""One-hot targets, accuracy and a confusion matrix, all with explicit axes (n = k)."""
import numpy as np

rng = np.random.default_rng(20)
n = k = 6
scores = rng.normal(size=(n, k))
labels = rng.integers(0, k, size=n)
Y = (labels[:, None] == np.arange(k)).astype(float)
pred = scores.argmax(axis=1)
acc = (pred == labels).mean()
P = pred[:, None] == np.arange(k)
confusion = (Y[:, :, None] * P[:, None, :]).sum(axis=0)
margin = scores[np.arange(n), labels] - scores.max(axis=1)
hinge = np.maximum(0, 1 + scores - scores[np.arange(n), labels][:, None])
print(acc, confusion.sum(), margin.shape, hinge.mean())
