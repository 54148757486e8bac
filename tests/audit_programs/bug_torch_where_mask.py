"""Clip outliers with torch.where, the mask computed per sample as a column."""
import torch

torch.manual_seed(16)
n = 12
x = torch.randn(n)
y = 2 * x + 0.1 * torch.randn(n)
pred = 2 * x
err = (pred - y).abs()
is_outlier = (err > err.median()).unsqueeze(1)
robust_err = torch.where(is_outlier, err.clamp(max=1.0), err)  # BUG
print(robust_err.shape)
