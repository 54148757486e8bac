# The same MLP in torch with requires_grad parameters: hand-written gradients vs autograd.
import torch

torch.manual_seed(0)
X = torch.randn(8, 3)
t = torch.randn(8, 2)
W1 = torch.randn(3, 6, requires_grad=True)
b1 = torch.zeros(6, requires_grad=True)
W2 = torch.randn(6, 2, requires_grad=True)
scale = torch.tensor(0.5)              # 0-d tensor in a product

h = X @ W1 + b1
r = torch.relu(h)
out = r @ W2 * scale
err = out - t
loss = (err * err).mean()
loss.backward()
gW1, gb1, gW2 = W1.grad.clone(), b1.grad.clone(), W2.grad.clone()

with torch.no_grad():
    dout = 2 * err / err.numel() * scale
    dW2 = (r[:, :, None] * dout[:, None, :]).sum(0)
    dr = dout @ W2.T
    dh = dr * (h > 0).float()
    dW1 = (X.unsqueeze(2) * dh.unsqueeze(1)).sum(0)
    db1 = dh.sum(0)
