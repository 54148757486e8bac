"""The index oracle against numpy's own broadcasting, on hypothesis shapes."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from broadcasting.corpus.oracle import OracleMismatch, index_maps, oracle_grads, oracle_value
from broadcasting.corpus.shapes import MATMUL_SIGNATURE


@settings(max_examples=60, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3, min_side=0))
def test_elementwise_oracle_equals_numpy(shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    for op, f in (("*", np.multiply), ("-", np.subtract)):
        want = f(f(arrays[0], arrays[1]), arrays[2])
        np.testing.assert_array_equal(oracle_value(op, arrays, shapes.result_shape), want)


@settings(max_examples=60, deadline=None)
@given(mutually_broadcastable_shapes(signature=MATMUL_SIGNATURE, max_dims=2, max_side=3, min_side=0))
def test_matmul_oracle_equals_numpy(shapes):
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    np.testing.assert_allclose(oracle_value("@", [a, b], shapes.result_shape), a @ b, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_gradient_oracle_equals_torch_autograd(shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    grad = rng.standard_normal(shapes.result_shape)
    ts = [torch.tensor(x, requires_grad=True) for x in arrays]
    (ts[0] * ts[1]).backward(torch.tensor(grad))
    for got, t in zip(oracle_grads("*", arrays, grad, shapes.result_shape), ts):
        np.testing.assert_allclose(got, t.grad.numpy(), atol=1e-12)


def test_maps_use_no_broadcasting():
    maps = index_maps("*", ((3,), (2, 1)), (2, 3))
    assert all(m.shape == (2, 3) for m in maps.operands)
    assert maps.operands[0].tolist() == [[0, 1, 2], [0, 1, 2]]
    assert maps.operands[1].tolist() == [[0, 0, 0], [1, 1, 1]]


def test_wrong_claimed_shape_is_refused():
    with pytest.raises(OracleMismatch, match="does not fit"):
        oracle_value("*", [np.ones(3), np.ones((2, 3))], (2, 4))
    with pytest.raises(OracleMismatch):
        oracle_value("@", [np.ones((2, 3)), np.ones((3, 4))], (4, 2))
