"""The audit's reading of the source: site nodes, explicit axes, reductions, ok comments."""
import ast

import pytest

from broadcasting.audit.source import SourceIndex
from broadcasting.trace import instrument


def _site_node(src, text):
    ix = SourceIndex(src)
    _, sites = instrument(src)
    site = next(s for s in sites if s.text == text)
    return ix, ix.node_at(site.line, site.col, site.end_line, site.end_col, site.op)


def test_every_traced_site_has_its_node():
    src = ("é = 1; y = a * b * c\nz = (p <\n     q)\nw += 2 ** k\nf = lambda t: t @ t\n"
           "u = [v - 1 for v in vs]\nok = x < y < z\n")
    ix = SourceIndex(src)
    _, sites = instrument(src)
    nodes = [ix.node_at(s.line, s.col, s.end_line, s.end_col, s.op) for s in sites]
    assert all(n is not None for n in nodes)
    assert [ast.get_source_segment(src, n) for n in nodes] == [s.text for s in sites]
    assert [type(n).__name__ for n in nodes] == ["BinOp", "BinOp", "Compare", "AugAssign",
                                                 "BinOp", "BinOp", "BinOp"]


@pytest.mark.parametrize("text, explicit", [
    ("x[:, None] - y", True), ("x - y[None]", True), ("x[..., np.newaxis] * y", True),
    ("x.unsqueeze(-1) + y", True), ("x.view(-1, 1) + y", True), ("torch.reshape(x, (4, 1)) + y", True),
    ("np.expand_dims(x, 1) + y", True), ("einops.rearrange(x, 'n -> n 1') + y", True),
    ("np.exp(x[:, None]) - y", True), ("x - y", False), ("x[:, 0] - y", False),
    ("x.sum(axis=1) - y", False), ("(lambda t: t[:, None])(x) - y", False),
])
def test_explicit_axes_at_site(text, explicit):
    src = f"r = {text}\n"
    ix, node = _site_node(src, text)
    assert ix.explicit_axes(node) is explicit


@pytest.mark.parametrize("expr, rank, verdict", [
    ("x.sum(axis=1)", 1, "misaligned"), ("x.sum(axis=0)", 1, "aligned"),
    ("x.sum(1)", 1, "misaligned"), ("x.sum(0)", 2, "aligned"), ("np.sum(x, 1)", 1, "misaligned"),
    ("np.sum(x, axis=0)", 1, "aligned"), ("x.mean(axis=-1)", 2, "misaligned"),
    ("x.mean(axis=-3)", 2, "aligned"), ("x.sum(axis=(0, 1))", 1, "aligned"),
    ("x.sum(axis=(1, 2))", 1, "misaligned"), ("x.sum(axis=1, keepdims=True)", 2, "aligned"),
    ("x.sum(1, True)", 2, "aligned"), ("x.sum(dim=1, keepdim=False)", 1, "misaligned"),
    ("x.sum()", 0, None), ("x.sum(axis=k)", 1, None), ("np.linalg.norm(x, axis=1)", 1, "misaligned"),
    ("x.norm(2, 1)", 1, "misaligned"), ("torch.linalg.norm(x, 2, 0)", 1, "aligned"),
    ("x.max(dim=1).values", 1, "misaligned"), ("torch.max(x, 1)[0]", 1, "misaligned"),
    ("np.sqrt(x.var(axis=1) + 1e-5)", 1, "misaligned"), ("-x.min(1)", 1, "misaligned"),
    ("x.sum(axis=1).astype(np.float32)", 1, "misaligned"), ("x.cumsum(axis=1)", 2, None),
    ("np.percentile(x, 90, 1)", 1, "misaligned"), ("np.quantile(x, 0.5, axis=0)", 1, "aligned"),
    ("f(x)", 1, None), ("x[:, 0]", 1, "misaligned"), ("x[..., -1]", 1, "misaligned"),
    ("x[0]", 1, "aligned"), ("x[0, :]", 1, "aligned"), ("x[:, idx]", 1, None), ("x[:, 1:]", 2, None),
])
def test_reduction_alignment(expr, rank, verdict):
    ix = SourceIndex(f"r = {expr}\n")
    value = ix.tree.body[0].value
    assert ix.reduction_alignment(value, rank) == verdict


def test_reduction_through_names_and_functions():
    src = ("def norms(a):\n    n = a.norm(dim=-1)\n    return n + 1\n"
           "s = x.sum(axis=0)\n"
           "s = x.sum(axis=1)\n"
           "use1 = s\n"
           "vals, idx = x.max(dim=1)\n"
           "use2 = vals\nuse3 = norms(x)\nuse4 = undefined\n"
           "for _ in range(2):\n    use5 = t\n    t = x.mean(1)\n")
    ix = SourceIndex(src)
    uses = {n.targets[0].id: n.value for n in ast.walk(ix.tree)
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
            and n.targets[0].id.startswith("use")}
    assert {k: ix.reduction_alignment(v, 1) for k, v in sorted(uses.items())} == {
        "use1": "misaligned", "use2": "misaligned", "use3": "misaligned", "use4": None,
        "use5": "misaligned"}


def test_reduction_through_attributes():
    src = ("class Norm:\n    def fit(self, x):\n        self.scale = x.std(axis=1)\n"
           "    def apply(self, x):\n        return x / self.scale\n")
    ix = SourceIndex(src)
    ret = next(n for n in ast.walk(ix.tree) if isinstance(n, ast.Return))
    assert ix.reduction_alignment(ret.value.right, 1) == "misaligned"


def test_self_referencing_names_terminate():
    ix = SourceIndex("s = s + 1\nr = s\n")
    assert ix.reduction_alignment(ix.tree.body[1].value, 1) is None


def test_silencing_comment_on_any_line_of_the_site():
    src = "a = (x\n     - y)  # broadcasting: ok\nb = '# broadcasting: ok'\nc = x # Broadcasting: OK!\n"
    ix = SourceIndex(src)
    assert ix.silenced(1, 2) and not ix.silenced(1, 1) and not ix.silenced(3, 3)
    assert ix.silenced(4, 4)


def test_names_and_segments():
    ix = SourceIndex("r = self.w * x.sum(axis=1) + a_very_long_name_of_forty_two_characters_abc\n")
    value = ix.tree.body[0].value
    assert ix.name_of(value.left.left) == "self.w" and ix.name_of(value.left.right) is None
    assert ix.segment(value.left.right) == "x.sum(axis=1)"
    assert len(ix.segment(value.right, limit=10)) == 10
    assert repr(ix) == "<SourceIndex: 1 lines, 2 operator sites>"
