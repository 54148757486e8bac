"""The broadcasting rules against numpy and torch, and the error messages."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.shapes import MATCH, NEW, STRETCHED, as_shape, axis_roles, format_shape


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, min_dims=0, max_dims=6, min_side=0, max_side=4)))
def test_agrees_with_numpy_and_torch(data):
    shapes, result = data.input_shapes, data.result_shape
    assert bc.broadcast_shapes(*shapes) == result
    assert bc.broadcast_shapes(*shapes) == np.broadcast_shapes(*shapes)
    assert bc.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))


@settings(max_examples=200, deadline=None)
@given(st.lists(array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3), min_size=2, max_size=4))
def test_errors_exactly_when_numpy_errors(shapes):
    try:
        expected = np.broadcast_shapes(*shapes)
    except ValueError:
        with pytest.raises(bc.BroadcastError):
            bc.broadcast_shapes(*shapes)
        with pytest.raises(RuntimeError):
            torch.broadcast_shapes(*shapes)
    else:
        assert bc.broadcast_shapes(*shapes) == expected


def test_special_cases():
    assert bc.broadcast_shapes() == ()
    assert bc.broadcast_shapes(3) == (3,)
    assert bc.broadcast_shapes(5, (4, 1), ()) == (4, 5)
    assert bc.broadcast_shapes((0,), (1,)) == (0,)
    assert bc.broadcast_shapes((2, 0, 3), (1, 3)) == (2, 0, 3)
    assert bc.broadcast_shapes(torch.Size([2, 1]), np.int64(3)) == (2, 3)
    assert bc.broadcast_shapes([2, 1], (np.int32(3),)) == (2, 3)
    assert isinstance(bc.BroadcastError("x"), ValueError)


def test_no_32_dimension_cap():
    big = (1,) * 40 + (2,)
    assert bc.broadcast_shapes(big, (3, 1)) == (1,) * 39 + (3, 2)
    with pytest.raises((ValueError, RuntimeError)):
        np.broadcast_shapes(big, (3, 1))  # numpy caps broadcast_shapes at 32 (its ufuncs at 64)
    assert bc.broadcast_shapes(*[(1,) * k + (k,) for k in range(1, 2)], (1,) * 64) == (1,) * 63 + (1,)


def test_error_message_names_operands_axis_sizes_and_fix():
    with pytest.raises(bc.BroadcastError) as info:
        bc.broadcast_shapes((2, 3), (2,))
    assert str(info.value) == ("cannot broadcast operand 0 of shape (2, 3) with operand 1 of shape "
                               "(2,): axis -1 has 3 vs 2 (neither is 1); did you mean b[:, None] "
                               "(shape (2, 1))?")
    with pytest.raises(bc.BroadcastError, match=r"operand 2 of shape \(4,\).*axis -1 has 3 vs 4"):
        bc.broadcast_shapes((3,), (2, 3), (4,))
    with pytest.raises(bc.BroadcastError, match=r"did you mean b\.T \(shape \(2, 3\)\)"):
        bc.broadcast_shapes((2, 3), (3, 2))
    with pytest.raises(bc.BroadcastError, match="0 vs 3"):
        bc.broadcast_shapes((0,), (3,))
    with pytest.raises(bc.BroadcastError, match=r"did you mean c\[:, None, None\]"):
        bc.broadcast_shapes((4, 5, 6), (1,), (4,))


@pytest.mark.parametrize("bad, why", [
    ((2, -1), "size -1 is negative"),
    ((2.0, 3), "size 2.0 is a float"),
    ((True, 3), "size True is a bool"),
    ("23", "a str is not a shape"),
    (None, "a NoneType is not a shape"),
    (((2,), 3), r"size \(2,\) is a tuple"),
    (2.5, "a float is not a shape"),
    (-3, "size -3 is negative"),
])
def test_bad_input(bad, why):
    with pytest.raises(bc.BroadcastError, match="operand 1: .*is not a shape: " + why):
        bc.broadcast_shapes((1,), bad)


def test_roles():
    assert axis_roles([(3,), (2, 3)]) == ((NEW, MATCH), (MATCH, MATCH))
    assert axis_roles([(2, 1), (1, 3)]) == ((MATCH, STRETCHED), (STRETCHED, MATCH))
    assert axis_roles([(1,), (0,)]) == ((STRETCHED,), (MATCH,))  # 1 stretched to 0 copies
    assert as_shape(torch.Size([2])) == (2,) and type(as_shape(torch.Size([2]))) is tuple
    assert format_shape(()) == "()" and format_shape((1,)) == "(1,)"
