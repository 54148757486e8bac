"""Small programs of our own in the spirit of public from-scratch code (textbook chapters,
from-scratch model collections) that broke the tool when tried as a new user would."""
import numpy as np
import pytest
import torch

from test_derive import arrays, check


def relu_via_max(X):  # a textbook MLP's relu: the elementwise max with a zero array
    a = torch.zeros_like(X)
    return torch.max(X, a)


def mlp_loss(X, W1, b1, W2, b2):
    H = relu_via_max(torch.matmul(X.reshape((-1, W1.shape[0])), W1) + b1)
    return (torch.matmul(H, W2) + b2).sum()


def np_relu_mlp(X, W1, b1, W2):
    H = np.maximum(X @ W1 + b1, np.zeros_like(b1))
    return (H @ W2).sum(axis=1)


def leaky_floor(x):
    return torch.maximum(x, torch.full_like(x, -0.5)) * 2.0


@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_with_relu_as_max_of_zeros_like_derives(seed):
    args = arrays([(6, 2, 2), (4, 5), (5,), (5, 3), (3,)], seed, "torch")
    d = check(mlp_loss, mlp_loss, args, "torch")
    assert "zeros_like" not in d.source


def test_numpy_maximum_with_zeros_like_derives():
    args = arrays([(6, 4), (4, 5), (5,), (5, 3)], 3, "numpy")
    check(np_relu_mlp, lambda X, W1, b1, W2: (torch.maximum(X @ W1 + b1, torch.zeros_like(b1))
                                             @ W2).sum(1), args, "numpy")


def test_maximum_with_a_full_like_bound_derives():
    args = arrays([(4, 3)], 5, "torch")
    check(leaky_floor, leaky_floor, args, "torch")


def test_maximum_with_a_non_uniform_constant_is_refused():
    import broadcasting as bc
    from broadcasting.errors import DeriveError

    def f(x):
        return torch.maximum(x, torch.arange(3.0)).sum()
    with pytest.raises(DeriveError, match="maximum"):
        bc.derive(f, torch.ones(2, 3, dtype=torch.float64))


BATCHNORM_BACKWARD = '''
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((6, 2, 3, 3))
gamma = rng.standard_normal((2, 3, 3))
accum_grad = rng.standard_normal((6, 2, 3, 3))
X_centered = X - X.mean(axis=0)
stddev_inv = 1 / np.sqrt(X.var(axis=0) + 0.01)
batch_size = accum_grad.shape[0]
dX = (1 / batch_size) * gamma * stddev_inv * (
    batch_size * accum_grad
    - np.sum(accum_grad, axis=0)
    - X_centered * stddev_inv**2 * np.sum(accum_grad * X_centered, axis=0)
    )
'''


def test_nested_formulas_each_start_a_comment_line():
    """A batch-norm backward (a chain around a parenthesised chain written over lines): each
    formula starts its own comment line, no '( ' from the line breaks, values bit-identical."""
    from test_rewrite_programs import _fresh, assert_same_arrays, round_trip
    rw, before, after, _ = round_trip(BATCHNORM_BACKWARD, "einops", [], all_products=False)
    assert_same_arrays(before, after)
    comments = [line.strip() for line in rw.source.splitlines() if line.strip().startswith("#")]
    starts = [c for c in comments if c.startswith("# dX[") or c.startswith("# C[")]
    assert len(starts) == 2, comments                        # two formulas, two first lines
    assert not any("; " in c or "( " in c or " )" in c for c in comments), comments
    assert all(len(line) <= 100 for line in rw.source.splitlines())


def np_batchnorm(X, gamma, beta):  # a from-scratch batch norm layer's forward
    mean = np.mean(X, axis=0)
    var = np.var(X, axis=0)
    X_norm = (X - mean) * (1 / np.sqrt(var + 0.01))
    return gamma * X_norm + beta


def torch_batchnorm(X, gamma, beta):
    mean = torch.mean(X, 0)
    var = torch.var(X, 0, unbiased=False)
    return gamma * (X - mean) * (1 / torch.sqrt(var + 0.01)) + beta


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_batchnorm_with_var_derives(lib):
    f = np_batchnorm if lib == "numpy" else torch_batchnorm
    args = arrays([(6, 4), (4,), (4,)], 7, lib)
    check(f, torch_batchnorm, args, lib)


@pytest.mark.parametrize("spelling", ["np.var(x, axis=1, ddof=1, keepdims=True)",
                                      "x.var(axis=(0, 2))", "np.std(x)", "x.std(1)"])
def test_numpy_var_and_std_spellings(spelling):
    f = eval(f"lambda x: {spelling}", {"np": np})
    g = eval(f"lambda x: {spelling}".replace("np.", "torch.").replace("axis", "dim")
             .replace("ddof=1", "correction=1").replace("keepdims", "keepdim")
             .replace("x.std(1)", "x.std(1, correction=0)")
             .replace("torch.std(x)", "torch.std(x, correction=0)")
             .replace("x.var(dim=(0, 2))", "x.var(dim=(0, 2), correction=0)"), {"torch": torch})
    args = arrays([(3, 4, 2)], 11, "numpy")
    check(f, g, args, "numpy")


@pytest.mark.parametrize("spelling", ["torch.var(x, 1)", "x.var(dim=0, keepdim=True)",
                                      "torch.std(x, unbiased=False)", "x.std(1, correction=0)"])
def test_torch_var_and_std_spellings(spelling):
    f = eval(f"lambda x: {spelling}", {"torch": torch})
    check(f, f, arrays([(3, 4)], 12, "torch"), "torch")


def logistic_loss(X, w, y):  # a from-scratch logistic regression's loss, probabilities clipped
    p = 1 / (1 + np.exp(-X.dot(w)))
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_clip_with_both_bounds_derives(lib):
    f = (lambda x: np.clip(x, -0.5, 0.7) * 3.0) if lib == "numpy" else \
        (lambda x: torch.clamp(x, -0.5, 0.7) * 3.0)
    check(f, lambda x: torch.clamp(x, -0.5, 0.7) * 3.0, arrays([(5, 4)], 13, lib), lib)
    args = arrays([(8, 3), (3,), (8,)], 14, "numpy")
    torch_loss = lambda X, w, y: (lambda p: (-y * torch.log(p) - (1 - y) * torch.log(1 - p))
                                  .mean())(torch.clamp(torch.sigmoid(X @ w), 1e-15, 1 - 1e-15))
    check(logistic_loss, torch_loss, args, "numpy", rtol=1e-10)


def test_clip_with_an_array_bound_is_refused():
    import broadcasting as bc
    from broadcasting.errors import DeriveError
    with pytest.raises(DeriveError, match="clip with an array bound at .*test_real_programs.py"):
        bc.derive(lambda x, lo: np.clip(x, lo, 1.0), np.ones(3), np.zeros(3))


@pytest.mark.parametrize("command, status", [("python drive.py 3", 3),
                                             ("pytest -q -p no:cacheprovider test_lib.py", 1),
                                             ("python drive.py 0", 0)])
def test_run_command_that_fails_writes_nothing(tmp_path, command, status):
    """`rewrite lib.py --run CMD`: a command that ends with a non-zero status (a failing test,
    sys.exit(3) after the traced calls) is a failure, exit 1, nothing written, as for FILE."""
    from test_runner import tool, write
    write(tmp_path / "lib.py", "import numpy as np\ndef scale(w, X):\n    return w * X\n")
    write(tmp_path / "drive.py", "import sys\nimport numpy as np\nimport lib\n"
          "lib.scale(np.ones(3), np.ones((2, 3)))\nsys.exit(int(sys.argv[1]))\n")
    write(tmp_path / "test_lib.py", "import numpy as np\nimport lib\ndef test_scale():\n"
          "    assert lib.scale(np.ones(3), np.ones((2, 3))).sum() == 7\n")
    r = tool("rewrite", "lib.py", "-o", "out.py", "--run", command, cwd=tmp_path)
    if status:
        assert r.returncode == 1, r.stderr
        assert f"exited with status {status}; nothing was written" in r.stderr
        assert not (tmp_path / "out.py").exists()
    else:
        assert r.returncode == 0, r.stderr
        assert "einops.einsum(w, X" in (tmp_path / "out.py").read_text()


def lstm_step(x, h, c, Wx, Wh, b):  # an LSTM cell: one matmul for the four gates, then chunk
    a = x @ Wx + h @ Wh + b
    i, f, o, g = a.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c)


def stable_log_softmax_nll(X, W, y):  # log-probabilities through logsumexp
    logits = X @ W
    logp = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -logp[torch.arange(X.shape[0]), y].mean() + torch.logsumexp(logits, 1).sum()


@pytest.mark.parametrize("seed", [0, 1])
def test_lstm_cell_with_chunk_derives(seed):
    args = arrays([(2, 3), (2, 4), (2, 4), (3, 16), (4, 16), (16,)], seed, "torch")
    check(lstm_step, lstm_step, args, "torch")


@pytest.mark.parametrize("spelling", ["torch.split(a, 2, dim=1)", "a.split([1, 3, 2], 1)",
                                      "a.chunk(4, 1)", "torch.chunk(a, 3, dim=0)"])
def test_torch_split_spellings(spelling):
    f = eval(f"lambda a: sum(p.sum() * (k + 1) for k, p in enumerate({spelling}))",
             {"torch": torch})
    check(f, f, arrays([(4, 6)], 3, "torch"), "torch")


def test_numpy_split_into_equal_parts():
    f = lambda a: sum(p.sum(axis=1) * (k + 1) for k, p in enumerate(np.split(a, 3, axis=1)))
    g = lambda a: sum(p.sum(1) * (k + 1) for k, p in enumerate(torch.split(a, 2, dim=1)))
    check(f, g, arrays([(4, 6)], 4, "numpy"), "numpy")


def test_logsumexp_derives():
    X, W = arrays([(5, 3), (3, 4)], 8, "torch")
    y = torch.tensor([0, 3, 1, 1, 2])
    f = lambda X, W: stable_log_softmax_nll(X, W, y)
    check(f, f, [X, W], "torch")


def test_split_into_unequal_numpy_parts_is_refused():
    import broadcasting as bc
    from broadcasting.errors import DeriveError
    with pytest.raises(DeriveError, match="split into 4 at .*test_real_programs.py"):
        bc.derive(lambda a: np.split(a, 4, axis=1)[0].sum(), np.ones((2, 6)))


@pytest.mark.parametrize("case", ["minimum", "minimum_left", "log1p", "outer", "copy"])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_minimum_log1p_outer_copy_derive(case, lib):
    """From-scratch code writes these often: a cap, a softplus, an outer-product update, a
    copy of the input before changing it."""
    m = np if lib == "numpy" else torch
    copy = (lambda x: np.copy(x)) if lib == "numpy" else (lambda x: x.clone())
    forward = {"minimum": lambda x, y: np.minimum(x, 0.3) * y if lib == "numpy"
               else torch.clamp(x, max=0.3) * y,
               "minimum_left": lambda x, y: np.minimum(0.3, x) * y if lib == "numpy"
               else torch.clamp(x, max=0.3) * y,
               "log1p": lambda x, y: m.log1p(x * x) * y,
               "outer": lambda x, y: m.outer(x, y),
               "copy": lambda x, y: copy(x) * y}[case]
    reference = {"minimum": lambda x, y: torch.clamp(x, max=0.3) * y,
                 "minimum_left": lambda x, y: torch.clamp(x, max=0.3) * y,
                 "log1p": lambda x, y: torch.log1p(x * x) * y,
                 "outer": lambda x, y: torch.outer(x, y), "copy": lambda x, y: x * y}[case]
    check(forward, reference, arrays([(4,), (4,)], 21, lib), lib)


def test_minimum_of_two_arrays_is_refused():
    import broadcasting as bc
    from broadcasting.errors import DeriveError
    with pytest.raises(DeriveError, match="minimum of two arrays at .*test_real_programs.py"):
        bc.derive(lambda x, y: np.minimum(x, y).sum(), np.ones(3), np.zeros(3))


@pytest.mark.parametrize("spelling", ["torch.sum(input=x * x)", "torch.exp(input=x).sum()",
                                      "torch.var(input=x)", "torch.mean(input=x, dim=0).sum()"])
def test_torch_input_keyword_derives(spelling):
    """torch.f(input=x) (keyword) used to stop the trace with a bare StopIteration."""
    f = eval(f"lambda x: {spelling}", {"torch": torch})
    check(f, f, arrays([(3, 2)], 5, "torch"), "torch")


def np_leaky_relu(x, W):  # a from-scratch activation: where(x >= 0, x, alpha * x)
    z = x @ W
    return np.where(z >= 0, z, 0.2 * z)


def np_elu(x):
    return np.where(x >= 0.0, x, 0.5 * (np.exp(x) - 1))


def relu_backward_style(x, dout):  # a layer's backward written as a mask product
    return (x > 0) * dout


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_where_with_a_comparison_mask_derives(lib):
    m = np if lib == "numpy" else torch
    leaky = lambda x, W: m.where(x @ W >= 0, x @ W, 0.2 * (x @ W))
    ref = lambda x, W: torch.where(x @ W >= 0, x @ W, 0.2 * (x @ W))
    check(np_leaky_relu if lib == "numpy" else leaky, ref, arrays([(4, 3), (3, 5)], 31, lib), lib)
    elu = lambda x: m.where(x >= 0.0, x, 0.5 * (m.exp(x) - 1))
    check(np_elu if lib == "numpy" else elu,
          lambda x: torch.where(x >= 0.0, x, 0.5 * (torch.exp(x) - 1)),
          arrays([(6,)], 32, lib), lib)
    check(relu_backward_style, lambda x, d: (x > 0).to(d.dtype) * d,
          arrays([(3, 4), (3, 4)], 33, lib), lib)


def test_where_with_another_condition_is_refused():
    import broadcasting as bc
    from broadcasting.errors import DeriveError
    with pytest.raises(DeriveError, match="where at .*test_real_programs.py"):
        bc.derive(lambda x, y: np.where(x, x, y).sum(), np.ones(3), np.ones(3))
    with pytest.raises(DeriveError, match="comparison gt"):
        bc.derive(lambda x, y: (x > y).sum(), np.ones(3), np.ones(3))


def test_boolean_mask_indexing_is_refused_as_a_mask():
    import broadcasting as bc
    from broadcasting.errors import DeriveError
    with pytest.raises(DeriveError, match="boolean mask at .*test_real_programs.py"):
        bc.derive(lambda x: x[x > 0].sum(), np.ones(3))
