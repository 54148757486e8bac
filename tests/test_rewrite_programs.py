"""Adversarial round trips of the rewriter on realistic programs (tests/rewrite_programs/).

Each program runs in a fresh namespace, is rewritten (one traced run), and the rewrite runs in
another fresh namespace, traced. Asserted: every array (also inside lists and tuples) has the same
values and dtype, leaf-tensor gradients are equal, no implicit array product is left, every comment
of the original survives, every emitted einsum/outer passes ``parse_equation`` (which refuses
size-1 broadcasting), and only the expected sites are kept.
"""
import io
import tokenize
from pathlib import Path

import numpy as np
import pytest
import torch

from broadcasting.rewrite import implicit_products, rewrite_source
from broadcasting.rewrite.api import broadcasting_products
from broadcasting.trace import trace_source

HERE = Path(__file__).parent / "rewrite_programs"
PROGRAMS = sorted(p.name for p in HERE.glob("*.py") if p.name.startswith(("np_", "torch_")))

#: sites each program must keep (text of the `*` expression), everything else is rewritten
KEPT = {"np_varying_sites.py": {"x * w"},
        "np_classes_closures.py": {"v * scale"},  # (2,3)*(1,3) and (2,3)*(3,)
        # parameters of rank 2 and 1 go through the same lines: `g * g` multiplies equal
        # shapes, `g * clip` a 0-d tensor over either rank: one '...' form covers both ranks
        # a number between array factors: an einsum would change the order of multiplication
        "torch_dtypes_zero_d.py": {"-w * b * 0.5 * M32", "-w * b"}}


def _arrays(value, path=""):
    """(path, array) for every array reachable through lists, tuples and dicts."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for k, v in enumerate(value):
            yield from _arrays(v, f"{path}[{k}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and not k.startswith("_"):
                yield from _arrays(v, f"{path}.{k}" if path else k)


def _as_numpy(x):
    return x.detach().float().numpy() if isinstance(x, torch.Tensor) and x.dtype == torch.bfloat16 \
        else x.detach().numpy() if isinstance(x, torch.Tensor) else x


def assert_same_arrays(before: dict, after: dict):
    a, b = dict(_arrays(before)), dict(_arrays(after))
    assert a.keys() == b.keys()
    for name, x in a.items():
        y = b[name]
        assert type(x) is type(y) and x.dtype == y.dtype, (name, x.dtype, y.dtype)
        assert tuple(x.shape) == tuple(y.shape), name
        np.testing.assert_array_equal(_as_numpy(x), _as_numpy(y), err_msg=name)  # bit-identical
        if isinstance(x, torch.Tensor) and x.is_leaf and x.requires_grad:
            assert (x.grad is None) == (y.grad is None), name
            if x.grad is not None:
                assert torch.equal(x.grad, y.grad), f"gradient of {name}"


def comments_of(source: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


def _fresh() -> dict:
    np.random.seed(0)
    torch.manual_seed(0)
    return {"__name__": "__main__"}


def round_trip(source: str, style: str, calls: list, all_products: bool = True):
    before = _fresh()
    exec(compile(source, "<original>", "exec"), before)
    rw = rewrite_source(source, _fresh(), style=style, all=all_products)
    after = _fresh()
    traced = trace_source(rw.source, after, "<rewritten>")
    return rw, before, after, traced


@pytest.mark.parametrize("style", ["einops", "numpy", "torch"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_round_trip(name, style, einsum_calls):
    source = (HERE / name).read_text()
    rw, before, after, traced = round_trip(source, style, einsum_calls)
    assert_same_arrays(before, after)
    left = implicit_products(traced.sites)
    assert {s.text for s in left} == KEPT.get(name, set()), [s.text for s in left]
    assert {s.text for s in rw.kept} == KEPT.get(name, set()), rw.kept
    assert all(s.reason for s in rw.kept)
    missing = [c for c in comments_of(source) if c not in rw.source]
    assert not missing, missing
    assert rw.rewritten and einsum_calls, "nothing was rewritten"


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_array_subclasses_are_kept_with_reasons():
    """np.matrix's `*` is a matrix product and a masked array's keeps its mask: an einsum would
    change both, so such sites are kept (and the program still runs the same)."""
    source = ("import numpy as np\n"
              "M = np.matrix([[1.0, 2.0], [3.0, 4.0]])\n"
              "p = M * np.matrix([[1.0], [2.0]])\n"
              "m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])\n"
              "q = m * np.ones((2, 3))\n"
              "r = np.asarray(M) * np.array([1.0, 2.0])\n")
    rw = rewrite_source(source)
    assert [s.text for s in rw.kept] == ["M * np.matrix([[1.0], [2.0]])", "m * np.ones((2, 3))"]
    assert all("subclass" in s.reason for s in rw.kept)
    after = {}
    exec(rw.source, after)
    assert type(after["q"]) is np.ma.MaskedArray and after["p"].shape == (2, 1)
    assert [s.text for s in rw.rewritten] == ["np.asarray(M) * np.array([1.0, 2.0])"]


FOLDS = {  # operand as written -> as the explicit form takes it (numpy style)
    "x[:, None] * y": "np.outer(x, y)",
    "x[:, None] * y[None, :]": "np.outer(x, y)",
    "x[..., None] * y": "np.outer(x, y)",
    "x[None] * M": 'np.einsum("j,...j->...j", x, M)',
    "A[:, :, None] * D[:, None, :]": 'np.einsum("...j,...k->...jk", A, D)',
    "c[:, None] * T": 'np.einsum("...,...jk->...jk", c[..., 0], T)',  # c is (3, 1): its own axis
    "c[None] * U": 'np.einsum("j,...jk->...jk", c[:, 0], U)',
    "one[:, None] * M": 'np.einsum(",...->...", one[0, ...], M)',    # a 0-d array, not a scalar
    "x[:, None] * N": 'np.einsum("...,...->...", x[:, None], N)',     # equal shapes (all=True)
    "x.reshape(3, 1) * y": "np.outer(x.reshape(3), y)",              # the literal 1 folded
    "x.reshape((3, 1)) * M[:, :1].T": "np.outer(x.reshape(3), M[:, :1].T[0])",
    "x.reshape(-1, 1) * y": "np.outer(x.reshape(-1), y)",            # any rank: flattened
    "np.expand_dims(x, 1) * y": "np.outer(x, y)",
    "np.expand_dims(x, -1) * M[0]": "np.outer(x, M[0])",
    "np.expand_dims(A, 1) * D[:, :, None]": 'np.einsum("...k,...j->...jk", A, D)',
}


@pytest.mark.parametrize("product", FOLDS)
def test_operand_written_with_none_is_folded(product, einsum_calls):
    """``x[:, None][:, 0]`` is ``x``: an operand whose own ``None`` axes the form indexes away is
    written without them; the values, dtypes and the no-size-1-broadcasting check still hold."""
    source = ("import numpy as np\n"
              "x, y, M = np.arange(3.0), np.arange(2.0), np.ones((2, 3))\n"
              "A, D, N = np.ones((4, 3)), np.ones((4, 2)), np.ones((3, 1))\n"
              "c, T, U = np.ones((3, 1)), np.ones((3, 4, 5)), np.ones((2, 3, 5))\n"
              "one = np.ones(1)\n"
              f"r = {product}\n")
    rw, before, after, traced = round_trip(source, "numpy", einsum_calls)
    assert f"r = {FOLDS[product]}" in rw.source
    assert_same_arrays(before, after)
    assert not implicit_products(traced.sites)


# -- the command line on a program file and on a notebook ------------------------------------

def test_cli_on_a_program_file(tmp_path, capsys, einsum_calls):
    from broadcasting.cli import main
    source = (HERE / "np_mlp_softmax_backprop.py").read_text()
    src, out = tmp_path / "mlp.py", tmp_path / "mlp_explicit.py"
    src.write_text(source)
    assert main(["rewrite", str(src), "--style", "numpy", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert src.read_text() == source and "rewrote " in err and "kept" not in err
    before, after = _fresh(), _fresh()
    exec(compile(source, str(src), "exec"), before)
    traced = trace_source(out.read_text(), after)
    assert_same_arrays(before, after)
    assert not broadcasting_products(traced.sites) and einsum_calls
    assert not [c for c in comments_of(source) if c not in out.read_text()]


def test_cli_on_a_notebook(tmp_path, capsys, einsum_calls):
    """A program split into cells at its blank lines: cells traced in one namespace, in order;
    the rewritten cells, run in order, give the same arrays and gradients."""
    import nbformat
    from broadcasting.cli import main
    source = (HERE / "torch_attention_masks.py").read_text()
    cells = [c for c in source.split("\n\n") if c.strip()]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path, out = tmp_path / "attn.ipynb", tmp_path / "attn_explicit.ipynb"
    nbformat.write(nb, str(path))
    assert main(["rewrite", str(path), "-o", str(out)]) == 0
    capsys.readouterr()
    new = nbformat.read(str(out), as_version=4)
    before, after = _fresh(), _fresh()
    exec(source, before)
    sites = []
    for cell in new.cells:
        sites += trace_source(cell.source, after).sites
    assert_same_arrays(before, after)
    assert not broadcasting_products(sites) and einsum_calls
    text = "\n".join(c.source for c in new.cells)
    assert not [c for c in comments_of(source) if c not in text]


# -- line endings ------------------------------------------------------------------------------

def test_crlf_file_multiline_form_keeps_crlf():
    """A chain with comments becomes a multi-line call: its new lines end like the file's."""
    source = ("import numpy as np\r\na = np.ones(3)\r\nB = np.ones((2, 3))\r\n"
              "y = (a  # the vector\r\n     * B)  # the matrix\r\n")
    rw = rewrite_source(source)
    assert "# the vector" in rw.source and rw.source.count("\n") == rw.source.count("\r\n")


def test_mixed_line_endings_are_rewritten(tmp_path, capsys):
    """libcst cannot parse a file mixing \\r\\n and \\n (it reported 'syntax error at 1:1'):
    the rewrite parses it with one ending; untouched lines keep their own ending, new lines
    take the most common one."""
    from broadcasting.cli import main
    src = tmp_path / "mixed.py"
    src.write_bytes(b"import numpy as np\r\na = np.ones(3)\r\nB = np.ones((2, 3))  # note\n"
                    b"y = a * B\r\nz = 1\n")
    assert main(["rewrite", str(src)]) == 0
    out = capsys.readouterr().out
    assert out == ('import einops\r\nimport numpy as np\r\na = np.ones(3)\r\n'
                   'B = np.ones((2, 3))  # note\n'
                   'y = einops.einsum(a, B, "j, ... j -> ... j")  # y[i,j] = a[j] · B[i,j]\r\n'
                   'z = 1\n')


def test_form_feed_inside_a_line_keeps_sites_matched():
    """Python numbers lines at \\n, \\r\\n and \\r only; a form feed in a comment or a
    U+2028 in a string must not shift the sites after it."""
    source = ('import numpy as np\n\x0c\na = np.ones(3)  # note\x0c here\nB = np.ones((2, 3))\n'
              'y = a * B\ns = "x\u2028y"\nz = a * B\n')
    rw = rewrite_source(source)
    assert not rw.kept and len(rw.rewritten) == 2 and "note\x0c here" in rw.source


def test_products_inside_f_strings_are_rewritten_with_the_other_quote(einsum_calls):
    """Python 3.11 forbids an f-string's own quote inside its expressions: the pattern takes
    the other one; only f-strings nested with both quotes keep their product."""
    source = ("import numpy as np\na = np.arange(3.0); B = np.ones((2, 3))\n"
              's = f"{(a * B).sum()}"\n'
              "t = f'{(a * B).sum():.3f} {np.abs(a[:, None] * a).max()}'\n"
              'u = f"""{(a * B).max()}"""\n'
              'w = f"{f\'{(a * B).sum()}\'}"\n')
    rw, before, after, traced = round_trip(source, "einops", einsum_calls)
    assert "s = f\"{(einops.einsum(a, B, 'j, ... j -> ... j')).sum()}\"" in rw.source
    assert 't = f\'{(einops.einsum(a, B, "j, ... j -> ... j")).sum():.3f}' in rw.source
    assert before["s"] == after["s"] and before["t"] == after["t"] and before["u"] == after["u"]
    assert [s.text for s in rw.kept] == ["a * B"] and "nested" in rw.kept[0].reason


def test_folded_operands_are_named_plainly_in_the_formula():
    source = ("import numpy as np\nA, D = np.ones((4, 3)), np.ones((4, 2))\n"
              "dW = A[:, :, None] * D[:, None, :]\nc = np.ones((3, 1))[None] * np.ones((2, 3, 5))\n")
    rw = rewrite_source(source)
    assert "# dW[i,j,k] = A[i,j] · D[i,k]" in rw.source
    assert "# c[i,j,k] = np.ones((3, 1))[j,0] · np.ones((2, 3, 5))[i,j,k]" in rw.source
