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


CALL_SITES = """import torch
import torch.nn.functional as F
from torch.overrides import _get_current_function_mode_stack
modes = []
class Shifted(torch.nn.MSELoss):
    def forward(self, a, b):
        return super().forward(a + 0, b)
def step(model, opt, x, y, loss_fn):
    modes.append(len(_get_current_function_mode_stack()))
    opt.zero_grad()
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    opt.step()
    return loss
model = torch.nn.Linear(3, 1)
opt = torch.optim.Adam(model.parameters())
x, y = torch.rand(5, 3), torch.rand(5)
for _ in range(3):
    a = step(model, opt, x, y, torch.nn.MSELoss())
b = step(model, opt, x, y, Shifted())
c = torch.where(y > 0.5, model(x), y)
d = model(x).sub(y)
e = model(x)[:, 0].norm(dim=0)
same = F.l1_loss(model(x)[:, 0], y)
"""


def test_call_sites_record_what_the_function_mode_records_without_a_global_mode():
    """``call_sites=True`` (what the audit uses): the program's own calls go through the callee
    filter; no function mode is active while the program runs (torch's own calls, the model's
    and the optimizer's, cost nothing), yet the same calls are recorded at the same lines —
    a loss module, ``torch.where``, a tensor method; a loss module whose forward the program
    overrides at the line of its forward that calls torch's — and calls with equal shapes are
    not."""
    from broadcasting.audit.judge import _run, call_recorders
    from broadcasting.trace import instrument
    calls = call_recorders(CALL_SITES, "<prog>")
    assert [type(c).__name__ for c in calls] == ["TorchCalls"] and calls[0].call_sites
    code, sites = instrument(CALL_SITES, "<prog>", callee_name="__bc_callee__")
    ns = {}
    _run(code, sites, ns, calls)
    assert ns["modes"] == [0, 0, 0, 0]
    got = {(r.line, r.name, r.shapes): n for r, n in calls[0].records.items()}
    assert got == {(12, "mse_loss", ((5, 1), (5,))): 3, (7, "mse_loss", ((5, 1), (5,))): 1,
                   (22, "where", ((5,), (5, 1), (5,))): 1, (23, "sub", ((5, 1), (5,))): 1}

    mode = TorchCalls("<prog>")  # the global function mode, on the untraced program
    with mode:
        exec(compile(CALL_SITES, "<prog>", "exec"), {})
    by_mode = {(r.line, r.name, r.shapes): n for r, n in mode.records.items()}
    assert by_mode == got


def test_audit_of_a_training_loop_with_a_loss_module_reports_its_line():
    findings = audit_source(CALL_SITES)
    warned = sorted({(f.line, f.op) for f in findings if f.severity == "warning"})
    assert warned == [(7, "mse_loss"), (12, "mse_loss"), (22, "where"), (23, "sub")]
