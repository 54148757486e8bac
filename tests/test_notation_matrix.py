"""Matrix forms, true of the operands as written: every rank ≤ 2 pair of shapes under
``* + - / @``, each form parsed and evaluated with nothing broadcasting (tests/oracles.py)."""
import itertools
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.notation.matrix import CONVENTION
from oracles import check_matrix_form

OPS = {"*": np.multiply, "+": np.add, "-": np.subtract, "/": np.divide, "@": np.matmul}


def patterns(n, m):
    """The eight shapes of rank ≤ 2: (), (1,), (n,), (1,1), (1,n), (n,1), (n,n), (m,n)."""
    return [(), (1,), (n,), (1, 1), (1, n), (n, 1), (n, n), (m, n)]


def values(shapes, seed=0):
    """Random values away from 0 (divisors), signs mixed."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes]


def expected_of(op, arrays):
    """The numpy result, or None where numpy refuses the shapes."""
    try:
        return reduce(OPS[op], arrays)
    except ValueError:
        return None


def check_case(shapes, op, seed=0):
    """The form exists exactly where numpy computes the result, and evaluates to it."""
    arrays = values(shapes, seed)
    expected = expected_of(op, arrays)
    if expected is None:
        with pytest.raises(bc.BroadcastError):
            bc.explain(*shapes, op=op)
        return False
    e = bc.explain(*shapes, op=op)
    assert e.result_shape == expected.shape
    assert e.matrix is not None, (shapes, op)
    if op != "@":  # a (1, n) row is written as it is (@ transposes by definition: c = Bᵀa)
        assert not any(len(o.shape) == 2 and o.shape[0] == 1 and f"{o.name}^\\top" in e.matrix
                       for o in e.operands), e.matrix
    check_matrix_form(e, arrays, expected)
    return True


def all_pair_cases(n, m):
    return [(pair, op) for pair in itertools.product(patterns(n, m), repeat=2) for op in OPS]


def test_every_rank2_pair_under_every_operator():
    """The exhaustive table: 8 × 8 shape pairs × 5 operators, for (n, m) = (3, 2) and (2, 4)."""
    checked = {}
    for n, m in ((3, 2), (2, 4)):
        cases = all_pair_cases(n, m)
        assert len(cases) == 320
        checked[(n, m)] = sum(check_case(shapes, op) for shapes, op in cases)
    assert checked[(3, 2)] == checked[(2, 4)] == TABLE_SIZE


# the valid cases of the 320: * + - / broadcast 60 of the 64 pairs ((n,n) and (m,n) do not
# broadcast, nor (m,n) with (n,1) — both orders), @ takes the pairs with no 0-d operand whose
# contracted sizes agree (21 of the 64)
TABLE_SIZE = 4 * 60 + 21


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 7), st.integers(0, 7),
       st.sampled_from(sorted(OPS)), st.integers(0, 2**16))
def test_rank2_pairs_any_sizes(n, m, p, q, op, seed):
    if n == m:
        m = n + 1
    shapes = (patterns(n, m)[p], patterns(n, m)[q])
    check_case(shapes, op, seed)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: mutually_broadcastable_shapes(
    num_shapes=k, min_dims=0, max_dims=2, min_side=1, max_side=3)),
       st.sampled_from(["*", "+", "-", "/"]))
def test_chains_of_rank2_operands(data, op):
    assert check_case(data.input_shapes, op)


@pytest.mark.parametrize("shapes, op, form", [
    (((2, 1), (1, 3)), "*", "C = A \\, B"),
    (((2, 3), (1, 3)), "+", "C = A + \\mathbb{1} \\, B"),
    (((3,), (3, 3)), "@", "c = B^\\top a"),
    (((2, 3), (3,)), "/", "C = A \\, \\operatorname{diag}(b)^{-1}"),
    (((3,), (1, 3), (2, 1)), "*", "D = C \\, (a^\\top \\odot B)"),
    (((1,), (3, 3)), "*", "C = a_{1} \\, B"),
    (((1,), (3,)), "+", "c = a_{1} \\, \\mathbb{1} + b"),
    (((3, 3), (1, 1)), "+", "C = A + B_{11} \\, \\mathbb{1} \\mathbb{1}^\\top"),
    (((1,), (1, 1)), "*", "C_{11} = a_{1} \\, B_{11}"),
    (((2, 1), (3,)), "*", "C = A \\, b^\\top"),
])
def test_issue_examples(shapes, op, form):
    assert bc.explain(*shapes, op=op).matrix == form
    check_case(shapes, op)


def test_a_wrong_form_fails_the_oracle():
    """The oracle is strict: the old forms (a row transposed, a 1-element array as a number,
    ``x 𝟙`` as (1×1)(n×1)) do not evaluate."""
    e = bc.explain((2, 1), (1, 3))
    arrays = values(e.shapes)
    bad = type(e.matrix_form)("C = A \\, B^\\top", "outer product")
    with pytest.raises(AssertionError):
        check_matrix_form(_with_form(e, bad), arrays, arrays[0] * arrays[1])
    e = bc.explain((1,), (3,), op="+")
    arrays = values(e.shapes)
    with pytest.raises(AssertionError):
        check_matrix_form(_with_form(e, type(e.matrix_form)("c = a \\, \\mathbb{1} + b", "sum")),
                          arrays, arrays[0] + arrays[1])


def _with_form(e, form):
    class Forged:
        matrix, op, operands, result_shape = form.latex, e.op, e.operands, e.result_shape
    return Forged()


def test_convention_is_stated_in_the_module_and_on_pattern_pages():
    from broadcasting.docs.patterns import PATTERNS, pattern_page
    from broadcasting.notation import matrix
    assert "a 1-D array is a column vector" in " ".join(matrix.__doc__.split())
    assert "1-D array is a column vector" in CONVENTION and "never vᵀ" in CONVENTION
    page = pattern_page(next(p for p in PATTERNS if p.slug == "column-times-row"), "0")
    assert CONVENTION in page and "B^\\top" not in page.split("## Matrix form")[1].split("##")[0]
