"""Image batch preprocessing: per-channel normalisation and a brightness jitter per image."""
import numpy as np

rng = np.random.default_rng(23)
imgs = rng.uniform(0, 255, size=(4, 8, 8, 3))
mean = np.array([123.7, 116.3, 103.5])
std = np.array([58.4, 57.1, 57.4])
norm = (imgs / 255.0 * 255.0 - mean) / std
jitter = rng.uniform(0.8, 1.2, size=4)
bright = norm * jitter[:, None, None, None]
gray = (imgs * np.array([0.299, 0.587, 0.114])).sum(axis=-1)
per_image = gray - gray.mean(axis=(1, 2), keepdims=True)
flipped = imgs[:, :, ::-1] * 0.5 + imgs * 0.5
mask = (gray > 128)[..., None]
masked = np.where(mask, imgs, 0.0)
print(bright.shape, per_image.shape, flipped.shape, masked.shape)
