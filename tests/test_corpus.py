"""The public API of broadcasting.corpus: loading, counting, divergence records, the registry."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from broadcasting import corpus
from broadcasting.errors import CorpusError, UsageError

from corpus_helpers import CORPUS


@pytest.fixture(scope="module")
def cases():
    return corpus.load(CORPUS)


def test_load_gives_every_case_with_unique_ids(cases):
    assert len(cases) >= 10000
    assert len({c["id"] for c in cases}) == len(cases)
    assert all(c["id"].startswith(c["kind"] + "-") for c in cases)


def test_every_two_operand_pattern_up_to_rank_3_is_covered(cases):
    from broadcasting.corpus.kinds.elementwise import two_operand_patterns
    seen = {(c["op"], tuple(map(tuple, c["shapes"]))) for c in cases if c["kind"] == "elementwise"}
    for shapes in two_operand_patterns():
        for op in "*+-/":
            assert (op, shapes) in seen


def test_count_cases_by_pattern_and_einsum(cases):
    # a(3) * B(2,3): operand a is missing the leading axis
    n = corpus.count_cases(cases, op="*", pattern=corpus.pattern_of("*", [[3], [2, 3]]))
    assert n == sum(1 for c in cases if c.get("op") == "*" and len(c.get("shapes", [])) == 2
                    and corpus.pattern_of("*", c["shapes"]) == "-n,nn")
    assert n >= 2  # float64 and float32 at least
    assert corpus.count_cases(cases, einsum="j,ij->ij") >= 2
    assert corpus.count_cases(cases, kind="promotion") == 560


def test_promotion_records_and_divergences(cases):
    table = corpus.promotion_table(cases)
    assert len(table) == 560
    rec = next(r for r in table if r["forms"] == ["array", "0-d"] and r["dtypes"] == ["int64", "float32"])
    import torch
    a, b = np.ones(2, np.int64), np.ones((), np.float32)
    assert rec["numpy_dtype"] == str((a * b).dtype)
    assert rec["torch_dtype"] == str((torch.from_numpy(a) * torch.from_numpy(b)).dtype).split(".")[1]
    assert rec["diverges"] == (rec["numpy_dtype"] != rec["torch_dtype"])
    assert all(r["diverges"] for r in corpus.divergences(cases))
    assert len(corpus.divergences(cases)) == sum(r["diverges"] for r in table) > 0


def test_error_records_name_each_library(cases):
    records = corpus.error_records(cases)
    assert len(records) > 500
    assert {r["error"]["bc"] for r in records} == {"BroadcastError"}
    assert all(r["error"]["numpy"] != "none" and r["error"]["torch"] != "none" for r in records)


def test_registry_and_seeds():
    assert {"elementwise", "matmul", "gradients", "errors", "promotion"} <= set(corpus.KINDS)
    assert corpus.case_seed(0, "matmul", 1) != corpus.case_seed(0, "matmul", 2)
    with pytest.raises(UsageError, match="unknown corpus kind"):
        corpus.kind_module("nope")


def test_arrays_are_rebuilt_from_the_seed():
    from broadcasting.corpus.arrays import make_arrays
    case = {"seed": 7, "shapes": [[2, 3], [3]], "dtypes": ["float32", "int8"]}
    a1, b1 = make_arrays(case)
    a2, b2 = make_arrays(case)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(a1, rng.standard_normal((2, 3)).astype(np.float32))
    assert (a1 == a2).all() and (b1 == b2).all() and b1.dtype == np.int8


def test_load_refuses_a_directory_without_manifest(tmp_path):
    with pytest.raises(CorpusError, match="MANIFEST.json"):
        corpus.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3),
       operands=st.integers(2, 3), seed=st.integers(0, 2**31 - 1))
def test_gradients_autograd_equals_backward_with_the_gradient_bit_for_bit(shapes, operands, seed):
    # issue 19: the gradients kind takes autograd's gradients from (out * grad).sum().backward(),
    # which spares each torch worker torch's sympy import; they must be out.backward(grad)'s
    import torch
    from broadcasting.corpus.backends import Backends
    from broadcasting.corpus.kinds.gradients import _autograd, _Grad
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes[:operands]]
    out_shape = np.broadcast_shapes(*(a.shape for a in arrays))
    grad = rng.standard_normal(out_shape)
    g = _Grad({"op": "*", "id": "x"}, [], arrays, grad, [], ())
    got = _autograd(g, Backends(("torch",)))
    tensors = [torch.from_numpy(a).requires_grad_() for a in arrays]
    out = tensors[0]
    for t in tensors[1:]:
        out = out * t
    out.backward(torch.from_numpy(grad))
    for a, b in zip(got, tensors):
        assert a.dtype == b.grad.dtype and torch.equal(a, b.grad)


def test_reading_a_file_whole_equals_reading_it_line_by_line():
    # issue 19: a well-formed file is decoded as one JSON array; the same cases as line by line
    from broadcasting.corpus.files import _line_by_line, _whole_file
    for path in sorted(CORPUS.glob("*.jsonl")):
        data = path.read_bytes()
        whole = _whole_file(data)
        assert whole is not None and whole == _line_by_line(path, data, path.stem)
