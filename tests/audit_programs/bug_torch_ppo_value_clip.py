"""PPO critic loss with value clipping: the value head gives (B,), the buffer stores (B, 1)."""
import torch

torch.manual_seed(11)
B = 16
critic = torch.nn.Linear(4, 1)
obs = torch.randn(B, 4)
returns = torch.randn(B, 1)
old_values = torch.randn(B, 1)
values = critic(obs).squeeze(-1)
clipped = old_values + (values - old_values).clamp(-0.2, 0.2)  # BUG
unclipped_loss = (returns - values) ** 2  # BUG
clipped_loss = (returns - clipped) ** 2
value_loss = 0.5 * torch.max(unclipped_loss, clipped_loss).mean()
value_loss.backward()
print(value_loss.item())
