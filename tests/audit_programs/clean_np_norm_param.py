"""numpy: the same helpers with keepdims, and axis 0 (a leading reduction) without."""
import numpy as np


def normalize(X, axis=1):
    return X / np.linalg.norm(X, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


rng = np.random.default_rng(54)
E = rng.normal(size=(5, 5))
U = normalize(E)
P = softmax(E)
C = E - E.mean(axis=0)
print(U.shape, P.sum(1), C.shape)
