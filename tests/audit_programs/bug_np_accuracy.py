"""Logistic regression accuracy: predictions come out as a column."""
import numpy as np

rng = np.random.default_rng(3)
n, d = 40, 3
X = rng.normal(size=(n, d))
labels = (X[:, 0] > 0).astype(float)
w = rng.normal(size=(d, 1))
probs = 1.0 / (1.0 + np.exp(-(X @ w)))
preds = probs > 0.5
acc = (preds == labels).mean()  # BUG
print(f"accuracy {acc:.2f}")
