"""The fast paths of bc.multiply and bc.einsum (issue 19): a call that hits the cache gives
what the first, checking call gives — values bit for bit, dtype, and the same errors."""
import operator
from functools import reduce

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.corpus.arrays import DTYPES, values
from broadcasting.explicit import clear_caches

SHAPES = st.integers(1, 3).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, min_dims=0, max_dims=3, min_side=1, max_side=3))
LIBS = ("numpy", "torch")


def _arrays(shapes, dtypes, lib, seed=0):
    out = [values(np.random.default_rng(seed + k), s, d) for k, (s, d) in enumerate(zip(shapes, dtypes))]
    return out if lib == "numpy" else [torch.from_numpy(np.asarray(x)) for x in out]


def _same(got, want):
    assert type(got) is type(want) and got.dtype == want.dtype and tuple(got.shape) == tuple(want.shape)
    if isinstance(got, torch.Tensor):
        if got.dtype == torch.complex32:
            got, want = got.to(torch.complex64), want.to(torch.complex64)
        assert torch.equal(got, want)
    else:
        assert np.array_equal(got, want, equal_nan=got.dtype.kind in "fc")


def _outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as err:  # noqa: BLE001 - the test compares errors
        return "error", (type(err), str(err))


def _miss_then_hit(fn, *args):
    """(first call after forgetting every cache, second call, third call)."""
    clear_caches()
    return _outcome(fn, *args), _outcome(fn, *args), _outcome(fn, *args)


def _check_same_outcomes(outcomes, want):
    for kind, got in outcomes:
        if want[0] == "error":
            assert kind == "error" and got[0] is want[1][0] and got[1] == want[1][1]
        else:
            assert kind == "ok", got
            _same(got, want[1])


@settings(max_examples=120, deadline=None)
@given(SHAPES, st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.sampled_from(LIBS))
def test_multiply_hit_and_miss_equal_star(shapes, left, right, lib):
    shapes = shapes.input_shapes
    arrays = _arrays(shapes, [left] + [right] * (len(shapes) - 1), lib)
    want = _outcome(lambda *xs: reduce(operator.mul, xs), *arrays)
    _check_same_outcomes(_miss_then_hit(bc.multiply, *arrays), want)


@settings(max_examples=120, deadline=None)
@given(SHAPES, st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.sampled_from(LIBS))
def test_explained_einsum_hit_and_miss_equal_star(shapes, left, right, lib):
    shapes = shapes.input_shapes
    arrays = _arrays(shapes, [left] + [right] * (len(shapes) - 1), lib)
    want = _outcome(lambda *xs: reduce(operator.mul, xs), *arrays)
    if want[0] == "error":  # e.g. torch refuses some bool/uint mixes
        return
    e = bc.explain(*arrays)
    operands = e.einsum_operands(*arrays)
    outcomes = _miss_then_hit(bc.einsum, e.einsum, *operands)
    if _prefix_dtypes(arrays) == _prefix_dtypes(operands):
        _check_same_outcomes(outcomes, want)
        return
    # the documented limit (``keep_product_dtype``): a torch operand indexed down to 0-d no
    # longer promotes the running product of a chain of 3+; the dtype is the chain's, values close
    first = outcomes[0][1]
    for kind, got in outcomes:  # a hit gives what the miss gave, bit for bit
        assert kind == "ok", got
        _same(got, first)
    assert first.dtype == want[1].dtype and tuple(first.shape) == tuple(want[1].shape)
    assert torch.allclose(first.to(torch.complex128 if first.is_complex() else torch.float64),
                          want[1].to(torch.complex128 if first.is_complex() else torch.float64),
                          rtol=1e-2, atol=1e-3, equal_nan=True)


def _prefix_dtypes(xs):
    """The dtype of each running product of the ``*`` chain ``xs[0] * xs[1] * …`` (on one
    element of each: what promotes is the dtype and whether the operand is 0-d)."""
    xs = [x.reshape(-1)[:1] if len(x.shape) else x for x in xs]
    out, running = [], xs[0]
    for x in xs[1:]:
        try:
            running = running * x
        except Exception:  # noqa: BLE001 - a refused mix: compared as a whole above
            return None
        out.append(running.dtype)
    return out


@settings(max_examples=80, deadline=None)
@given(SHAPES, st.sampled_from(LIBS))
def test_einsum_over_the_unexplained_shapes_refuses_alike_on_every_call(shapes, lib):
    """The einsum of the broadcast shape over the operands as given (stretched axes kept):
    refused whenever a size-1 axis would be stretched, with the same message every time."""
    shapes = shapes.input_shapes
    arrays = _arrays(shapes, ["float64"] * len(shapes), lib)
    e = bc.explain(*shapes)
    labels = e.plan.result_labels
    terms = [("".join(labels[len(labels) - len(s):])) for s in shapes]
    equation = ",".join(terms) + "->" + "".join(labels)
    outcomes = _miss_then_hit(bc.einsum, equation, *arrays)
    stretched = any(not a.kept for o in e.operands for a in o.axes)
    if stretched:
        assert all(kind == "error" for kind, _ in outcomes)
        assert outcomes[0][1] == outcomes[1][1] == outcomes[2][1]
        assert outcomes[0][1][0] is bc.BroadcastError
        assert "would stretch the size-1 axis" in outcomes[0][1][1]
    else:
        _check_same_outcomes(outcomes, ("ok", reduce(operator.mul, arrays)))


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("left", DTYPES)
def test_contraction_and_views_paths_keep_the_dtype_on_every_call(lib, left):
    """Every corpus dtype pair through the cached contraction dtype and the lined-up views."""
    for right in DTYPES:
        a, B = _arrays([(2,), (2, 3)], [left, right], lib)
        try:
            product = a[:, None] * B
        except (TypeError, RuntimeError):
            continue
        for equation, want in (("i,ij->ij", product), ("i,ij->j", None), ("i,ij->ji", product.T)):
            outcomes = _miss_then_hit(bc.einsum, equation, a, B)
            if want is None:  # a contraction: the dtype of *, values summed in it
                assert all(kind == "ok" and got.dtype == product.dtype for kind, got in outcomes)
                _same(outcomes[1][1], outcomes[0][1])
                _same(outcomes[2][1], outcomes[0][1])
            else:
                _check_same_outcomes(outcomes, ("ok", want))


def test_python_numbers_are_never_cached_by_value():
    """A Python number's value can decide an error (torch overflows on 2**70): never cached."""
    t = torch.ones(2, dtype=torch.int8)
    assert bc.einsum(",i->", 3, t).dtype == torch.int8
    with pytest.raises((OverflowError, RuntimeError), match="[Oo]verflow|too big"):
        bc.einsum(",i->", 2 ** 70, t)
    assert bc.einsum(",i->", 3, t).tolist() == 6
    assert bc.einsum(",->", 2.0, 3.0).dtype == np.float64 and bc.einsum(",->", 2.0, 3.0) == 6.0


def test_mixed_libraries_are_refused_on_every_call():
    a, t = np.ones(3), torch.ones(2, 3)
    for _ in range(3):
        with pytest.raises(TypeError, match="convert one side"):
            bc.einsum("j,ij->ji", a, t)
        with pytest.raises(TypeError, match="convert one side"):
            bc.einsum("j,ij->j", a, t)


def test_multiply_errors_alike_on_every_call():
    a, b = np.ones((2, 3)), np.ones(2)
    for _ in range(3):
        with pytest.raises(bc.BroadcastError, match=r"axis -1 has 3 vs 2.*b\[:, None\]"):
            bc.multiply(a, b)
    with pytest.raises(bc.BroadcastError, match="at least one operand"):
        bc.multiply()
    assert bc.multiply(a) is a and bc.multiply(2, 3) == 6


def test_a_full_cache_starts_again_and_answers_alike():
    from broadcasting import explicit
    clear_caches()
    x = np.ones(3)
    for n in range(explicit._LIMIT + 5):
        assert bc.multiply(np.ones((n % 7 + 1, 3)) if n < 7 else np.ones((1, n, 1)), x).shape[-1] == 3
    assert 0 < len(explicit._PRODUCTS) <= explicit._LIMIT
    assert bc.multiply(np.ones((2, 3)), x).shape == (2, 3)


@pytest.mark.parametrize("lib", LIBS)
def test_one_key_many_dtypes_without_forgetting(lib):
    """The same equation and shapes in every dtype pair, the caches kept warm throughout: the
    dtype of each call is that of its own operands' ``*``, never an earlier call's."""
    clear_caches()
    for _ in range(2):
        for left in DTYPES:
            for right in DTYPES:
                a, B = _arrays([(2,), (2, 3)], [left, right], lib)
                try:
                    want = (a[:, None] * B).dtype
                except (TypeError, RuntimeError):
                    continue
                assert bc.einsum("i,ij->j", a, B).dtype == want, (left, right)
                assert bc.einsum("i,ij->ij", a, B).dtype == want
                assert bc.multiply(a[:, None], B).dtype == want


def test_numpy_matrix_is_refused_after_a_cache_hit_on_its_shape():
    """The fast paths check operand types too: a cached (2, 2) ndarray product must not let a
    numpy.matrix of the same shape through (its * is the matrix product)."""
    a = np.arange(4.0).reshape(2, 2)
    m = np.asmatrix(a)
    for _ in range(2):  # miss, then hit
        np.testing.assert_array_equal(bc.multiply(a, a), a * a)
        np.testing.assert_array_equal(bc.einsum("ij,ij->ij", a, a), a * a)
    for call in (lambda: bc.multiply(m, a), lambda: bc.multiply(a, a, m),
                 lambda: bc.einsum("ij,ij->ij", a, m), lambda: bc.einsum("ij,ij,ij->ij", a, a, m)):
        with pytest.raises(bc.BroadcastError, match="numpy.matrix"):
            call()


def test_the_chain_dtype_limit_of_keep_product_dtype():
    """The example that found the limit (hypothesis): the dtype is the chain's, values close."""
    xs = [torch.tensor([[0.1]], dtype=torch.float16), torch.tensor([0.3]), torch.tensor([0.7, 1.1])]
    e = bc.explain(*xs)
    got = bc.einsum(e.einsum, *e.einsum_operands(*xs))
    want = xs[0] * xs[1] * xs[2]
    assert got.dtype == want.dtype == torch.float32 and torch.allclose(got, want, rtol=1e-3)
    assert _prefix_dtypes(xs) != _prefix_dtypes(e.einsum_operands(*xs))
