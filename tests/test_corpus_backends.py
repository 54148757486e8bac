"""Per-dtype comparison (NaN equals NaN), conversions, and the backend selection of a run."""
from __future__ import annotations

import numpy as np
import pytest

from broadcasting.corpus.backends import ALL_BACKENDS, Backends, tolerance
from broadcasting.errors import UsageError


def test_nan_equals_nan_and_inf_equals_inf():
    b = Backends()
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert b.close(x, x.copy())
    assert not b.close(x, np.array([np.nan, np.inf, np.inf, 1.0]))
    assert not b.close(np.array([np.nan]), np.array([0.0]))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128"])
def test_tolerance_follows_the_dtype(dtype):
    rtol, _ = tolerance(dtype)
    e = np.ones(3, dtype)
    assert Backends.close(e * (1 + rtol / 2), e, dtype)
    assert not Backends.close(e * (1 + 20 * rtol), e, dtype)


def test_integers_and_bools_compare_exactly():
    assert tolerance("int64") == (0.0, 0.0)
    assert not Backends.close(np.array([1, 2]), np.array([1, 3]))
    assert Backends.close(np.array([True]), np.array([True]))


def test_shape_and_differ_messages():
    b = Backends()
    assert b.differ("x", np.zeros((2, 3)), np.zeros((3, 2))) == ["x: shape (2, 3), expected (3, 2)"]
    assert b.differ("y", np.ones(2), np.zeros(2))[0].startswith("y: values differ")


def test_torch_tensors_convert_including_complex32():
    torch = pytest.importorskip("torch")
    b = Backends()
    t = b.tensor(np.arange(3.0))
    assert b.numpy(t * 2).tolist() == [0.0, 2.0, 4.0]
    assert b.tensor(np.float32(2.0).reshape(())).dim() == 0  # 0-d stays 0-d
    half = torch.ones(2, dtype=torch.complex32)
    assert b.numpy(half).dtype == np.complex64


def test_unknown_backend_is_a_usage_error():
    assert Backends().names == ALL_BACKENDS
    with pytest.raises(UsageError, match="unknown backend"):
        Backends(("jax",))
