"""BERT's extended attention mask (B, 1, 1, T) added to scores (B, H, T, T); B = H = T."""
import torch

torch.manual_seed(10)
B, H, T, Dh = 4, 4, 4, 8
hidden = torch.randn(B, T, H * Dh)
attention_mask = torch.ones(B, T)
attention_mask[1, -1] = 0
extended = attention_mask[:, None, None, :]
extended = (1.0 - extended) * torch.finfo(torch.float32).min
q = hidden.view(B, T, H, Dh).transpose(1, 2)
scores = q @ q.transpose(-1, -2) / Dh ** 0.5
scores = scores + extended
probs = torch.softmax(scores, dim=-1)
print(probs.shape)
