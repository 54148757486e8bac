"""strict mode on torch: every checked spelling raises, allowed cases pass, blocks nest and unwind."""
import subprocess
import sys
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.errors import UsageError
from broadcasting.audit.strict import CHECKED, BroadcastWarning, strict

a, B = torch.arange(3.0), torch.arange(6.0).reshape(2, 3)
col = torch.arange(3.0).reshape(3, 1)

SPELLINGS = {
    "a * B": lambda: a * B, "B * a": lambda: B * a, "torch.mul": lambda: torch.mul(a, B),
    "Tensor.mul": lambda: a.mul(B), "a + B": lambda: a + B, "torch.add": lambda: torch.add(B, a),
    "B - a": lambda: B - a, "torch.sub": lambda: torch.sub(a, B, alpha=2), "a / B": lambda: a / B,
    "torch.div": lambda: torch.div(B, a), "a // B": lambda: a // (B + 1), "a % B": lambda: a % (B + 1),
    "a ** B": lambda: a ** B, "torch.pow": lambda: torch.pow(a, B), "a < B": lambda: a < B,
    "a == B": lambda: a == B, "torch.eq": lambda: torch.eq(a, B), "torch.ge": lambda: torch.ge(B, a),
    "torch.maximum": lambda: torch.maximum(a, B), "torch.where": lambda: torch.where(a > 1, a, B),
    "torch.addcmul": lambda: torch.addcmul(a, a, B), "torch.lerp": lambda: torch.lerp(a, B, 0.5),
    "torch.atan2": lambda: torch.atan2(a, B), "col - a": lambda: col - a,
    "& bool": lambda: (a > 0) & (B > 0), "logical_or": lambda: torch.logical_or(a > 0, B > 0),
}


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_every_spelling_raises_with_the_explanation(name):
    expected = SPELLINGS[name]()
    with strict():
        with pytest.raises(bc.BroadcastError) as info:
            SPELLINGS[name]()
    err = info.value
    assert "implicit broadcasting" in str(err) and "\n" not in str(err)
    assert err.explanation.result_shape == tuple(expected.shape)
    torch.testing.assert_close(SPELLINGS[name](), expected, equal_nan=True)  # normal again


def test_message_names_the_copies_and_the_outer_product():
    with strict(), pytest.raises(bc.BroadcastError) as info:
        col - a
    text = str(info.value)
    assert "A(3, 1) - b(3,) -> (3, 3)" in text and "accidental-outer-product" in text
    assert "C[i,j] = A[i,0] - b[j]" in text


def test_elementwise_losses_check_input_against_target_only():
    F = torch.nn.functional
    pred, y = torch.rand(4, 1), torch.rand(4)
    with strict():
        with pytest.raises(bc.BroadcastError, match="mse_loss: A\\(4, 1\\), b\\(4,\\) -> \\(4, 4\\)"):
            F.mse_loss(pred, y)
        with pytest.raises(bc.BroadcastError, match="binary_cross_entropy"):
            F.binary_cross_entropy(pred, y)
        fixed = F.mse_loss(pred[:, 0], y)
        weighted = F.binary_cross_entropy_with_logits(torch.rand(4, 2), torch.rand(4, 2),
                                                      pos_weight=torch.ones(2))
    torch.testing.assert_close(fixed, ((pred[:, 0] - y) ** 2).mean())
    assert weighted.shape == ()


def test_in_place_ops_raise_and_leave_the_tensor_unchanged():
    x = torch.zeros(2, 3)
    with strict():
        with pytest.raises(bc.BroadcastError):
            x += a
        with pytest.raises(bc.BroadcastError):
            x.mul_(a)
    assert torch.equal(x, torch.zeros(2, 3))


def test_allowed_same_shapes_scalars_zero_d_and_matmul():
    with strict():
        out = B * B + 2.0 - torch.tensor(3.0) * B / torch.tensor(2.0)
        m = B @ a
        w = torch.where(B > 1, B, 0.0)
        s = (a * 2).sum() * a
        g = torch.nn.functional.relu(B).mean(dim=0, keepdim=False) + a
    torch.testing.assert_close(out, B * B + 2.0 - 1.5 * B)
    torch.testing.assert_close(m, torch.tensor([5.0, 14.0]))
    assert w.shape == (2, 3) and s.shape == (3,) and g.shape == (3,)


def test_warn_mode_warns_and_computes():
    with strict("warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = a * B
        z = B * B
    assert [w.category for w in caught] == [BroadcastWarning]
    assert "a(3,) * B(2, 3)" in str(caught[0].message)
    torch.testing.assert_close(y, B * a)
    assert z.shape == (2, 3)


def test_nesting_innermost_decides_and_unwinds():
    with strict():
        with strict("off"):
            assert (a * B).shape == (2, 3)
            with strict():
                with pytest.raises(bc.BroadcastError):
                    a * B
            assert (a + B).shape == (2, 3)
        with strict("warn"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a - B
        assert len(caught) == 1
        with pytest.raises(bc.BroadcastError):
            a * B
    assert (a * B).shape == (2, 3)


def test_normal_behaviour_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with strict():
            1 / 0
    assert (a * B).shape == (2, 3)
    with pytest.raises(bc.BroadcastError):
        with strict():
            a * B
    assert (a * B).shape == (2, 3)
    from torch.overrides import _get_current_function_mode_stack
    assert _get_current_function_mode_stack() == []


def test_decorator_is_reentrant_and_restores():
    @strict()
    def scaled(x, w, depth=0):
        return scaled(x, w, depth - 1) if depth > 0 else x * w

    torch.testing.assert_close(scaled(B, B, depth=2), B * B)
    with pytest.raises(bc.BroadcastError):
        scaled(a, B, depth=2)
    assert (a * B).shape == (2, 3)

    @strict("warn")
    def loose(x, w):
        return x * w

    with pytest.warns(BroadcastWarning):
        assert loose(a, B).shape == (2, 3)


def test_autograd_runs_through_strict():
    w = torch.ones(3, requires_grad=True)
    with strict():
        loss = ((w * 2.0 - a) ** 2).sum()
        loss.backward()
    torch.testing.assert_close(w.grad, 4 * (2.0 - a))


@settings(max_examples=40, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, min_side=1, max_side=3, max_dims=3))
def test_raises_exactly_when_shapes_differ(shapes):
    x, y = (torch.ones(s) for s in shapes.input_shapes)
    differ = len({s for s in shapes.input_shapes if s != ()}) > 1
    with strict():
        if differ:
            with pytest.raises(bc.BroadcastError) as info:
                x * y
            assert info.value.explanation.result_shape == shapes.result_shape
        else:
            assert (x * y).shape == shapes.result_shape


def test_bad_mode_and_repr():
    with pytest.raises(UsageError, match="strict mode 'loud'"):
        strict("loud")
    assert repr(strict("warn")) == "strict('all', mode='warn')"
    with pytest.raises(UsageError, match="strict mode 'loud' is not one of raise"):
        strict("outer", mode="loud")
    with pytest.raises(UsageError, match="strict mode 'everything' is not a level"):
        strict("everything")
    assert {"mul", "add", "where", "addcmul", "eq"} <= set(CHECKED)


def test_torch_is_imported_only_when_entered():
    code = ("import sys, broadcasting as bc\ns = bc.strict()\nassert 'torch' not in sys.modules\n"
            "with s: pass\nassert 'torch' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
