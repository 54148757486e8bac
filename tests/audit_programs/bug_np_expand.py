"""np.broadcast_to of a row maximum onto a square array: the wrong axis."""
import numpy as np

rng = np.random.default_rng(1)
x = rng.normal(size=(4, 4))
m = x.max(axis=1)
stable = np.exp(x - np.broadcast_to(m, x.shape))  # BUG
print(stable.shape)
