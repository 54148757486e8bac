"""k-means with broadcast distances between points and centroids."""
import numpy as np

rng = np.random.default_rng(5)
X = np.concatenate([rng.normal(loc=c, size=(20, 2)) for c in (-3, 0, 3)])
C = X[rng.choice(len(X), 3, replace=False)]
for _ in range(10):
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=-1)
    assign = d2.argmin(axis=1)
    C = np.stack([X[assign == k].mean(axis=0) for k in range(3)])
inertia = ((X - C[assign]) ** 2).sum()
print(f"inertia {inertia:.1f}")
