# In-place products on torch tensors, slices and views (no grad), then a leaf with grad.
import torch

torch.manual_seed(7)
A = torch.arange(12.0).reshape(3, 4)
view = A[:, 1:]
A *= torch.tensor([1.0, 2.0, 3.0, 4.0])
A[:, 1:] *= torch.tensor([[1.0], [0.5], [2.0]])
B = torch.ones(2, 3)
B.T[:] *= torch.tensor([1.0, 2.0])[None, :]
p = torch.randn(3, 4, requires_grad=True)
q = p * 1.0
q *= torch.linspace(1, 2, 4)
q.sum().backward()
gp = p.grad
