"""Rolling z-scores and lagged features of square sensor panels (time = sensors)."""
import numpy as np


def zscore_columns(panel):
    return (panel - panel.mean(axis=0)) / (panel.std(axis=0) + 1e-9)


def lag_features(series, lags):
    T = len(series)
    idx = np.arange(T)[:, None] - np.asarray(lags)[None, :]
    return series[np.clip(idx, 0, T - 1)]


rng = np.random.default_rng(24)
panels = [rng.normal(size=(6, 6)).cumsum(axis=0) for _ in range(3)]
zs = [zscore_columns(p) for p in panels]
lagged = [lag_features(p[:, 0], [1, 2, 3]) for p in panels]
returns = np.diff(panels[0], axis=0) / panels[0][:-1]
decay = 0.9 ** np.arange(6)
ewma = (panels[0] * decay[:, None]).sum(axis=0) / decay.sum()
print(len(zs), lagged[0].shape, returns.shape, ewma.shape)
