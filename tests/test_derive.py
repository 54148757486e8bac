"""bc.derive: the derived backward function agrees with torch autograd, op by op, over shapes,
for numpy and torch inputs; every einsum it writes passes the no-implicit-broadcasting check."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.explicit import parse_equation

from derive_cases import BINARY, REDUCE, UNARY

SETTINGS = settings(max_examples=12, deadline=None)


def arrays(shapes, seed, lib, dtype="float64"):
    rng = np.random.default_rng(seed)
    out = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return out if lib == "numpy" else [torch.from_numpy(a) for a in out]


def autograd(f, args, grad_out):
    leaves = [torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True) for a in args]
    out = f(*leaves)
    grads = torch.autograd.grad(out, leaves, torch.as_tensor(np.asarray(grad_out)),
                                allow_unused=True)
    return [np.zeros(a.shape) if g is None else g.numpy() for a, g in zip(leaves, grads)]


def assert_close(got, want, rtol=1e-12):
    got = np.asarray(got.detach() if hasattr(got, "detach") else got, dtype=np.float64)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert float(np.max(np.abs(got - want), initial=0.0)) <= rtol * scale


def check(f, f_torch, args, lib, rtol=1e-12):
    """derive(f) on args; compare each gradient with autograd of f_torch; check the einsums."""
    d = bc.derive(f, *args)
    out = f(*args)
    g = arrays([tuple(out.shape)], 99, lib, str(out.dtype).replace("torch.", ""))[0]
    grads = d.function(g, *args)
    want = autograd(f_torch, args, g)
    assert len(grads) == len(want)
    for got, w, a in zip(grads, want, args):
        assert got.dtype == a.dtype
        assert_close(got, w, rtol)
    for eq, shapes in d.einsums:
        parse_equation(eq, shapes)
    return d


LIBS = ("numpy", "torch")


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 99))
def test_unary(name, lib, shape, seed):
    f = UNARY[name]
    check(f[lib], f["torch"], arrays([shape], seed, lib), lib)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 99))
def test_binary_broadcasting(name, lib, shapes, seed):
    f = BINARY[name]
    d = check(f, f, arrays(shapes.input_shapes, seed, lib), lib)
    assert "broadcast_to" not in d.source.split("# backward")[1] or name == "div"


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", sorted(REDUCE))
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 99),
       data=st.data())
def test_reductions(name, lib, shape, seed, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1,
                                        unique=True).map(tuple)))
    keep = data.draw(st.booleans())
    f = REDUCE[name]
    if axis is None and lib == "torch":
        axis_t = tuple(range(len(shape)))
    else:
        axis_t = axis
    fn = (lambda x: f["numpy"](x, axis, keep)) if lib == "numpy" else \
        (lambda x: f["torch"](x, axis_t, keep))
    check(fn, lambda x: f["torch"](x, tuple(range(len(shape))) if axis is None else axis, keep),
          arrays([shape], seed, lib), lib)


@st.composite
def matmul_shapes(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a = draw(st.sampled_from([(k,), (m, k)]))
    b = draw(st.sampled_from([(k,), (k, n)]))
    if len(a) == 2 and len(b) == 2:
        a, b = batch.input_shapes[0] + a, batch.input_shapes[1] + b
    return a, b


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(shapes=matmul_shapes(), seed=st.integers(0, 99))
def test_matmul(lib, shapes, seed):
    d = check(lambda a, b: a @ b, lambda a, b: a @ b, arrays(shapes, seed, lib), lib)
    assert "einsum" in d.source


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(shape=array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=3), seed=st.integers(0, 99),
       data=st.data())
def test_transposes_and_reshapes(lib, shape, seed, data):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    if lib == "numpy":
        f = lambda x, w: (np.transpose(x, perm) * 2.0).T.reshape(-1) * w
    else:
        f = lambda x, w: (x.permute(*perm) * 2.0).transpose(0, -1).reshape(-1) * w
    ft = lambda x, w: (x.permute(*perm) * 2.0).transpose(0, -1).reshape(-1) * w
    if lib == "numpy":  # numpy's .T reverses every axis
        ft = lambda x, w: (x.permute(*perm) * 2.0).permute(*reversed(range(len(shape)))) \
            .reshape(-1) * w
    n = int(np.prod(shape))
    check(f, ft, arrays([shape, (n,)], seed, lib), lib)


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), seed=st.integers(0, 99))
def test_views(lib, shape, seed):
    if lib == "numpy":
        f = lambda x: np.tanh(np.expand_dims(x, 1).reshape(shape[0], -1).ravel()[None, :].squeeze())
    else:
        f = lambda x: torch.tanh(x.unsqueeze(1).view(shape[0], -1).flatten()[None, :].squeeze())
    ft = lambda x: torch.tanh(x.reshape(-1))
    check(f, ft, arrays([shape], seed, lib), lib)
