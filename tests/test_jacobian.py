"""Jacobians of products and matmuls against torch.func.jacrev and autograd."""
import operator
from functools import reduce

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from broadcasting import BroadcastError, explain
from broadcasting.jacobian import Jacobian

SETTINGS = settings(max_examples=30, deadline=None)

PRODUCTS = st.integers(1, 3).flatmap(
    lambda n: mutually_broadcastable_shapes(num_shapes=n, max_dims=3, max_side=3))
MATMULS = mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=2, max_side=3)


def _tensors(shapes, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g, dtype=dtype) for s in shapes]


def _forward(op):
    if op == "@":
        return lambda *xs: xs[0] @ xs[1]
    return lambda *xs: reduce(operator.mul, xs)


def _check_all(shapes, op, seed):
    ts = _tensors(shapes, seed)
    e = explain(*shapes, op=op)
    f = _forward(op)
    for k in range(len(shapes)):
        jac = e.jacobian(k)
        expected = torch.func.jacrev(f, argnums=k)(*ts)
        dense = jac.dense(*ts)
        assert dense.shape == expected.shape == jac.dense_shape
        torch.testing.assert_close(dense, expected)
        # numpy inputs give the same numbers, as numpy
        np_dense = jac.dense(*[t.numpy() for t in ts])
        assert isinstance(np_dense, np.ndarray) and np_dense.dtype == np.float64
        np.testing.assert_allclose(np_dense, expected.numpy(), atol=1e-12)
        _check_compact(jac, jac.compact(*ts), expected)
        _check_vjp(jac, f, ts, k, seed)


def _check_compact(jac: Jacobian, compact, dense):
    """Every entry the deltas allow is in `compact`; every other entry of `dense` is zero."""
    assert tuple(compact.shape) == jac.compact_shape
    labels = jac.compact_labels
    plan, operand = jac.plan, jac.operand
    mask = torch.zeros(dense.shape, dtype=torch.bool)
    for idx in np.ndindex(*jac.compact_shape):
        value = dict(zip(labels, idx))
        r = tuple(value[lab] for lab in plan.result_labels)
        q = tuple(value[a.label] if a.kept else 0 for a in operand.axes)
        assert dense[r + q] == compact[idx]
        mask[r + q] = True
    assert torch.all(dense[~mask] == 0)


def _check_vjp(jac, f, ts, k, seed):
    leaves = [t.clone().requires_grad_(True) for t in ts]
    out = f(*leaves)
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed + 1), dtype=out.dtype)
    out.backward(grad)
    got = jac.vjp(grad, *ts)
    torch.testing.assert_close(got, leaves[k].grad)
    # the vjp is grad contracted with the dense Jacobian
    dense = jac.dense(*ts)
    nr = len(jac.plan.result_shape)
    torch.testing.assert_close(got, torch.tensordot(grad, dense, dims=nr))
    np.testing.assert_allclose(jac.vjp(grad.numpy(), *[t.numpy() for t in ts]),
                               leaves[k].grad.numpy(), atol=1e-12)


@SETTINGS
@given(PRODUCTS, st.integers(0, 2**16))
def test_products_against_jacrev_and_autograd(shapes, seed):
    _check_all(shapes.input_shapes, "*", seed)


@SETTINGS
@given(MATMULS, st.integers(0, 2**16))
def test_matmuls_against_jacrev_and_autograd(shapes, seed):
    _check_all(shapes.input_shapes, "@", seed)


@pytest.mark.parametrize("shapes, op", [
    (((2, 1, 3), (4, 1), ()), "*"),     # stretched, new and 0-d operands at once
    (((1,), (3, 1, 2), (2,)), "*"),
    (((5, 1, 2, 3), (4, 3, 2)), "@"),   # stretched and new batch axes of @
    (((3,), (3,)), "@"),                 # both 1-D: a scalar result
    (((2, 3, 4), (4,)), "@"),
])
def test_stretched_and_new_axes(shapes, op):
    _check_all(shapes, op, 7)


def test_notebook_h_equals_x_W():
    """The seed: x = [1, 2], W of shape (2, 3); the 18 partials and the stored J."""
    jac = explain((2,), (2, 3), op="@", names=("x", "W", "h")).jacobian(1)
    assert jac.index == "∂h[k]/∂W[i,j] = x[i] δ[j,k]"
    assert jac.latex == "\\frac{\\partial h_{k}}{\\partial W_{ij}} = x_{i} \\delta_{jk}"
    assert jac.compact_index == "J[i,j] = x[i]"
    x = torch.tensor([1.0, 2.0])
    W = torch.randn(2, 3)
    assert torch.equal(jac.compact(x, W), torch.tensor([[1.0, 1, 1], [2, 2, 2]]))
    dense = jac.dense(x, W)
    assert dense.shape == (3, 2, 3)  # three (2, 3) matrices, ∂h_k/∂W
    for k in range(3):
        expected = torch.zeros(2, 3)
        expected[:, k] = x
        assert torch.equal(dense[k], expected)
    # h.backward(ones) gives vᵀJ: the sum of the three matrices, which is the stored J here
    Wl = W.clone().requires_grad_(True)
    (x @ Wl).backward(torch.ones(3))
    assert torch.equal(Wl.grad, jac.vjp(torch.ones(3), x, W))
    assert torch.equal(Wl.grad, dense.sum(0))


def test_formulas_for_products():
    jac = explain((3,), (2, 3)).jacobian(0)
    assert jac.index == "∂C[i,k]/∂a[j] = B[i,j] δ[j,k]"
    assert explain((3,), (2, 3)).jacobian(1).index == "∂C[k,l]/∂B[i,j] = a[j] δ[i,k] δ[j,l]"
    assert explain((3,)).jacobian(0).index == "∂b[j]/∂a[i] = δ[i,j]"
    assert explain(()).jacobian(0).index == "∂b/∂a = 1"
    three = explain((2, 1), (3,), (1, 3)).jacobian(2)
    assert three.index == "∂D[i,k]/∂C[0,j] = A[i,0] b[j] δ[j,k]"
    assert three.vjp_einsum == "ij,i,j->j"
    assert "dense (2, 3, 1, 3)" in repr(three)


def test_batched_matmul_formula():
    jac = explain((5, 1, 2, 3), (4, 3, 2), op="@").jacobian(0)
    # batch i (A's), j (A stretched: B's alone), row k, contracted l, column m
    assert jac.index == "∂C[n,j,o,m]/∂A[i,0,k,l] = B[j,l,m] δ[i,n] δ[k,o]"
    assert jac.dense_shape == (5, 4, 2, 2, 5, 1, 2, 3)


def test_dtypes_follow_star():
    a32 = np.arange(3, dtype=np.float32)
    e = explain((3,), ())
    assert e.jacobian(0).dense(a32, 2.0).dtype == np.float32
    assert e.jacobian(0).compact(a32, 2.0).dtype == np.float32
    t32 = torch.arange(3, dtype=torch.float32)
    t64 = torch.tensor(2.0, dtype=torch.float64)  # 0-d: does not promote under *
    assert (t32 * t64).dtype == torch.float32
    assert e.jacobian(0).dense(t32, t64).dtype == torch.float32
    assert e.jacobian(1).compact(t32, t64).dtype == torch.float32
    ints = np.arange(3)
    assert e.jacobian(0).dense(ints, 2).dtype == (ints * 2).dtype
    # vjp: the operand's dtype, as backward leaves it in .grad
    b64 = torch.ones(3, dtype=torch.float64)
    assert explain((3,), (3,)).jacobian(0).vjp(torch.ones(3, dtype=torch.float64), t32, b64).dtype \
        == torch.float32


def test_errors_are_one_line():
    e = explain((3,), (2, 3))
    with pytest.raises(BroadcastError, match="operand 2 does not exist"):
        e.jacobian(2)
    with pytest.raises(BroadcastError, match="for \\* and @, not '\\+'"):
        explain((3,), (3,), op="+").jacobian(0)
    with pytest.raises(BroadcastError, match="has shape \\(2,\\) but this Jacobian is for \\(3,\\)"):
        e.jacobian(0).dense(np.ones(2), np.ones((2, 3)))
    with pytest.raises(BroadcastError, match="gradient has shape \\(3,\\)"):
        e.jacobian(0).vjp(np.ones(3), np.ones(3), np.ones((2, 3)))
    assert e.jacobian(-1).k == 1
