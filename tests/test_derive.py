"""bc.derive: the derived backward function agrees with torch autograd, op by op, over shapes,
for numpy and torch inputs; every einsum it writes passes the no-implicit-broadcasting check."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
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


def check(f, f_torch, args, lib, rtol=1e-12, styles=(None, "native")):
    """derive(f) on args (einsum and native styles); compare each gradient with autograd of
    f_torch; check every einsum written."""
    out = f(*args)
    g = arrays([tuple(out.shape)], 99, lib, str(out.dtype).replace("torch.", ""))[0]
    want = autograd(f_torch, args, g)
    for style in styles:
        d = bc.derive(f, *args, style=style)
        grads = d.function(g, *args)
        assert len(grads) == len(want)
        for got, w, a in zip(grads, want, args):
            assert got.dtype == a.dtype
            assert_close(got, w, rtol)
        for eq, shapes in d.einsums:
            parse_equation(eq, shapes)
    return bc.derive(f, *args)


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


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), seed=st.integers(0, 99))
def test_basic_indexing(lib, shape, seed):
    f = lambda x: x[1:, ..., ::2].sum() * x[0, None] + x[-1]
    check(f, f, arrays([shape], seed, lib), lib)


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(vocab=st.integers(1, 5), dim=st.integers(1, 4), batch=st.integers(1, 4),
       block=st.integers(1, 3), seed=st.integers(0, 99))
def test_embedding_lookup_repeats_add_up(lib, vocab, dim, batch, block, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, vocab, (batch, block))
    (C,) = arrays([(vocab, dim)], seed, lib)
    X = X if lib == "numpy" else torch.from_numpy(X)
    f = lambda C, X: C[X] * C[X]
    d = bc.derive(f, C, X)
    g = arrays([(batch, block, dim)], seed + 1, lib)[0]
    (dC,) = d.function(g, C, X)
    leaf = torch.tensor(np.asarray(C), requires_grad=True)
    Xt = torch.as_tensor(np.asarray(X))
    (want,) = torch.autograd.grad(leaf[Xt] * leaf[Xt], [leaf], torch.as_tensor(np.asarray(g)))
    assert_close(dC, want.numpy())


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(n=st.integers(1, 5), c=st.integers(1, 5), seed=st.integers(0, 99))
def test_logprobs_pick(lib, n, c, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    (x,) = arrays([(n, c)], seed, lib)
    y = y if lib == "numpy" else torch.from_numpy(y)
    f = lambda x, y: -x[range(n), y].mean() + x[[0] * n, y].sum()
    d = bc.derive(f, x, y)
    (dx,) = d.function(arrays([()], 3, lib)[0] * 0 + 1.5, x, y)
    leaf = torch.tensor(np.asarray(x), requires_grad=True)
    yt = torch.as_tensor(np.asarray(y))
    out = -leaf[range(n), yt].mean() + leaf[[0] * n, yt].sum()
    (want,) = torch.autograd.grad(out, [leaf], torch.tensor(1.5, dtype=torch.float64))
    assert_close(dx, want.numpy())


TORCH_SOFTMAX = {
    "F.softmax": lambda x, d: F.softmax(x, dim=d),
    "torch.softmax": lambda x, d: torch.softmax(x, d),
    "method softmax": lambda x, d: x.softmax(d),
    "F.log_softmax": lambda x, d: F.log_softmax(x, dim=d),
    "torch.log_softmax": lambda x, d: torch.log_softmax(x, dim=d),
    "method log_softmax": lambda x, d: x.log_softmax(d),
    "max values": lambda x, d: x.max(d, keepdim=True).values * x.max(dim=d)[0].sum(),
}


@pytest.mark.parametrize("name", sorted(TORCH_SOFTMAX))
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 99),
       data=st.data())
def test_torch_softmax_spellings(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    f = lambda x: TORCH_SOFTMAX[name](x, dim)
    check(f, f, arrays([shape], seed, "torch"), "torch")


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@SETTINGS
@given(n=st.integers(1, 5), c=st.integers(1, 5), seed=st.integers(0, 99), one=st.booleans())
def test_cross_entropy(loss, reduction, n, c, seed, one):
    rng = np.random.default_rng(seed)
    shape, tshape = ((c,), ()) if one else ((n, c), (n,))
    y = torch.from_numpy(np.asarray(rng.integers(0, c, tshape)))
    (x,) = arrays([shape], seed, "torch")
    if loss == "cross_entropy":
        f = lambda x: F.cross_entropy(x, y, reduction=reduction)
    else:
        f = lambda x: F.nll_loss(F.log_softmax(x, dim=-1), y, reduction=reduction)
    check(f, f, [x], "torch")


def test_numpy_cross_entropy_spelled_out():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)

    def f(logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logprobs[np.arange(6), y].mean()

    check(f, lambda t: F.cross_entropy(t, torch.from_numpy(y)), [logits], "numpy")


@pytest.mark.parametrize("lib", LIBS)
def test_float32_stays_float32(lib):
    x, W = arrays([(4, 3), (3, 2)], 0, lib, "float32")
    f = lambda x, W: (np.tanh(x @ W) if lib == "numpy" else torch.tanh(x @ W)).mean(0).sum()
    d = bc.derive(f, x, W)
    g = np.float32(1.0) if lib == "numpy" else torch.tensor(1.0)
    dx, dW = d.function(g, x, W)
    assert str(dx.dtype).endswith("float32") and str(dW.dtype).endswith("float32")
    want = autograd(lambda x, W: torch.tanh(x @ W).mean(0).sum(), [x, W], 1.0)
    assert_close(dW, want[1], rtol=1e-5)


def test_value_used_twice_accumulates():
    x = np.array([1.0, -2.0, 3.0])
    d = bc.derive(lambda x: (x * x + x).sum(), x)
    (dx,) = d.function(np.float64(1.0), x)
    np.testing.assert_array_equal(dx, 2 * x + 1)
    assert "dx = dx + " in d.source


def test_wrt_names_one_gradient():
    x, W = np.ones(2), np.arange(6.0).reshape(2, 3)
    d = bc.derive(lambda x, W: (x @ W).sum(), x, W, wrt="W")
    assert d.wrt == ("W",)
    np.testing.assert_array_equal(d.function(np.float64(1.0), x, W), np.ones((2, 3)))
    with pytest.raises(bc.DeriveError, match="wrt='V'"):
        bc.derive(lambda x, W: (x @ W).sum(), x, W, wrt="V")


def test_unused_argument_gets_zeros():
    x, b = np.ones(2), np.ones(3)
    dx, db = bc.derive(lambda x, b: x.sum(), x, b).function(np.float64(2.0), x, b)
    np.testing.assert_array_equal(db, np.zeros(3))
    np.testing.assert_array_equal(dx, np.full(2, 2.0))


def unsupported(x):
    y = x * 2.0
    return np.cumsum(y)  # not covered


def test_unsupported_operation_names_it_and_its_line():
    with pytest.raises(bc.DeriveError) as err:
        bc.derive(unsupported, np.ones(3))
    msg = str(err.value)
    assert "cumsum" in msg and "test_derive.py:" in msg and "np.cumsum(y)" in msg
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("f, what", [
    (lambda x: x.sum() if x[0] > 0 else x, "bool"),
    (lambda x: torch.cumsum(x, 0), "cumsum"),
    (lambda x: x[x > 0], "gt"),
    (lambda x: x.cumprod(0), ".cumprod"),  # (.var is covered: tests/test_real_programs.py)
])
def test_unsupported_torch(f, what):
    with pytest.raises(bc.DeriveError, match=what.replace(".", r"\.")):
        bc.derive(f, torch.ones(3))


def test_steps_records():
    x, W = np.ones(2), np.ones((2, 3))
    d = bc.derive(lambda x, W: np.tanh(x @ W).sum(), x, W)
    assert [s.op for s in d.steps] == ["sum", "tanh", "matmul"]
    mm = d.steps[-1]
    assert mm.shapes == ((2,), (2, 3)) and mm.result_shape == (3,)
    assert "dW[i,j] += x[i] · dt[j]" in mm.index and r"\mathit{dW}_{ij}" in mm.latex
    assert 'np.einsum("i,j->ij", x, dt)' in mm.code and "matmul" in repr(mm)
    assert "```python" in d._repr_markdown_()


def test_einops_style_runs():
    x, W = np.random.default_rng(1).standard_normal((2, 4, 3)), np.ones((3, 5))
    f = lambda x, W: np.tanh(x @ W).sum()
    d = bc.derive(f, x, W, style="einops")
    assert "einops.einsum(" in d.source
    dx, dW = d.function(np.float64(1.0), x, W)
    want = autograd(lambda x, W: torch.tanh(x @ W).sum(), [x, W], 1.0)
    assert_close(dW, want[1])
    with pytest.raises(bc.DeriveError, match="style 'torch'"):
        bc.derive(f, x, W, style="torch")


def test_import_does_not_import_torch():
    import subprocess
    import sys
    code = "import broadcasting, sys; broadcasting.derive; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("lib", LIBS)
def test_more_spellings(lib):
    x, W = arrays([(3, 4), (4, 2)], 5, lib)
    if lib == "numpy":
        f = lambda x, W: (np.square(np.amax(x, axis=0)) @ W + abs(np.dot(x, W)).mean()
                          + np.power(x, 3).sum() + np.matmul(x, W).sum())
    else:
        f = lambda x, W: (x.amax(0).square() @ W + abs(x.mm(W)).mean() + x.pow(3).sum()
                          + torch.matmul(x, W).sum() + x.clamp(min=0).mul(2.0).sum())
    ft = lambda x, W: ((x.amax(0) ** 2) @ W + abs(x @ W).mean() + (x ** 3).sum()
                       + (x @ W).sum() + (0 if lib == "numpy" else torch.relu(x).sum() * 2.0))
    check(f, ft, [x, W], lib)


@pytest.mark.parametrize("lib", LIBS)
def test_constant_arrays_are_written_into_the_function(lib):
    x = arrays([(100,)], 1, lib)[0]
    if lib == "numpy":
        small, ones = np.array([1.0, 2.0]), np.ones(100)
        noise = np.random.default_rng(0).random(100)
    else:
        small = torch.tensor([1.0, 2.0], dtype=torch.float64)
        ones = torch.ones(100, dtype=torch.float64)
        noise = torch.rand(100, dtype=torch.float64)
    f = lambda x: (x[:2] * small).sum() + (x * ones).sum()
    ft = lambda x: (x[:2] * torch.as_tensor(np.asarray(small))).sum() + x.sum()
    d = check(f, ft, [x], lib)
    assert "full((100,), 1.0" in d.source
    with pytest.raises(bc.DeriveError, match="constant array of shape"):
        bc.derive(lambda x: (x * noise).sum(), x)


#: steps of random programs: (name, numpy spelling, torch spelling) on the running value v and
#: the arguments a, b (shapes broadcast with v)
STEPS = [
    ("mul a", lambda v, a, b: v * a, lambda v, a, b: v * a),
    ("add b", lambda v, a, b: v + b, lambda v, a, b: v + b),
    ("div", lambda v, a, b: v / (b * b + 1.0), lambda v, a, b: v / (b * b + 1.0)),
    ("tanh", lambda v, a, b: np.tanh(v), lambda v, a, b: torch.tanh(v)),
    ("exp", lambda v, a, b: np.exp(-v * v), lambda v, a, b: torch.exp(-v * v)),
    ("relu", lambda v, a, b: np.maximum(v, 0.0), lambda v, a, b: torch.relu(v)),
    ("sigmoid", lambda v, a, b: 1 / (1 + np.exp(-v)), lambda v, a, b: torch.sigmoid(v)),
    ("square", lambda v, a, b: v ** 2 - v, lambda v, a, b: v ** 2 - v),
    ("sub own mean", lambda v, a, b: v - v.mean(axis=-1, keepdims=True),
     lambda v, a, b: v - v.mean(dim=-1, keepdim=True)),
    ("softmax", lambda v, a, b: np.exp(v) / np.exp(v).sum(axis=-1, keepdims=True),
     lambda v, a, b: torch.softmax(v, dim=-1)),
    ("transpose", lambda v, a, b: np.transpose(v).T, lambda v, a, b: v.permute(
        *reversed(range(v.ndim))).permute(*reversed(range(v.ndim)))),
    ("pick", lambda v, a, b: v[..., :1] * v, lambda v, a, b: v[..., :1] * v),
]


@pytest.mark.parametrize("lib", LIBS)
@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=1, max_dims=3, max_side=3),
       steps=st.lists(st.sampled_from(range(len(STEPS))), min_size=1, max_size=6),
       seed=st.integers(0, 99))
def test_random_programs(lib, shapes, steps, seed):
    k = 1 if lib == "numpy" else 2

    def program(spelling):
        def f(x, a, b):
            v = x
            for s in steps:
                v = STEPS[s][spelling](v, a, b)
            return (v * v).sum()
        return f
    check(program(k), program(2), arrays(shapes.input_shapes, seed, lib), lib)


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("i,i->", [(3,), (3,)]), ("ij->ji", [(2, 3)]), ("i,j,ij->j", [(2,), (3,), (2, 3)]),
           ("ij,ij->ij", [(2, 3), (2, 3)])]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("equation, shapes", EINSUMS)
def test_forward_einsum(lib, equation, shapes):
    xp = np if lib == "numpy" else torch
    f = lambda *ops: xp.tanh(xp.einsum(equation, *ops)).sum()
    check(f, lambda *ops: torch.tanh(torch.einsum(equation, *ops)).sum(),
          arrays(shapes, 3, lib), lib)


def test_einsum_summing_within_one_operand_is_refused():
    with pytest.raises(bc.DeriveError, match="einsum 'ij->'"):
        bc.derive(lambda x: np.einsum("ij->", x), np.ones((2, 3)))


@pytest.mark.parametrize("lib", LIBS)
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), seed=st.integers(0, 99),
       data=st.data())
def test_concatenate_and_stack(lib, shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, y = arrays([shape, shape], seed, lib)
    if lib == "numpy":
        f = lambda x, y: np.tanh(np.concatenate([x, y * y, x], axis=axis)).sum() + \
            (np.stack([x, y], axis=axis) ** 3).sum()
    else:
        f = lambda x, y: torch.tanh(torch.cat([x, y * y, x], dim=axis)).sum() + \
            (torch.stack((x, y), axis) ** 3).sum()
    ft = lambda x, y: torch.tanh(torch.cat([x, y * y, x], dim=axis)).sum() + \
        (torch.stack((x, y), axis) ** 3).sum()
    check(f, ft, [x, y], lib)
