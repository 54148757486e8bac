"""The audit on the patterns of issue 15: a reduction axis passed as a value, expand_as of a
reduction, loss shape mismatches, library code broadcasting (distributions), misaligned rank
promotion; and the recorders put numpy and torch back as they were."""
import ast

import numpy as np
import pytest
import torch

from broadcasting.audit import audit_source
from broadcasting.audit.distributions import DistributionCalls
from broadcasting.audit.numpy_methods import NumpyMethods
from broadcasting.audit.reductions import normalized_axes
from broadcasting.audit.source import unknown_axes

pytestmark = pytest.mark.filterwarnings("ignore:Using a target size")


def _warned(src):
    return [(f.line, f.kind) for f in audit_source(src, {}) if f.is_warning]


TORCH_AXIS = ("import torch\n"
              "def norm(x, d):\n"
              "    return x / x.sum(dim=d)\n"
              "a = norm(torch.ones(4, 4), {})\n")


@pytest.mark.parametrize("dim, warned", [(1, True), (-1, True), (0, False), (-2, False)])
def test_torch_axis_parameter_resolved_from_the_run(dim, warned):
    assert _warned(TORCH_AXIS.format(dim)) == ([(3, "ambiguous-alignment")] if warned else [])


def test_axis_parameter_warns_when_any_run_misaligns():
    src = TORCH_AXIS.format(0) + "b = norm(torch.ones(3, 3), 1)\n"
    warned = [f for f in audit_source(src, {}) if f.is_warning]
    assert {f.line for f in warned} == {3} and ((3, 3), (3,)) in {f.shapes for f in warned}
    assert all("x.sum(dim=d)" in f.message for f in warned)


@pytest.mark.parametrize("call", ["z.max(axis=ax)", "np.max(z, axis=ax)", "z.mean(ax)",
                                  "np.sum(z, ax)"])
def test_numpy_axis_parameter_method_and_function_style(call):
    src = (f"import numpy as np\ndef f(z, ax):\n    return z - {call}\n"
           f"r = f(np.ones((3, 3)), 1)\nc = f(np.ones((3, 3)), 0)\n")
    assert _warned(src) == [(3, "ambiguous-alignment")]


def test_numpy_methods_are_restored_even_when_the_program_raises():
    from numpy._core import _methods
    before = {name: getattr(_methods, name).__code__ for name in ("_sum", "_amax")}
    with pytest.raises(ZeroDivisionError):
        with NumpyMethods("<nowhere>"):
            np.ones((2, 2)).sum(axis=1)
            1 / 0
    assert {name: getattr(_methods, name).__code__ for name in before} == before
    np.testing.assert_array_equal(np.arange(6).reshape(2, 3).max(axis=1), [2, 5])


def test_unknown_axes_and_normalized_axes():
    assert unknown_axes(ast.parse("y = x.sum(dim=d)")) and not unknown_axes(ast.parse("x.sum(1)"))
    assert normalized_axes((-1, 0), 2) == (0, 1) and normalized_axes(5, 2) is None
    assert normalized_axes(True, 2) is None


@pytest.mark.parametrize("line, warned", [
    ("c = z - mu.expand_as(z)", True), ("c = z - mu.expand(4, 4)", True),
    ("c = z - torch.broadcast_to(mu, (4, 4))", True),
    ("c = z - z.mean(0).expand_as(z)", False), ("c = z - mu[:, None].expand_as(z)", False),
    ("c = z - z.mean(-1, keepdim=True).expand_as(z)", False)])
def test_expand_of_a_reduction_without_keepdim(line, warned):
    src = f"import torch\nz = torch.ones(4, 4)\nmu = z.mean(-1)\n{line}\n"
    found = _warned(src)
    assert found == ([(4, "ambiguous-alignment")] if warned else [])


def test_numpy_broadcast_to_of_a_row_reduction():
    src = "import numpy as np\nx = np.ones((3, 3))\nb = np.broadcast_to(x.max(axis=1), x.shape)\n"
    [f] = [f for f in audit_source(src, {}) if f.is_warning]
    assert (f.line, f.kind, f.op, f.shapes) == (3, "ambiguous-alignment", "broadcast_to",
                                                ((3,), (3, 3)))


@pytest.mark.parametrize("call, kind", [
    ("F.mse_loss(torch.ones(128, 1), torch.ones(128, 6))", "loss-shape-mismatch"),
    ("nn.MSELoss()(torch.ones(1, 18), torch.ones(8, 18))", "loss-shape-mismatch"),
    ("F.smooth_l1_loss(torch.ones(5, 1), torch.ones(5))", "accidental-outer-product"),
    ("nn.HuberLoss()(torch.ones(2, 3), torch.ones(3))", "loss-shape-mismatch")])
def test_loss_input_and_target_of_different_shapes(call, kind):
    src = f"import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nl = {call}\n"
    [f] = audit_source(src, {})
    assert (f.line, f.kind, f.severity) == (4, kind, "warning")
    assert "fix" not in f.message and f.suggestion


def test_loss_message_names_shapes_and_explicit_pairwise_loss_is_info():
    src = ("import torch\nimport torch.nn.functional as F\n"
           "pred, y = torch.ones(128, 1), torch.ones(128, 6)\n"
           "l = F.mse_loss(pred, y)\n"
           "p = F.mse_loss(pred[:, None], y[None, :])\n"
           "q = F.mse_loss(pred, y)  # broadcasting: ok\n")
    found = audit_source(src, {})
    assert [(f.line, f.severity) for f in found] == [(4, "warning"), (5, "info"), (6, "info")]
    assert found[0].message.startswith("mse_loss: input(128, 1) and target(128, 6) have "
                                       "different shapes, so the loss compares pred(128, 1)")


def test_distribution_value_and_parameters_and_originals_restored():
    from torch.distributions import Normal
    original = Normal.__dict__["log_prob"], Normal.__dict__["__init__"]
    src = ("import torch\nfrom torch.distributions import Normal\n"
           "loc = torch.zeros(6, 1)\n"
           "a = Normal(loc, 1.0).log_prob(torch.zeros(6))\n"
           "b = Normal(loc, torch.ones(6))\n"
           "c = Normal(torch.zeros(6, 3), torch.ones(3)).log_prob(torch.zeros(6, 3))\n"
           "d = Normal(torch.zeros(6), 1.0).log_prob(torch.zeros(5, 6))\n")
    warned = [(f.line, f.op, f.kind) for f in audit_source(src, {}) if f.is_warning]
    assert (4, "log_prob", "accidental-outer-product") in warned
    assert (5, "Normal", "accidental-outer-product") in warned
    assert {line for line, _, _ in warned} == {4, 5}
    assert (Normal.__dict__["log_prob"], Normal.__dict__["__init__"]) == original
    with DistributionCalls("<nowhere>"):
        value = Normal(torch.zeros(2), 1.0).log_prob(torch.zeros(2))
    torch.testing.assert_close(value, torch.full((2,), -0.5 * np.log(2 * np.pi)))


def test_unsummed_log_prob_against_a_column():
    src = ("import torch\nfrom torch.distributions import Normal\n"
           "dist = Normal(torch.zeros(8, 3), torch.ones(3))\n"
           "logp = dist.log_prob(torch.zeros(8, 3))\n"
           "ratio = torch.exp(logp - torch.zeros(8, 1))\n"
           "fine = torch.exp(logp.sum(-1, keepdim=True) - torch.zeros(8, 1))\n"
           "masked = (logp * torch.ones(8, 1)).sum(-1)\n")
    [f] = [f for f in audit_source(src, {}) if f.is_warning]
    assert (f.line, f.kind) == (5, "loss-shape-mismatch")
    assert ".sum(-1, keepdim=True)" in f.suggestion


@pytest.mark.parametrize("mask, warned", [("mask", True), ("mask[:, :, None]", False),
                                          ("mask[None]", False)])
def test_misaligned_rank_promotion(mask, warned):
    src = ("import torch\nscores = torch.zeros(4, 4, 2, 5, 5)\nmask = torch.zeros(4, 1, 5, 5)\n"
           f"s = scores + {mask}\n")
    found = _warned(src)
    assert found == ([(4, "misaligned-rank-promotion")] if warned else [])
    if warned:
        [f] = [f for f in audit_source(src, {}) if f.is_warning]
        assert "rank promotion aligned axis 0 of mask (4) with axis 1 of scores (4)" in f.message
        assert "mask[:, None]" in f.suggestion


@pytest.mark.parametrize("low", ["torch.zeros(3, 1, 1)", "torch.zeros(5, 5)",
                                 "torch.zeros(4, 1, 5, 5)[0]"])
def test_rank_promotion_of_ordinary_operands_is_info(low):
    src = f"import torch\nx = torch.zeros(3, 3, 5, 5) + {low}\n"
    assert _warned(src) == []


MASKED = ("import torch\n"
          "scores = torch.randn(4, 4, 2, 5, 5)\n"
          "mask = torch.ones(4, 1, 5, 5, dtype=torch.bool)\n"
          "s = scores.masked_fill(~mask, float('-inf'))\n"
          "t = torch.where(mask, scores, float('-inf'))\n"
          "pad = torch.ones(4, 5, dtype=torch.bool)\n"
          "ok = scores.masked_fill(~pad[:, None, None, None, :], float('-inf'))\n"
          "causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)\n"
          "c = torch.randn(4, 4, 5, 5).masked_fill(causal, 0.0)\n")


def test_masked_fill_and_where_with_a_mask_of_another_rank():
    assert _warned(MASKED) == [(4, "misaligned-rank-promotion"), (5, "misaligned-rank-promotion")]


def test_strict_outer_judges_masked_fill_as_the_audit_does(tmp_path):
    import warnings
    from broadcasting.audit.strict import BroadcastWarning, strict
    path = tmp_path / "masked.py"
    path.write_text(MASKED)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with strict("outer", mode="warn"):
            exec(compile(MASKED, str(path), "exec"), {})
    assert sorted(w.lineno for w in caught if w.category is BroadcastWarning) == [4, 5]


def test_pairwise_loss_shaped_on_earlier_lines_is_info():
    src = ("import torch\nimport torch.nn.functional as F\n"
           "x, y = torch.ones(7), torch.ones(7)\n"
           "a, b = x[:, None], y[None, :]\n"
           "l = F.mse_loss(a, b)\n"
           "m = F.mse_loss(a, torch.ones(7, 4))\n")
    assert [(f.line, f.severity) for f in audit_source(src, {})] == [(5, "info"), (6, "warning")]


def test_unsummed_log_prob_returned_by_a_method_of_the_program():
    src = ("import torch\nfrom torch.distributions import Normal\n"
           "class Policy:\n"
           "    def evaluate(self, states, actions):\n"
           "        dist = Normal(states, torch.ones(3))\n"
           "        action_logprobs = dist.log_prob(actions)\n"
           "        return action_logprobs, dist.entropy()\n"
           "logprobs, entropy = Policy().evaluate(torch.zeros(8, 3), torch.zeros(8, 3))\n"
           "ratios = torch.exp(logprobs - torch.zeros(8, 1).detach())\n")
    assert _warned(src) == [(9, "loss-shape-mismatch")]


@pytest.mark.parametrize("line, warned", [
    ("r = (new_log_probs - old_logp).exp()", True), ("r = (old_logp - logp).exp()", True),
    ("r = logp - logp.logsumexp(-1, keepdim=True)", False), ("r = logits - old_logp", False),
    ("r = logp * old_logp", False),
    ("lse = logp.logsumexp(-1).unsqueeze(1)\nr = logp - lse", False)])
def test_log_probs_by_name_minus_a_column(line, warned):
    src = ("import torch\nlogp = new_log_probs = -0.5 * torch.randn(8, 3) ** 2\n"
           "logits, old_logp = torch.randn(8, 3), torch.zeros(8, 1)\n" + line + "\n")
    assert _warned(src) == ([(src.count("\n"), "loss-shape-mismatch")] if warned else [])


def test_nested_numpy_method_logs_leave_the_outer_one_working():
    def f(x, ax):
        return x.sum(axis=ax)
    with NumpyMethods(f.__code__.co_filename) as outer:
        with NumpyMethods(f.__code__.co_filename):
            f(np.ones((2, 3)), 1)
        f(np.ones((2, 3)), 0)
    assert {r.axes for runs in outer.axes.runs.values() for r in runs} == {(0,), (1,)}
    assert np.ones((2, 3)).sum(axis=1).tolist() == [3.0, 3.0]
