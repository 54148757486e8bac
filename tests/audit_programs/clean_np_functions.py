"""numpy function forms with matching shapes, scalars, explicit axes and ufunc methods."""
import numpy as np

rng = np.random.default_rng(32)
X = rng.normal(size=(6, 6))
y = rng.normal(size=6)
pred = X @ rng.normal(size=6)
err = np.subtract(pred, y)
relu = np.maximum(X, 0.0)
clipped = np.where(X > 1.0, 1.0, X)
rows = np.where((X.sum(axis=1) > 0)[:, None], X, -X)
bias = np.add(X, np.linspace(0, 1, 6))
ratio = np.divide(X, np.abs(X).sum(axis=1, keepdims=True))
pairs = np.subtract.outer(y, y)
hits = np.equal(pred.argmax(), np.arange(6))
cum = np.maximum.accumulate(X, axis=0)
print(err.shape, relu.shape, clipped.shape, rows.shape, bias.shape, ratio.shape, pairs.shape,
      hits.sum(), cum.shape)
