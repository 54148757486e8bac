"""numpy function calls in audited programs: recorded from the program's lines only, the
originals restored, and judged like operators."""
import numpy as np
import pytest

from broadcasting.audit import audit_source
from broadcasting.audit.numpy_calls import NUMPY_CHECKED, NumpyCalls, names_checked
from broadcasting.audit.calls import CallRecord


def _run(src, filename="<prog>"):
    calls = NumpyCalls(filename)
    with calls:
        exec(compile(src, filename, "exec"), {"np": np})
    return calls


def test_records_broadcasting_calls_made_by_the_program():
    calls = _run("a = np.subtract(np.ones((3, 1)), np.ones(3))\n"
                 "b = np.maximum(np.ones((2, 2)), np.ones((2, 2)))\n"
                 "c = np.where(np.ones(4) > 0, np.ones((2, 4)), 0.0)\n"
                 "d = np.add.reduce(np.ones((3, 2)), axis=0)\n")
    assert calls.records == {CallRecord(1, "subtract", "-", ((3, 1), (3,))): 1,
                             CallRecord(3, "where", None, ((4,), (2, 4))): 1}


def test_calls_from_other_files_are_not_recorded_and_originals_come_back():
    original = np.subtract
    with pytest.raises(ZeroDivisionError):
        with NumpyCalls("<prog>") as calls:
            assert np.subtract is not original
            np.linalg.norm(np.ones((3, 3)) - np.ones(3), axis=1)  # numpy's own code
            np.subtract(np.ones((3, 1)), np.ones(3))  # this file, not the program
            1 / 0
    assert np.subtract is original and calls.records == {}
    assert all(not type(getattr(np, name)).__name__.startswith("_Recorded")
               for name in NUMPY_CHECKED if hasattr(np, name))


def test_results_are_the_real_functions_results():
    ns = {"np": np}
    with NumpyCalls("<string>"):
        exec("r = np.where(np.arange(4) % 2 == 0, np.arange(4), -1)\n"
             "q = np.maximum.accumulate(np.array([1, 3, 2]))\n", ns)
    np.testing.assert_array_equal(ns["r"], [0, -1, 2, -1])
    np.testing.assert_array_equal(ns["q"], [1, 3, 3])


@pytest.mark.parametrize("src, expected", [
    ("import numpy as np\nz = np.where(m, a, b)", True),
    ("from numpy import maximum\nz = maximum(a, b)", True),
    ("import numpy as np\nz = a * b", False),
    ("z = np.where(m, a, b)", False),
])
def test_names_checked(src, expected):
    import ast
    assert names_checked(ast.parse(src)) is expected


def test_numpy_calls_judged_like_operators():
    src = ("import numpy as np\n"
           "p = np.ones((5, 1))\n"
           "y = np.arange(5.0)\n"
           "X = np.random.default_rng(0).random((5, 5))\n"
           "a = np.subtract(p, y)\n"
           "b = np.where(p > 0, y, 0 * y)\n"
           "c = np.divide(X, X.sum(axis=1))\n"
           "d = np.divide(X, X.sum(axis=1, keepdims=True))\n"
           "e = np.maximum(X, y)\n"
           "f = np.subtract(p, y)  # broadcasting: ok\n")
    found = [(f.line, f.op, f.kind, f.severity) for f in audit_source(src) if f.kind != "scalar"]
    assert found == [(5, "subtract", "accidental-outer-product", "warning"),
                     (6, "where", "accidental-outer-product", "warning"),
                     (7, "divide", "ambiguous-alignment", "warning"),
                     (8, "divide", "broadcast", "info"),
                     (9, "maximum", "broadcast", "info"),
                     (10, "subtract", "accidental-outer-product", "info")]
