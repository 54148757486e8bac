"""numpy masks and statistics: lengths mask, label mask, keepdims softmax, column scaling."""
import numpy as np

rng = np.random.default_rng(21)
T = B = 5
lengths = np.array([5, 2, 3, 4, 1])
mask = np.arange(T)[None, :] < lengths[:, None]
labels = rng.integers(0, 2, size=B)
same = labels[:, None] == labels[None, :]
x = rng.normal(size=(B, T))
e = np.exp(x - x.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
cols = x / np.linalg.norm(x, axis=0)
print(mask.sum(), same.sum(), p.sum(axis=1), cols.shape)
