"""Centre a batch of square Gram matrices in place, inside a helper called per batch."""
import numpy as np


def double_center(K):
    K = K.copy()
    K -= K.mean(0)
    K -= K.mean(1)  # BUG
    return K


rng = np.random.default_rng(11)
batches = [rng.normal(size=(6, 4)) for _ in range(3)]
grams = [B @ B.T for B in batches]
centered = [double_center(K) for K in grams]
print([round(float(abs(K).sum()), 3) for K in centered])
