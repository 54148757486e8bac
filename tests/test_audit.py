"""The audit: every bug line of the bug programs warned, nothing else; clean programs silent."""
import json
import pathlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.audit import AuditFinding, audit_program, audit_sites, audit_source
from broadcasting.trace import trace_source

PROGRAMS = pathlib.Path(__file__).parent / "audit_programs"
WARNING_KINDS = ("accidental-outer-product", "ambiguous-alignment", "loss-shape-mismatch",
                 "misaligned-rank-promotion")
BUGGY = sorted(PROGRAMS.glob("bug_*.py"))
CLEAN = sorted(PROGRAMS.glob("clean_*.py"))


def _marked(path) -> set[int]:
    return {n for n, line in enumerate(path.read_text().splitlines(), 1) if "# BUG" in line}


def test_enough_programs_of_each_library():
    for group in (BUGGY, CLEAN):
        assert len(group) >= 8
        assert {p.name.split("_")[1] for p in group} == {"np", "torch"}


@pytest.mark.filterwarnings("ignore:Using a target size")  # torch's own, from the bug programs
@pytest.mark.parametrize("path", BUGGY + CLEAN, ids=lambda p: p.stem)
def test_programs_warned_exactly_on_bug_lines(path):
    report = audit_program(str(path))
    assert report.error is None
    assert {f.line for f in report.warnings} == _marked(path)
    assert all(f.kind in WARNING_KINDS for f in report.warnings)
    assert report.sites_ran > 0


def _audit(src, **names):
    ns = {"np": np, "torch": torch, **names}
    return audit_source(src, ns)


def _kinds(findings):
    return [(f.line, f.kind, f.severity) for f in findings]


def test_outer_product_shapes_positions_and_fix():
    [f] = _audit("a = np.ones((5, 1))\nb = np.ones(5)\nc = a  *  b\n")
    assert (f.line, f.col, f.op, f.shapes) == (3, 8, "*", ((5, 1), (5,)))
    assert (f.kind, f.severity) == ("accidental-outer-product", "warning")
    assert "(5, 5)" in f.message and f.suggestion
    assert f.to_dict() == {"line": 3, "col": 8, "op": "*", "shapes": [[5, 1], [5]],
                           "kind": "accidental-outer-product", "severity": "warning",
                           "message": f.message, "suggestion": f.suggestion}


@pytest.mark.parametrize("site", ["a[:, None] - b", "a - b[:, np.newaxis]", "a.reshape(-1, 1) - b",
                                  "np.expand_dims(a, 1) - b", "t.unsqueeze(1) - u",
                                  "rearrange(a, 'n -> n 1') - b"])
def test_outer_product_made_explicit_at_site_is_info(site):
    import einops
    src = f"out = {site}\n"
    [f] = _audit(src, a=np.arange(4.0), b=np.arange(4.0), t=torch.arange(4.0), u=torch.arange(4.0),
                 rearrange=einops.rearrange)
    assert (f.kind, f.severity, sorted(f.shapes)) == ("outer-product", "info", [(4,), (4, 1)])


def test_outer_product_of_different_sizes_is_info_and_silencing_comment():
    findings = _audit("c = np.ones((3, 1)) * np.ones(4)\n"
                      "d = np.ones((3, 1)) * np.ones(3)  # broadcasting: ok\n"
                      "e = np.ones((3, 1)) * np.ones(3)  # BROADCASTING:OK because\n")
    assert _kinds(findings) == [(1, "outer-product", "info"),
                                (2, "accidental-outer-product", "info"),
                                (3, "accidental-outer-product", "info")]
    assert "silenced" in findings[1].message


def test_ordinary_broadcasts_are_info():
    src = ("h = x @ W + b\n"            # bias row on a batch
           "s = 0.5 * x\n"              # scalar
           "z = x - x.mean(axis=1, keepdims=True)\n"
           "o = x[:, :, None] * x[:, None, :]\n"
           "m = np.float64(2.0) * x\n"
           "t = x * np.array(3.0)\n")
    findings = _audit(src, x=np.ones((8, 3)), W=np.ones((3, 4)), b=np.zeros(4))
    assert _kinds(findings) == [(1, "broadcast", "info"), (2, "scalar", "info"),
                                (3, "broadcast", "info"), (4, "outer-product", "info"),
                                (5, "scalar", "info"), (6, "scalar", "info")]
    assert findings[0].shapes == ((8, 4), (4,)) and "b[None, :]" in findings[0].suggestion


def test_no_finding_without_broadcast():
    src = "a = x + x\nb = 2 + 3\nc = 'ab' * 2\nd = [1] + [2]\ne = x == x\n"
    assert _audit(src, x=np.ones(3)) == []


@pytest.mark.parametrize("reduced, severity", [
    ("x.sum(axis=1)", "warning"), ("x.sum(1)", "warning"), ("np.sum(x, 1)", "warning"),
    ("np.sum(x, axis=-1)", "warning"), ("x.mean(-1) + 1e-8", "warning"),
    ("np.sqrt((x ** 2).sum(axis=1))", "warning"), ("x.max(axis=1)", "warning"),
    ("x.sum(axis=0)", None), ("np.linalg.norm(x, axis=0)", None), ("v", None),
])
def test_ambiguous_alignment_needs_a_misaligned_reduction(reduced, severity):
    findings = _audit(f"r = x / ({reduced})\n", x=np.random.default_rng(0).random((4, 4)) + 1,
                      v=np.ones(4))
    warnings = [f for f in findings if f.line == 1 and f.op == "/"]
    assert [f.severity for f in warnings] == [severity or "info"]
    if severity:
        assert warnings[0].kind == "ambiguous-alignment" and "keepdims" in warnings[0].suggestion


def test_ambiguous_alignment_through_variables_functions_and_torch():
    src = ("def row_norm(a):\n"
           "    return a.norm(dim=1)\n"
           "m = t.max(dim=1).values\n"
           "vals, idx = t.max(dim=-1)\n"
           "a = t / row_norm(t)\n"
           "b = t - m\n"
           "c = t - vals\n"
           "d = t - t.logsumexp(dim=0)\n"
           "e = t / t.sum(dim=1)[:, None]\n")
    findings = _audit(src, t=torch.rand(5, 5))
    assert [(f.line, f.severity) for f in findings] == [(5, "warning"), (6, "warning"),
                                                        (7, "warning"), (8, "info"), (9, "info")]


def test_matmul_batch_broadcasting_is_reported_as_info():
    src = "y = x @ W\nz = q @ k\nv = W @ W\n"
    findings = _audit(src, x=np.ones((2, 5, 3)), W=np.ones((3, 3)), q=np.ones((2, 1, 4, 3)),
                      k=np.ones((6, 3, 4)))
    assert _kinds(findings) == [(1, "matmul-batch", "info"), (2, "matmul-batch", "info")]
    assert findings[1].shapes == ((2, 1, 4, 3), (6, 3, 4))
    assert "einsum(" in findings[0].suggestion


def test_sites_in_functions_report_each_distinct_shape_pair_once():
    src = ("def center(a, b):\n    return a - b\n"
           "for n in (2, 3, 3, 3):\n    center(np.ones((n, 1)), np.ones(n))\n"
           "center(np.ones((4, 4)), np.ones(4))\n")
    findings = _audit(src)
    assert [(f.shapes, f.severity) for f in findings] == [
        (((2, 1), (2,)), "warning"), (((3, 1), (3,)), "warning"), (((4, 4), (4,)), "info")]


def test_augmented_assignment_and_comparisons():
    src = "acc = np.zeros((3, 3))\nacc += v\nm = v[:, None] == v\nw = (p > 0.5) == y\n"
    findings = _audit(src, v=np.arange(3.0), p=np.ones((3, 1)), y=np.ones(3))
    assert _kinds(findings) == [(2, "broadcast", "info"), (3, "outer-product", "info"),
                                (4, "scalar", "info"), (4, "accidental-outer-product", "warning")]
    assert findings[-1].op == "==" and findings[0].op == "+"


def test_same_values_as_untraced_run():
    path = PROGRAMS / "clean_np_batchnorm.py"
    src = path.read_text()
    plain, traced = {"__name__": "__main__"}, {}
    exec(compile(src, str(path), "exec"), plain)
    audit_source(src, traced)
    for name in ("out", "dx", "dgamma"):
        np.testing.assert_array_equal(plain[name], traced[name])


def test_program_errors_propagate_from_audit_source_and_are_kept_by_audit_program(tmp_path):
    src = "import numpy as np\nx = np.ones((3, 1)) - np.ones(3)\nraise KeyError('k')\n"
    with pytest.raises(KeyError):
        audit_source(src)
    path = tmp_path / "crash.py"
    path.write_text(src)
    report = audit_program(str(path))
    assert (report.error.type_name, report.error.line) == ("KeyError", 3)
    assert [f.line for f in report.warnings] == [2]
    assert "raised KeyError at line 3" in report.format_text()


def test_report_text_and_json(tmp_path):
    path = tmp_path / "p.py"
    path.write_text("import numpy as np\np = np.ones((4, 1))\nloss = ((p - np.ones(4)) ** 2).mean()\n")
    report = audit_program(str(path))
    text = report.format_text(show_scalars=False)
    assert "loss = ((p - np.ones(4)) ** 2).mean()" in text
    caret_line = text.splitlines()[2]
    assert caret_line.index("^") - caret_line.index("|") - 2 == 12 - 1  # under the `-`
    assert "[scalar]" not in text and "1 warning, 1 info" in text
    data = json.loads(report.to_json())
    assert list(data) == ["findings"]
    assert [sorted(f) for f in data["findings"]] == [sorted(
        ["line", "col", "op", "shapes", "kind", "severity", "message", "suggestion"])] * 2


@settings(max_examples=60, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, min_side=1, max_side=4, max_dims=3))
def test_warnings_are_a_subset_of_the_core_findings(shapes):
    a, b = shapes.input_shapes
    t = trace_source("c = a - b\n", {"a": np.zeros(a), "b": np.zeros(b)})
    findings = audit_sites(t.sites, "c = a - b\n")
    assert t.namespace["c"].shape == shapes.result_shape
    if a == b:
        assert findings == []
        return
    [f] = findings
    assert f.shapes == (a, b)
    core = {w.kind for w in bc.explain(a, b, op="-").warnings}
    assert not f.is_warning or f.kind in core
    if "accidental-outer-product" in core and f.kind != "accidental-outer-product":
        assert f.kind == "outer-product"  # the copied sizes differ


def test_public_names():
    assert bc.audit_source is audit_source and bc.AuditFinding is AuditFinding
    assert "AuditFinding(" in repr(_audit("c = np.ones(2) * np.ones((2, 1))")[0])


def test_in_place_tensor_methods_are_judged_like_their_functions():
    src = ("import torch\n"
           "S = torch.rand(5, 5)\n"
           "S.div_(S.sum(dim=1))\n"
           "S.div_(S.sum(dim=1, keepdim=True))\n"
           "S.sub_(S.mean(dim=0))\n")
    findings = [f for f in _audit(src) if f.kind != "scalar"]
    assert [(f.line, f.op, f.severity) for f in findings] == [
        (3, "div", "warning"), (4, "div", "info"), (5, "sub", "info")]
    assert findings[0].kind == "ambiguous-alignment" and findings[0].col == 1


def test_three_operand_calls_warn_on_an_accidental_outer_product():
    src = ("import torch\n"
           "err = torch.rand(6)\n"
           "mask = (err > 0.5).unsqueeze(1)\n"
           "a = torch.where(mask, err.clamp(max=0.1), err)\n"
           "b = torch.where(mask, torch.zeros(6, 6), err)\n"
           "c = torch.where(err[:, None] > 0.5, err, err)\n"
           "d = torch.where(mask, err, err)  # broadcasting: ok\n")
    findings = [f for f in _audit(src) if f.kind != "scalar"]
    assert [(f.line, f.op, f.kind, f.severity) for f in findings] == [
        (4, "where", "accidental-outer-product", "warning"),
        (5, "where", "broadcast", "info"),
        (6, "where", "broadcast", "info"),
        (7, "where", "accidental-outer-product", "info")]
    assert findings[0].shapes == ((6, 1), (6,), (6,)) and "(6, 6)" in findings[0].message


def test_argmax_against_an_explicit_label_column_still_warns():
    src = ("pred = s.argmax(1)\n"
           "acc = (pred == y[:, None]).mean()\n"
           "hot = y[:, None] == np.arange(6)\n"
           "top = s.argmax(axis=1)[:, None] == np.arange(6)\n"
           "pairs = y[:, None] == y\n"
           "t = (t_s.argmax(dim=-1) == t_y.unsqueeze(1)).float()\n")
    findings = _audit(src, s=np.random.default_rng(0).random((6, 6)), y=np.arange(6),
                      t_s=torch.rand(6, 6), t_y=torch.arange(6))
    assert _kinds(findings) == [(2, "accidental-outer-product", "warning"),
                                (3, "outer-product", "info"), (4, "outer-product", "info"),
                                (5, "outer-product", "info"),
                                (6, "accidental-outer-product", "warning")]


@pytest.mark.parametrize("site, severity", [
    ("(A.T / A.sum(axis=1)).T", "info"), ("A.T / A.sum(1)", "info"),
    ("np.transpose(A) - A.mean(axis=-1)", "info"), ("A.T - A.mean(axis=0)", "warning"),
    ("A.transpose(1, 0) / A.sum(axis=0)", "warning"), ("A / A.sum(axis=1)", "warning"),
])
def test_transposed_operand_flips_the_reduction_alignment(site, severity):
    [f] = [f for f in _audit(f"r = {site}\n", A=np.random.default_rng(1).random((4, 4)) + 1)
           if f.op in "/-"]
    assert f.severity == severity


def test_alibi_with_batch_equal_heads_is_the_gqa_shape_and_alibi_none_is_clean():
    """(H, 1, T) on (B, H, T, T) with B == H cannot be told from the GQA mask bug by shape:
    warned, and the help's advice (alibi[None]) makes it clean."""
    src = ("import torch\nscores, alibi = torch.zeros(3, 3, 4, 4), torch.ones(3, 1, 4)\n"
           "a = scores + alibi\nb = scores + alibi[None]\n")
    found = [(f.line, f.kind, f.severity) for f in _audit(src) if f.line in (3, 4)]
    assert found == [(3, "misaligned-rank-promotion", "warning"), (4, "broadcast", "info")]
    from broadcasting.cli_help import AUDIT
    assert "alibi[None]" in AUDIT
