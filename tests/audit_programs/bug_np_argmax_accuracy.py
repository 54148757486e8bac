"""Classifier accuracy: argmax predictions compared with labels made into a column."""
import numpy as np

rng = np.random.default_rng(13)
n, k = 10, 10
scores = rng.normal(size=(n, k))
labels = rng.integers(0, k, size=n)
pred = scores.argmax(1)
acc = (pred == labels[:, None]).mean()  # BUG
one_hot = labels[:, None] == np.arange(k)
top1 = (scores.argmax(axis=1)[:, None] == np.arange(k)) & one_hot
print(acc, top1.sum())
