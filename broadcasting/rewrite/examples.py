"""The notebook this project started from (``shared/seed``): its code cells, in order.

The learner's hand-written backprop. Its chain-rule products ``dloss_dprob * dprob_dscore *
…`` are right "because pytorch does smart things with ``*``"; the rewriter makes them
explicit, and the tests check that the explicit cells give the same gradients as autograd.

>>> [n for n, _ in SEED_CELLS]
[61, 234, 235, 237, 238, 245, 243]
"""

__all__ = ["SEED_CELLS", "seed_source"]

#: (execution count, code) of each code cell, in the order they ran
SEED_CELLS = (
    (61, '# The same example in pytorch\n# https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html#optional-reading-tensor-gradients-and-jacobian-products\n\nimport torch\nx = torch.Tensor([1, 2]).reshape((1, -1))\nW = torch.randn((2, 3), requires_grad=True)\nh = x@W\nprint(f"x: {x.shape}\\nW: {W.shape}\\nh: {h.shape}")\n\n# Normally, we want to compute the gradient of a *scalar* function w.r.t. to some\n# parameters. In that case we can simply call f.backward()\n# But here, we want to compute the gradient of a *vector-valued* function w.r.t. some\n# parameters. In that case f.backward() will compute the *Jacobian product*, and not\n# the actual gradient, see https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html#optional-reading-tensor-gradients-and-jacobian-products\nv = torch.ones_like(h)\nh.backward(v)\nJ = W.grad # computes v.T@J for input vector v=(v1, ..., vm)\nprint(f"\\n=> Jacobian/Jacobian Product:\\n{J}")\n'),
    (234, 'from torch.nn.functional import relu\nfrom torch import sigmoid\n\n# input vector and target\nx = torch.Tensor([1, 2])\nt = torch.Tensor([1])\n\n# init the network\nW = torch.randn((2, 3), requires_grad=True)\nwout = torch.randn(3, requires_grad=True)\n\n# forward pass\nh = x@W\nhact = relu(h)\nscore = hact@wout\nprob = sigmoid(score)\nloss = (prob - t)**2\n\nprint(h.shape, hact.shape, score.shape, prob.shape, loss.shape)\nprint(loss)\n'),
    (235, '# forward pass, but storing storing gradients on the way\nh = x@W\ndh_dW = x.repeat(3).reshape((3, 2)).T \n\nhact = relu(h)\ndhact_dh = torch.zeros_like(hact)\ndhact_dh[hact > 0] = 1.0 # dReLU(x)/dx=1 if x>0 else 0\n\nscore = hact@wout\ndscore_dwout = hact\ndscore_dhact = wout\n\nprob = sigmoid(score)\ndprob_dscore = sigmoid(score)*(1-sigmoid(score))\n\nloss = (prob - t)**2\ndloss_dprob = 2*(prob-t)\n'),
    (237, '# compute the gradient dloss/dwout\n\n# required intermediate derivatives\nprint(f"dloss/dprob  = {dloss_dprob}")\nprint(f"dprob/dscore = {dprob_dscore}")\nprint(f"dscore/dwout = {dscore_dwout}\\n")\n\n# apply chain rule\ndloss_dwout = dloss_dprob * dprob_dscore * dscore_dwout\nprint(f"dloss/dwout = {dloss_dwout}")\n'),
    (238, '# compute the gradient dloss/dW\n\n# required intermediate derivatives\nprint(f"dloss/dprob  \\t= {dloss_dprob}")\nprint(f"dprob/dscore \\t= {dprob_dscore}")\nprint(f"dscore/dhact \\t= {dscore_dhact}")\nprint(f"dhact/dh \\t= {dhact_dh}")\nprint(f"dh/dW \\t\\t=\\n{dh_dW}\\n")\n\n# apply chain rule\ndloss_dW = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh * dh_dW\nprint(f"dloss/dW = \\n{dloss_dW}")\n'),
    (245, '# compare our manually computed gradients against\n# gradients calculated by pytorch\n\n# zero gradients & re-do forward pass\nW.grad = None\nwout.grad = None\nh = x@W\nhact = relu(h)\nscore = hact@wout\nprob = sigmoid(score)\nloss = (prob - t)**2\nloss.backward()\n\n# compare our gradients vs pytorch\nprint("====== dLoss/dwout ======")\nprint(f"pytorch grad: \\t{wout.grad}\\nour grad: \\t{dloss_dwout}")\nprint("\\n====== dLoss/dW ======")\nprint(f"pytorch grad: \\n{W.grad}\\n\\nour grad: \\n{dloss_dW}\\n")\n'),
    (243, 'import numpy\na = torch.Tensor([0.5, 1, 2])\nB = torch.Tensor([[1, 1, 1],\n                  [2, 2, 2]])\n\nprint(a*B)\n\n# compare with numpy\na = a.numpy()\nB = B.numpy()\na*B\n\n# => both yield same result...\n# TODO: how would I calculate these manually on paper? How would\n# I write down multiplication of vector * matrix?\n'),
)


def seed_source() -> str:
    """The code cells joined into one program (one namespace, as in the notebook)."""
    return "\n".join(code for _, code in SEED_CELLS)
