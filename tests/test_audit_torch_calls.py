"""Torch function calls in the audit: recorded at the program's line, operators left to the tracer."""
import ast
import subprocess
import sys

import pytest
import torch

import broadcasting as bc

from broadcasting.audit import audit_source
from broadcasting.audit.calls import CallRecord
from broadcasting.audit.torch_calls import TorchCalls
from broadcasting.audit.torch_ops import imports_torch

pytestmark = pytest.mark.filterwarnings("ignore:Using a target size")

SRC = """import torch
import torch.nn.functional as F
pred, y = torch.rand(5, 1), torch.rand(5)
a = F.mse_loss(pred, y)
b = torch.nn.SmoothL1Loss()(pred, y)
c = pred.sub(y)
d = pred * y
e = torch.nn.Linear(5, 3)(torch.rand(2, 5))
f = torch.add(torch.ones(5, 5), torch.ones(5))
g = torch.add(pred[:, 0], y)
"""


def test_imports_torch():
    assert imports_torch(ast.parse("from torch import nn"))
    assert imports_torch(ast.parse("def f():\n    import torch\n"))
    assert not imports_torch(ast.parse("import torchvision_like\nimport numpy as np"))


def test_records_calls_from_the_program_only():
    calls = TorchCalls("<prog>")
    ns = {}
    with calls:
        exec(compile(SRC, "<prog>", "exec"), ns)  # untraced: operators are plain calls here
    assert ns["a"].shape == () and ns["f"].shape == (5, 5)
    got = sorted((r.line, r.name, r.shapes) for r in calls.records)
    assert got == [(4, "mse_loss", ((5, 1), (5,))), (5, "smooth_l1_loss", ((5, 1), (5,))),
                   (6, "sub", ((5, 1), (5,))), (7, "mul", ((5, 1), (5,))),
                   (9, "add", ((5, 5), (5,)))]
    assert CallRecord(6, "sub", "-", ((5, 1), (5,))) in calls.records
    from torch.overrides import _get_current_function_mode_stack
    assert _get_current_function_mode_stack() == []


def test_audit_reports_calls_once_with_names_and_columns():
    findings = audit_source(SRC)
    rows = [(f.line, f.col, f.op, f.kind, f.severity) for f in findings]
    assert rows == [(4, 5, "mse_loss", "accidental-outer-product", "warning"),
                    (5, 5, "smooth_l1_loss", "accidental-outer-product", "warning"),
                    (6, 5, "sub", "accidental-outer-product", "warning"),
                    (7, 10, "*", "accidental-outer-product", "warning"),
                    (9, 5, "add", "broadcast", "info")]
    assert "pred(5, 1) - y(5,)" in findings[0].message


def test_numpy_programs_do_not_import_torch(tmp_path):
    path = tmp_path / "p.py"
    path.write_text("import numpy as np\nx = np.ones((3, 1)) - np.ones(3)\n")
    code = (f"import sys\nfrom broadcasting.audit import audit_program\n"
            f"r = audit_program({str(path)!r})\nassert len(r.warnings) == 1\n"
            f"assert 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_recording_only_where_a_checked_function_is_named():
    from broadcasting.audit.torch_ops import calls_checked
    assert calls_checked(ast.parse("crit = nn.BCEWithLogitsLoss()"))
    assert calls_checked(ast.parse("x.add_(y)")) and calls_checked(ast.parse("from torch import maximum\nm = maximum(a, b)"))
    assert not calls_checked(ast.parse("y = model(x) * w + b"))


def test_binary_min_max_are_checked_and_their_reductions_are_not():
    from broadcasting.audit.strict import strict
    src = ("import torch\nq1, q2 = torch.ones(6), torch.ones(6, 1)\n"
           "m = torch.min(q1, q2)\n"
           "n = q2.max(q1)\n"
           "r = torch.max(torch.ones(6, 6), 1).values - torch.min(q2, dim=1).values\n")
    found = [(f.line, f.kind, f.shapes) for f in audit_source(src, {"torch": torch})
             if f.severity == "warning"]
    assert found == [(3, "accidental-outer-product", ((6,), (6, 1))),
                     (4, "accidental-outer-product", ((6, 1), (6,)))]
    with strict("outer"), pytest.raises(bc.BroadcastError, match="accidental-outer-product"):
        torch.min(torch.ones(6), torch.ones(6, 1))
    with strict("outer"):
        values = torch.max(torch.ones(6, 6), 1).values
    assert torch.equal(values, torch.ones(6))
