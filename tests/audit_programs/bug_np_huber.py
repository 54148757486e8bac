"""Huber loss on a (n, 1) prediction column against (n,) targets, in a function called per fold."""
import numpy as np


def huber(pred, target, delta=1.0):
    r = np.abs(pred - target)  # BUG
    return np.where(r < delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)).mean()


rng = np.random.default_rng(15)
X = rng.normal(size=(30, 2))
y = X @ np.array([1.5, -0.5])
folds = np.array_split(np.arange(30), 3)
beta = np.linalg.lstsq(X, y, rcond=None)[0].reshape(2, 1)
losses = [huber(X[f] @ beta, y[f]) for f in folds]
print(np.round(losses, 3))
