"""The rewriter (broadcasting.rewrite.api): round trips on numpy and torch programs.

A round trip runs the original program, rewrites it (one traced run), runs the rewritten
program traced, and asserts: every array of the final namespace has the same values and dtype;
no implicit array product is left (``implicit_products``: a `*`/`*=` site that ran on two
arrays, 0-d included, at least one with an axis); and every einsum/outer the rewritten program
calls passes ``parse_equation`` (which refuses size-1 broadcasting).
"""
import textwrap

import einops  # noqa: F401  (in the globals of the functions given to rewrite_function)
import numpy as np
import pytest
import torch

import broadcasting as bc
from broadcasting.errors import RewriteError
from broadcasting.rewrite import implicit_products, rewrite_source
from broadcasting.trace import trace_source


def _arrays(ns):
    return {k: v for k, v in ns.items() if isinstance(v, (np.ndarray, torch.Tensor))
            and not k.startswith("_")}


def assert_same(before: dict, after: dict):
    a, b = _arrays(before), _arrays(after)
    assert a.keys() == b.keys()
    for name in a:
        x, y = a[name], b[name]
        assert type(x) is type(y) and x.dtype == y.dtype, (name, x.dtype, y.dtype)
        assert tuple(x.shape) == tuple(y.shape), name
        if isinstance(x, torch.Tensor):
            x, y = x.detach().numpy(), y.detach().numpy()
        np.testing.assert_array_equal(x, y, err_msg=name)  # bit-identical, not close


def roundtrip(source, calls=None, style="einops", setup="", all_products=True):
    """Run, rewrite, run the rewrite traced; returns (Rewrite, namespace before, after).
    ``all_products``: every product is rewritten (``all=True``), equal shapes included."""
    source = textwrap.dedent(source)
    program = textwrap.dedent(setup) + source

    def fresh():
        np.random.seed(0)
        torch.manual_seed(0)
        return {}

    before = fresh()
    exec(program, before)
    ns = fresh()
    exec(textwrap.dedent(setup), ns)
    rw = rewrite_source(source, ns, style=style, all=all_products)
    after = fresh()
    exec(textwrap.dedent(setup), after)
    traced = trace_source(rw.source, after)
    assert_same(before, after)
    left = implicit_products(traced.sites)
    assert not left, [s.text for s in left]
    assert not rw.kept, rw.kept
    if calls is not None:
        assert calls, "the rewritten program called no einsum"
    return rw, before, after


MLP_NUMPY = """
import numpy as np
X = np.random.randn(8, 4).astype(np.float32)
Y = np.random.randn(8, 3).astype(np.float32)
W1 = np.random.randn(4, 5).astype(np.float32)
b1 = np.zeros(5, dtype=np.float32)
W2 = np.random.randn(5, 3).astype(np.float32)
H = X @ W1 + b1
A = np.maximum(H, 0)
out = A @ W2
dout = 2.0 * (out - Y) / len(X)
dW2 = (A[:, :, None] * dout[:, None, :]).sum(0)      # per-example outer products
dA = dout @ W2.T
dH = dA * (H > 0)
dW1 = (X[:, :, None] * dH[:, None, :]).sum(0)
db1 = dH.sum(0)
"""


@pytest.mark.parametrize("style", ["einops", "numpy", "torch"])
def test_batched_mlp_backprop_numpy(einsum_calls, style):
    rw, before, after = roundtrip(MLP_NUMPY, einsum_calls, style)
    assert len(rw.rewritten) == 3
    np.testing.assert_allclose(after["dW1"], np.einsum("bi,bj->ij", before["X"], before["dH"]),
                               rtol=1e-5)


def test_layer_norm_and_attention_mask_torch(einsum_calls):
    rw, before, after = roundtrip("""
    import torch
    x = torch.randn(2, 5, 4, requires_grad=True)
    gamma = torch.randn(4, requires_grad=True)
    mu = x.mean(-1, keepdim=True)
    rstd = 1.0 / (x.var(-1, keepdim=True, unbiased=False) + 1e-5).sqrt()
    y = (x - mu) * rstd * gamma
    q = torch.randn(2, 5, 4)
    scores = q @ q.transpose(1, 2)
    causal = torch.tril(torch.ones(5, 5, dtype=torch.bool))
    masked = scores * causal            # bool mask times float scores
    pair = q[:, :, None, :] * q[:, None, :, :]
    loss = (y * y).sum() + masked.sum() + pair.sum()
    loss.backward()
    gx, gg = x.grad, gamma.grad
    """, einsum_calls)
    assert {s.text for s in rw.rewritten} >= {"(x - mu) * rstd * gamma", "scores * causal"}
    assert "rstd[..., 0]" in rw.source  # the stretched size-1 axis is indexed away
    assert torch.equal(before["gx"], after["gx"]) and torch.equal(before["gg"], after["gg"])


def test_functions_loops_lambdas_comprehensions(einsum_calls):
    rw, _, after = roundtrip("""
    import numpy as np
    def scale(v, M):
        return v * M
    w = np.arange(3.0)
    M = np.ones((2, 3))
    outs = [scale(w, M) for _ in range(3)]
    f = lambda a: a * M
    g = f(w)
    acc = np.zeros((2, 3))
    for k in range(1, 4):
        acc = acc + w * M * k
    rows = [r * w for r in M]
    gen = sum(w * r for r in M)
    """, einsum_calls)
    assert len(rw.rewritten) >= 6
    assert "lambda a: einops.einsum(a, M" in rw.source


def test_chain_split_over_lines_keeps_comments(einsum_calls):
    source = """
    import numpy as np
    a = np.arange(3.0)
    B = np.ones((2, 3))
    c = np.full((2, 1), 2.0)
    y = (a      # the vector
         * B    # the matrix
         # a whole-line note
         * c)   # the column
    """
    rw, _, _ = roundtrip(source, einsum_calls)
    for note in ("# the vector", "# the matrix", "# a whole-line note", "# the column"):
        assert note in rw.source
    assert "c[..., 0]" in rw.source


def test_mixed_dtypes_keep_the_dtype_of_star(einsum_calls):
    rw, before, after = roundtrip("""
    import numpy as np
    import torch
    t32 = torch.ones(3) * 1.5
    s64 = torch.tensor(2.0, dtype=torch.float64)
    m = torch.ones(2, 3)
    r1 = t32 * s64 * m               # torch.einsum would give float64
    i8 = np.arange(4, dtype=np.int8) + 100
    r2 = i8 * 0.5 * i8[:, None]      # the einsum alone would overflow int8
    f32 = np.ones(3, dtype=np.float32)
    r3 = 2.5 * f32 * np.ones((2, 3), dtype=np.float32)
    r4 = f32 * np.float64(3.0) * np.ones((2, 1), dtype=np.float32)
    r5 = np.arange(3) * np.ones((2, 3), dtype=np.float32)
    r6 = m * s64                     # torch.einsum would give float64
    """, einsum_calls)
    assert after["r1"].dtype == torch.float32 and after["r2"].dtype == np.float64
    assert "s64.to(torch.float32)" in rw.source
    assert "einops.einsum(i8 * 0.5, i8, " in rw.source  # multiplied as written


def test_in_place_keeps_views_and_autograd(einsum_calls):
    rw, before, after = roundtrip("""
    import numpy as np
    import torch
    a = np.ones((2, 3))
    view = a[0]
    a *= np.arange(3.0)
    rows = [np.ones((2, 3))]
    rows[0] *= np.arange(3.0)[None, :]
    idx = np.array([0, 0])
    z = np.ones((3, 3))
    z[idx] *= np.arange(3.0)
    w = torch.randn(3, requires_grad=True)
    u = torch.randn(2, 3, requires_grad=True)
    t = (w * 2).expand(2, 3).clone()
    t *= u
    t.sum().backward()
    gw, gu = w.grad, u.grad
    """, einsum_calls)
    assert after["view"][2] == 2.0 and after["view"] is not None
    assert "a[...] = " in rw.source and "z[idx] = " in rw.source
    assert torch.equal(before["gw"], after["gw"])


def test_unchanged_file_comes_back_byte_for_byte():
    source = "# header  \r\nx = '=' * 20\nl = [0.0] * 3;  n = 3 * 4\n\n\ns = 2 * sum(l)  # ok\n"
    assert rewrite_source(source).source == source
    assert rewrite_source(source).sites[0].reason == "not a product between arrays"


def test_sites_report_kept_products_with_reasons():
    rw = rewrite_source(textwrap.dedent("""
    import numpy as np
    def never(a, b):
        return a * b
    def both(a, b):
        return a * b
    both(np.ones(3), np.ones((2, 3)))
    both(np.ones((2, 1)), np.ones(3))
    x = np.float64(2.0) * np.ones(3)
    """))
    by_line = {s.line: s for s in rw.sites}
    assert by_line[4].reason.startswith("never ran")
    assert by_line[6].reason.startswith("its executions need different explicit forms")
    assert by_line[9].reason == "not a product between arrays"
    assert rw.source.count("a * b") == 2 and len(rw.kept) == 2


def test_same_form_for_many_sizes_is_one_rewrite():
    rw = rewrite_source(textwrap.dedent("""
    import numpy as np
    out = [np.ones(n) * np.ones((2, n)) for n in (3, 4, 5)]
    """))
    site = rw.sites[0]
    assert site.reason is None and site.executions == 3
    assert site.shapes == ((3,), (2, 3))


def test_site_records_and_diff():
    rw = rewrite_source("import numpy as np\nB = np.ones((2, 3))\nC = np.arange(3.0) * B\n")
    (site,) = rw.sites
    assert (site.line, site.col, site.text) == (3, 5, "np.arange(3.0) * B")
    assert site.formula == "C[i,j] = np.arange(3.0)[j] · B[i,j]"
    assert site.replacement == 'einops.einsum(np.arange(3.0), B, "j, ... j -> ... j")'
    assert "-C = np.arange(3.0) * B" in rw.diff() and "+import einops" in rw.diff()
    assert "1 of 1" in repr(rw)


def test_outer_product_in_numpy_and_torch_styles(einsum_calls):
    rw, _, _ = roundtrip("""
    import numpy as np
    u = np.arange(3.0)
    v = np.arange(4.0)
    P = u[:, None] * v
    """, einsum_calls, style="numpy")
    assert "np.outer(u, v)" in rw.source  # u[:, None][:, 0] is u


def test_errors_are_one_line():
    with pytest.raises(RewriteError, match=r"<source>:1:\d+: syntax error"):
        rewrite_source("y = (a *\n")
    with pytest.raises(RewriteError, match="style 'jax'"):
        rewrite_source("y = 1", style="jax")
    with pytest.raises(ZeroDivisionError):  # the program's own exception propagates
        rewrite_source("y = 1 / 0")


def scaled_outer(v, M, k=2.0):
    s = v * M
    return k * s * M


def test_rewrite_function():
    explicit = bc.rewrite_function(scaled_outer, np.arange(3.0), np.ones((2, 3)))
    v, M = np.random.randn(3), np.random.randn(2, 3)
    np.testing.assert_array_equal(explicit(v, M), scaled_outer(v, M))
    np.testing.assert_array_equal(explicit(v, M, k=3.0), scaled_outer(v, M, k=3.0))
    assert explicit.__name__ == "scaled_outer" and "einops.einsum" in explicit.source
    import inspect
    assert inspect.getsource(explicit) == explicit.source
    assert len(explicit.rewrite.rewritten) == 1  # `k * s * M`: equal shapes, left as is
    every = bc.rewrite_function(scaled_outer, np.arange(3.0), np.ones((2, 3)), all=True)
    assert len(every.rewrite.rewritten) == 3  # k * s is inside the chain
    np.testing.assert_array_equal(every(v, M, k=3.0), scaled_outer(v, M, k=3.0))
    with pytest.raises(RewriteError, match="lambda"):
        bc.rewrite_function(lambda a: a * a, np.ones(2))


def test_rewrite_function_torch_gradients():
    def loss(w, x):
        return (w * x).sum()

    w = torch.randn(3, requires_grad=True)
    x = torch.randn(4, 3)
    explicit = bc.rewrite_function(loss, w, x, style="torch")
    assert "torch.einsum" in explicit.source
    explicit(w, x).backward()
    g = w.grad.clone()
    w.grad = None
    loss(w, x).backward()
    assert torch.equal(g, w.grad)


def test_tracer_site_text_matches_ast_segments():
    """trace.py's faster site text (no re-split per site) equals ast.get_source_segment."""
    import ast
    src = "é = 1\ny = (é *\n     2) * 3  # x\nz = [k * é for k in (1, 2)]\n"
    sites = trace_source(src).sites
    segments = [ast.get_source_segment(src, n) for n in ast.walk(ast.parse(src))
                if isinstance(n, ast.BinOp)]
    assert sorted(s.text for s in sites) == sorted(segments)


def test_sites_matched_by_order_and_position_fallback(monkeypatch):
    """Sites are matched to libcst nodes in visit order; an f-string (whose positions Python
    3.11 reports unreliably) must still end on the right nodes, via the position fallback."""
    import numpy as np

    import broadcasting as bc
    from broadcasting.rewrite import transform as tr

    src = ('import numpy as np\na = np.ones(3); B = np.ones((2, 3))\n'
           'msg = f"{(a * B).sum()}"\nC = a * (B * 2.0) * a\nD = (a *\n     B)  # split\n')
    calls = []
    real = tr.RewriteTransformer.__init__

    def spy(self, *args, **kwargs):
        calls.append(kwargs.get("by_position", False))
        real(self, *args, **kwargs)

    monkeypatch.setattr(tr.RewriteTransformer, "__init__", spy)
    r = bc.rewrite_source(src)
    ns_old, ns_new = {}, {}
    exec(src, ns_old)
    exec(r.source, ns_new)
    for name in ("C", "D"):
        np.testing.assert_array_equal(ns_old[name], ns_new[name])
    assert [s.reason is None for s in r.sites] == [True, True, True, False, True]
    assert "f\"{(einops.einsum(a, B, 'j, ... j -> ... j')).sum()}\"" in r.source  # other quotes
    assert "C = a * " not in r.source
    assert calls == [False]  # matched in visit order, no positions needed
    from broadcasting.rewrite.api import rewrite_sites
    from broadcasting.trace import trace_source
    ns = {}
    sites = trace_source(src, ns).sites
    sites[1].text = "a * B"  # a text that does not match its node: positions decide
    assert rewrite_sites(src, sites, ns).source == r.source
    assert calls == [False, False, True]


def test_rewrite_function_drops_decorators_once():
    import numpy as np

    import broadcasting as bc

    calls = []

    def register(fn):
        calls.append(fn.__name__)
        return fn

    @register
    @register  # a second decorator, on its own line
    def scale(n):
        return np.arange(n) * np.ones((2, n))

    explicit = bc.rewrite_function(scale, 3)
    assert calls == ["scale", "scale"]  # the decorators did not run again
    assert "@" not in explicit.source and "einsum" in explicit.source
    np.testing.assert_array_equal(explicit(3), scale(3))


ADAM_NUMPY = """
import numpy as np
params = [np.random.randn(3, 3).astype(np.float32), np.random.randn(3).astype(np.float32)]
grads = [np.random.randn(3, 3).astype(np.float32), np.random.randn(3).astype(np.float32)]
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
b1, b2, lr, eps = 0.9, 0.999, 1e-2, 1e-8
for t in range(1, 3):
    for i, (p, g) in enumerate(zip(params, grads)):
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g   # second moment
        p -= lr * m[i] / (np.sqrt(v[i]) + eps)
W, bias = params
vW, vb = v
"""

ADAM_TORCH = ADAM_NUMPY.replace("import numpy as np", "import torch").replace(
    "np.random.randn(3, 3).astype(np.float32)", "torch.randn(3, 3)").replace(
    "np.random.randn(3).astype(np.float32)", "torch.randn(3)").replace(
    "np.zeros_like", "torch.zeros_like").replace("np.sqrt(v[i])", "v[i].sqrt()")


@pytest.mark.parametrize("style", ["einops", "numpy", "torch"])
@pytest.mark.parametrize("program", [ADAM_NUMPY, ADAM_TORCH], ids=["numpy", "torch"])
def test_equal_shapes_of_different_ranks_get_the_ellipsis_form(einsum_calls, program, style):
    """`g * g` multiplies (3, 3) by (3, 3) and (3,) by (3,): nothing is broadcast, and the
    '...' form (which bc.einsum accepts only for equal ellipsis shapes) covers both ranks."""
    rw, before, after = roundtrip(program, einsum_calls, style)
    site = next(s for s in rw.sites if s.text == "(1 - b2) * g * g")
    pattern = "..., ... -> ..." if style == "einops" else "...,...->..."
    assert site.reason is None and f'"{pattern}"' in site.replacement
    assert "(1 - b2) * g, g" in site.replacement  # multiplied in the order written
    assert site.formula.endswith("= (1 - b2) · g[...] · g[...]")
    assert "# second moment" in rw.source
    assert any(c == "...,...->..." for c in einsum_calls)
    for name in ("W", "bias", "vW", "vb"):
        assert after[name].dtype == before[name].dtype


def test_different_shapes_of_different_ranks_stay_kept():
    rw = rewrite_source(textwrap.dedent("""
    import numpy as np
    def f(a, b):
        return a * b
    f(np.ones((2, 3)), np.ones((2, 3)))
    f(np.ones(3), np.ones((2, 3)))
    """))
    assert rw.sites[0].reason.startswith("its executions need different explicit forms")


def test_each_site_says_its_outcome_as_a_record_not_only_as_text():
    from broadcasting.rewrite.outcome import Outcome
    from broadcasting.rewrite.static import rewrite_static
    src = ("import numpy as np\na = np.ones(3)\nB = np.ones((2, 3))\nC = a * B\nk = 2 * 3\n"
           "def f(x):\n    return x * x\n")
    r = bc.rewrite_source(src)
    outcomes = {s.text: s.outcome for s in r.sites}
    assert outcomes == {"a * B": Outcome.REWRITTEN, "2 * 3": Outcome.NOT_ARRAYS,
                        "x * x": Outcome.NEVER_RAN}
    assert [s.text for s in r.kept] == ["x * x"]  # a product of numbers is no kept product
    static = rewrite_static("C = a * B\nD = a * E\n", {"a": (3,), "B": (2, 3)})
    assert [s.outcome for s in static.sites] == [Outcome.REWRITTEN, Outcome.UNKNOWN_SHAPES]
