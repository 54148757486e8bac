"""A loss written with numpy's function forms: the (n, 1) prediction meets (n,) targets."""
import numpy as np
from numpy import where

rng = np.random.default_rng(31)
X = rng.normal(size=(12, 1))
y = 2.0 * X[:, 0] + 0.3
pred = 1.9 * X + 0.2
abs_err = np.abs(np.subtract(pred, y))  # BUG
capped = np.minimum(abs_err, 1.0)
worst = np.maximum(pred, y)  # BUG
big = pred > 2.0
clipped = where(big, 2.0 + 0 * y, y)  # BUG
totals = np.add.reduce(capped, axis=0)
print(capped.mean(), worst.shape, clipped.shape, totals.shape)
