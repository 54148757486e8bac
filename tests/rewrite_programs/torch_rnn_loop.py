# An Elman RNN unrolled in a loop, with a gate and a `while` loop for the decay schedule.
import torch

torch.manual_seed(3)
T, B, H, I = 5, 3, 4, 2
xs = torch.randn(T, B, I)
Wx = torch.randn(I, H, requires_grad=True)
Wh = torch.randn(H, H) * 0.3
gate = torch.rand(H, requires_grad=True)
h = torch.zeros(B, H)
states = []
for step in range(T):
    pre = xs[step] @ Wx + h @ Wh
    h = gate * torch.tanh(pre) + (1 - gate) * h    # a leaky update
    states.append(h)
hs = torch.stack(states)
decay = torch.ones(H)
n = 0
while n < 3:
    decay = decay * gate.detach()
    n += 1
final = hs[-1] * decay
loss = final.sum()
loss.backward()
gWx, ggate = Wx.grad, gate.grad
