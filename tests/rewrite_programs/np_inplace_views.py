# In-place products on slices and views; a view must see the update.
import numpy as np

A = np.arange(12.0).reshape(3, 4)
view = A[1:]                 # a view of A
w = np.array([1.0, 2.0, 3.0, 4.0])
A[1:] *= w                   # on a slice
col = np.array([[2.0], [3.0], [4.0]])
A *= col                     # whole array, stretched column
B = np.ones((2, 3, 4))
Bv = B.reshape(6, 4)
B *= w
S = np.ones((3, 4))
S[:, :2] *= w[:2]
S[0] *= 3.0                  # a number: not an array product
T = A.T
T *= np.array([1.0, 0.5, 0.25])
