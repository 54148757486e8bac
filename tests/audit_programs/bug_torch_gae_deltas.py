"""Vectorised TD errors with a critic output of shape (T, 1) and rewards of shape (T,)."""
import torch

torch.manual_seed(15)
T = 20
critic = torch.nn.Linear(3, 1)
obs = torch.randn(T + 1, 3)
rewards = torch.randn(T)
dones = (torch.rand(T) < 0.1).float()
with torch.no_grad():
    v = critic(obs)
values, next_values = v[:-1], v[1:]
deltas = rewards + 0.99 * next_values.squeeze(-1) * (1 - dones) - values  # BUG
print(deltas.shape)
