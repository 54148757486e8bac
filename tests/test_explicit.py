"""The explicit runtime: values and dtypes equal to `*`, refusals of implicit broadcasting."""
import operator
from functools import reduce

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.explicit import parse_equation

DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
NUMBERS = [True, 3, 1.5, 2j]


def _np(dtype, shape):
    return (np.arange(int(np.prod(shape))).reshape(shape) % 3 + 1).astype(dtype)


def _torch(dtype, shape):
    return torch.from_numpy(np.asarray(_np(dtype, shape)))


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("right", DTYPES + ["0d-float64", "0d-int64", "0d-complex128"] + NUMBERS)
def test_dtype_of_multiply_and_einsum_equals_star(left, right):
    for make in (_np, _torch):
        a = make(left, (2, 3))
        if isinstance(right, str) and right.startswith("0d-"):
            b, eq = make(right[3:], ()), "ij,->ij"
        elif isinstance(right, str):
            b, eq = make(right, (3,)), "ij,j->ij"
        else:
            b, eq = right, "ij,->ij"
        try:
            expected = a * b
        except (TypeError, RuntimeError):  # e.g. torch refuses some bool/uint mixes
            continue
        got = bc.multiply(a, b)
        assert got.dtype == expected.dtype
        assert bc.einsum(eq, a, b).dtype == expected.dtype, (make.__name__, left, right)
        summed = bc.einsum(eq.replace("->ij", "->i"), a, b)  # the contraction path
        assert summed.dtype == expected.dtype, (make.__name__, left, right, "contraction")
        if str(expected.dtype).split('.')[-1] not in ('float16', 'complex32'):
            np.testing.assert_allclose(np.asarray(got), np.asarray(expected))


def test_dtype_traps():
    f32 = np.ones((2, 3), dtype=np.float32)
    assert np.einsum(",ij->i", 2.0, f32).dtype == np.float64  # the trap …
    assert bc.einsum(",ij->i", 2.0, f32).dtype == np.float32   # … avoided
    t32 = torch.ones(2, 3)
    s64 = torch.tensor(2.0, dtype=torch.float64)
    assert torch.einsum(",ij->i", s64, t32).dtype == torch.float64
    assert bc.einsum(",ij->i", s64, t32).dtype == torch.float32
    torch.testing.assert_close(bc.einsum(",ij->i", s64, t32), torch.full((2,), 6.0))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, max_dims=4, min_side=0, max_side=3)))
def test_multiply_and_einsum_values(data):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in data.input_shapes]
    expected = reduce(operator.mul, arrays)
    np.testing.assert_array_equal(bc.multiply(*arrays), expected)
    e = bc.explain(*arrays)
    np.testing.assert_allclose(bc.einsum(e.einsum, *e.einsum_operands(*arrays)), expected, rtol=1e-6)
    tensors = [torch.from_numpy(a) for a in arrays]
    torch.testing.assert_close(bc.multiply(*tensors), reduce(operator.mul, tensors))
    torch.testing.assert_close(bc.einsum(e.einsum, *e.einsum_operands(*tensors)),
                               reduce(operator.mul, tensors))


def test_einsum_refuses_size_one_broadcasting():
    with pytest.raises(bc.BroadcastError, match="label 'j' has size 1 in operand 0 .* but 3 in operand 1"):
        bc.einsum("j,ij->ij", np.ones(1), np.ones((2, 3)))
    with pytest.raises(bc.BroadcastError, match="label 'i' has size 2 .* but 3"):
        bc.einsum("i,i->i", torch.ones(2), torch.ones(3))
    with pytest.raises(bc.BroadcastError, match=r"'\.\.\.' is \(2,\) in operand 0 but \(1,\) in operand 1"
                       r".*name the axes"):
        bc.einsum("...j,...j->...j", np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(bc.BroadcastError, match=r"'\.\.\.' is \(2, 3\) in operand 0 but \(3,\) in operand 1"):
        bc.einsum("...,...->...", torch.ones((2, 3)), torch.ones(3))
    with pytest.raises(bc.BroadcastError, match="the output 'i' does not"):
        bc.einsum("...i,...i->i", np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(bc.BroadcastError, match="at most once"):
        bc.einsum("......,i->i", np.ones(3), np.ones(3))
    with pytest.raises(bc.BroadcastError, match="names 2 operands but 1"):
        bc.einsum("i,i->i", np.ones(2))
    with pytest.raises(bc.BroadcastError, match="operand 0 has shape \\(2, 3\\) \\(2 axes\\)"):
        bc.einsum("i->i", np.ones((2, 3)))
    with pytest.raises(bc.BroadcastError, match="output label 'k' is in no operand"):
        bc.einsum("i->k", np.ones(2))
    with pytest.raises(TypeError, match="convert one side"):
        bc.einsum("i,i->i", np.ones(2), torch.ones(2))


def test_einsum_general_forms():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(bc.einsum("ij->ji", A), A.T)
    np.testing.assert_array_equal(bc.einsum("ij,jk->ik", A, A.T), A @ A.T)
    np.testing.assert_array_equal(bc.einsum("ii->i", np.eye(3)), np.ones(3))
    np.testing.assert_array_equal(bc.einsum("ij", A), A)  # implicit output: labels once, sorted
    b = torch.tensor([[True, False], [False, False]])
    assert bc.einsum("ij,j->i", b, torch.tensor([True, True])).tolist() == [True, False]
    assert parse_equation("j,ij->ij", ((3,), (2, 3))).elementwise
    assert not parse_equation("ij,j->i", ((2, 3), (3,))).elementwise


def test_autograd_flows_through_einsum_and_multiply():
    a = torch.randn(3, requires_grad=True)
    B = torch.randn(2, 3, requires_grad=True)
    bc.einsum("j,ij->ij", a, B).sum().backward()
    torch.testing.assert_close(a.grad, B.detach().sum(0))
    a.grad = None
    bc.multiply(a, B).sum().backward()
    torch.testing.assert_close(a.grad, B.detach().sum(0))


@settings(max_examples=100, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=3))
def test_unbroadcast_is_the_backward_of_broadcasting(data):
    shape, other = data.input_shapes
    a = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    out = a + torch.zeros(other, dtype=torch.float64)
    grad = torch.randn(out.shape, dtype=torch.float64)
    out.backward(grad)
    torch.testing.assert_close(bc.unbroadcast(grad, shape), a.grad)
    np.testing.assert_allclose(bc.unbroadcast(grad.numpy(), shape), a.grad.numpy())
    assert bc.unbroadcast(grad.numpy(), shape).shape == shape


def test_unbroadcast_errors_and_dtype():
    with pytest.raises(bc.BroadcastError, match="cannot unbroadcast a gradient of shape \\(2, 3\\) to \\(2,\\)"):
        bc.unbroadcast(np.ones((2, 3)), (2,))
    with pytest.raises(bc.BroadcastError, match="does not broadcast"):
        bc.unbroadcast(np.ones((3,)), (2, 3))
    assert bc.unbroadcast(np.ones((2, 3), dtype=np.float32), 3).dtype == np.float32
    assert bc.unbroadcast(torch.ones(2, 3, dtype=torch.float16), (1, 3)).dtype == torch.float16


def test_multiply_errors():
    with pytest.raises(bc.BroadcastError, match="axis -1 has 3 vs 2"):
        bc.multiply(np.ones((2, 3)), np.ones(2))
    with pytest.raises(bc.BroadcastError, match="at least one"):
        bc.multiply()
    assert bc.multiply(2, np.ones(2)).dtype == np.float64


_ELLIPSIS_CASES = [
    ("...,...->...", [(3, 3), (3, 3)]),
    ("...,...->...", [(3,), (3,)]),
    ("...,...,...->...", [(2, 0, 3), (2, 0, 3), (2, 0, 3)]),
    ("...,...->...", [(), ()]),
    ("...j,...j->...", [(2, 4, 3), (2, 4, 3)]),
    ("...ij,...jk->...ik", [(4, 2, 3), (4, 3, 5)]),
    ("i...,i...->...", [(2, 3), (2, 3)]),
    ("...j,j->...j", [(2, 3), (3,)]),
    ("...,...", [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float32", "float64"), ("int8", "int16")])
@pytest.mark.parametrize("equation,shapes", _ELLIPSIS_CASES)
def test_einsum_ellipsis_without_broadcasting_matches_np_and_torch(equation, shapes, dtypes):
    rng = np.random.default_rng(1)
    arrays = [np.asarray(rng.standard_normal(s) * 3).astype(dtypes[k % 2])
              for k, s in enumerate(shapes)]
    expected = np.einsum(equation, *arrays)
    star = reduce(operator.mul, [np.zeros((1,) * a.ndim, a.dtype) for a in arrays])  # its dtype
    got = bc.einsum(equation, *arrays)
    assert got.dtype == star.dtype
    np.testing.assert_allclose(got, expected.astype(star.dtype), rtol=1e-5)
    tensors = [torch.from_numpy(a) for a in arrays]
    tstar = reduce(operator.mul, [torch.zeros((1,) * t.dim(), dtype=t.dtype) for t in tensors])
    tgot = bc.einsum(equation, *tensors)
    assert tgot.dtype == tstar.dtype
    wide = [t.to(tstar.dtype) for t in tensors]
    torch.testing.assert_close(tgot, torch.einsum(equation, *wide), rtol=1e-5, atol=1e-5)


def test_einsum_all_ellipsis_equal_shapes_is_the_native_product():
    assert parse_equation("...,...->...", ((3, 3), (3, 3))).direct
    a, b = np.float32(2.0) * np.ones((3, 3), np.float32), np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(bc.einsum("...,...->...", a, b), a * b)
    t = torch.ones((), dtype=torch.float64)
    s = torch.ones(3, dtype=torch.float32)
    # 0-d tensors: ellipsis () in both, the product keeps the dtype of `*`
    assert bc.einsum("...,...->...", t, torch.ones((), dtype=torch.float32)).dtype == torch.float64
    assert bc.einsum("...,...->...", s, s).dtype == torch.float32
    assert bc.einsum(",...->...", 2.0, s).dtype == torch.float32


# issue 13.2: an operand whose axes are all stretched is indexed to 0-d for the einsum; torch's
# 0-d tensors take no part in type promotion, so the explanation's einsum must not lose the dtype
STRETCH_SHAPES = [((1,), (2,)), ((2,), (1,)), ((1,), (2, 3)), ((1, 1), (3,)), ((2, 3), (1, 1)),
                  ((1,), (1, 3), (2, 1)), ((), (1,), (2,)), ((1, 1), ()), ((2, 1), (1, 3))]


def _corpus_values(shape, dtype, seed):
    from broadcasting.corpus.arrays import values
    return values(np.random.default_rng(seed), shape, dtype)


def _torch_equal(a, b):
    """torch.equal, through complex64 for complex32 (which has no comparison kernel)."""
    if a.dtype == torch.complex32:
        a, b = a.to(torch.complex64), b.to(torch.complex64)
    return torch.equal(a, b)


def _explained_einsum_matches_star(arrays, equal):
    e = bc.explain(*arrays)
    want = reduce(operator.mul, arrays)
    got = bc.einsum(e.einsum, *e.einsum_operands(*arrays))
    assert got.dtype == want.dtype, (e, [x.dtype for x in arrays], got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    assert equal(got, want), (e, got, want)


@pytest.mark.parametrize("shapes", STRETCH_SHAPES, ids=str)
@pytest.mark.parametrize("left", DTYPES)
def test_explained_einsum_keeps_the_dtype_and_values_of_star(shapes, left):
    """Every dtype pair of the corpus, the first operand of ``left``, each other of each dtype,
    numpy and torch: ``bc.einsum(e.einsum, *e.einsum_operands(…))`` is ``*`` bit for bit."""
    for right in DTYPES:
        dtypes = [left] + [right] * (len(shapes) - 1)
        arrays = [_corpus_values(s, d, seed) for seed, (s, d) in enumerate(zip(shapes, dtypes))]
        if len(shapes) == 2:  # pairs: bit for bit
            _explained_einsum_matches_star(arrays, lambda a, b: np.array_equal(a, b))
        tensors = [torch.from_numpy(x) for x in arrays]
        if len(shapes) == 2:
            _explained_einsum_matches_star(tensors, _torch_equal)
        else:  # a chain: the dtype of `*`, values computed once in that dtype
            _explained_einsum_matches_star(tensors, lambda a, b: torch.allclose(
                a.to(torch.complex128), b.to(torch.complex128), rtol=1e-2, atol=1e-2))


def test_issue_examples_of_lost_dtypes():
    a, b = torch.tensor([-2]), torch.tensor([3, 3], dtype=torch.uint8)
    e = bc.explain(a, b)
    got = bc.einsum(e.einsum, *e.einsum_operands(a, b))
    assert got.dtype == torch.int64 and got.tolist() == [-6, -6]
    for x, y in [(torch.ones(1, dtype=torch.float64) / 3, torch.ones(2, 3) / 7),
                 (torch.ones(1) / 3, torch.ones(2, dtype=torch.float16) / 7)]:
        e = bc.explain(x, y)
        got = bc.einsum(e.einsum, *e.einsum_operands(x, y))
        assert got.dtype == (x * y).dtype and torch.equal(got, x * y)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_leading_python_numbers_stay_weak(lib):
    """``2.0 * 3.0 * x`` is 6.0 * x: float16 stays float16 (issue 13.3), also in a contraction."""
    x = np.ones(3, np.float16) if lib == "numpy" else torch.ones(3, dtype=torch.float16)
    assert bc.einsum(",,i->", 2.0, 3.0, x).dtype == (2.0 * 3.0 * x).dtype == x.dtype
    assert bc.einsum(",,i->i", 2.0, 3.0, x).dtype == x.dtype
    y = np.ones(3, np.int8) if lib == "numpy" else torch.ones(3, dtype=torch.int8)
    assert bc.einsum(",,i->", 2, 3, y).dtype == (2 * 3 * y).dtype
    assert bc.einsum(",,i->", True, 2.5, y).dtype == (True * 2.5 * y).dtype
    e = bc.explain((), (), (3,))
    j = e.jacobian(2).dense(2.0, 3.0, x)
    assert j.dtype == x.dtype


def test_multiply_and_einsum_take_any_number_of_operands_and_show_them_as_operands():
    # issue 19: the first two operands are named parameters (no tuple on the tiny-product path);
    # every count still works, and help() still shows *operands
    import inspect
    x = np.arange(3.0)
    assert str(inspect.signature(bc.multiply)) == "(*operands)"
    assert str(inspect.signature(bc.einsum)) == "(equation: str, /, *operands)"
    with pytest.raises(bc.BroadcastError, match="at least one operand"):
        bc.multiply()
    assert bc.multiply(x) is x and bc.multiply(2, 3) == 6
    assert np.array_equal(bc.multiply(x, x, x), x ** 3)
    assert np.array_equal(bc.einsum("i->i", x), x) and np.array_equal(bc.einsum("i,i,i->i", x, x, x), x ** 3)
    with pytest.raises(bc.BroadcastError, match="names 2 operands but 0 were given"):
        bc.einsum("i,i->i")
    for _ in range(2):  # a miss, then the cached pair
        assert np.array_equal(bc.multiply(x, x), x * x) and np.array_equal(bc.einsum("i,i->i", x, x), x * x)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_multiply_says_why_shapes_do_not_fit_on_every_call(lib):
    # issue 19: the two-operand path lets * apply the rules; where * refuses (numpy ValueError,
    # torch RuntimeError) multiply still raises the library's precise BroadcastError
    make = np.ones if lib == "numpy" else torch.ones
    a, b = make((2, 3)), make((4, 3))
    bc.multiply(make((1, 3)), make((2, 3)))  # the types are known now: the fast path
    for _ in range(2):
        with pytest.raises(bc.BroadcastError, match=r"\(2, 3\).*\(4, 3\)|\(4, 3\).*\(2, 3\)"):
            bc.multiply(a, b)
    got, want = bc.multiply(make(3), make((2, 3))), make(3) * make((2, 3))
    assert type(got) is type(want) and got.dtype == want.dtype and bool((got == want).all())
