# torch dtype traps: 0-d tensors of other dtypes, int tensors, float16, bfloat16, requires_grad.
import torch

x32 = torch.linspace(0, 1, 4)
M32 = torch.ones(3, 4)
s64 = torch.tensor(2.0, dtype=torch.float64)     # 0-d float64: weak in `*`
r = s64 * x32 * M32
it = torch.arange(4)
ints = it * torch.ones(3, 4, dtype=torch.int32)
fi = it * M32
h = torch.ones(3, 1, dtype=torch.float16) * torch.ones(4, dtype=torch.float16)
bf = torch.ones(4, dtype=torch.bfloat16) * torch.ones(2, 1, dtype=torch.bfloat16)
d64 = torch.ones(4, dtype=torch.float64) * M32   # float64
zz = torch.tensor(3.0) * torch.tensor(4.0)
n0 = torch.tensor(2) * x32                       # 0-d int with float32
w = torch.randn(4, requires_grad=True)
b = torch.randn(3, 1, requires_grad=True)
y = -w * b * 0.5 * M32
(y.sum() + (w * M32).pow(2).sum()).backward()
gw, gb = w.grad, b.grad
neg = -x32 * M32.T.T
mat = x32 * M32 @ torch.ones(4, 2)
