"""Every notation of an explanation, evaluated numerically against numpy, torch and einops."""
import importlib
import json
from functools import reduce

import einops
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.shapes import format_shape
from oracles import check_matrix_form, eval_index_formula

ELEMENTWISE = st.integers(1, 4).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, min_dims=0, max_dims=4, min_side=0, max_side=3))
MATMUL = mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, min_side=0,
                                       max_side=3)


def arrays_for(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def check_all_einsums(e, arrays, expected):
    ops = e.einsum_operands(*arrays)
    np.testing.assert_allclose(np.einsum(e.einsum, *ops), expected, atol=1e-12)
    np.testing.assert_allclose(bc.einsum(e.einsum, *ops), expected, atol=1e-12)
    np.testing.assert_allclose(einops.einsum(*ops, e.einops), expected, atol=1e-12)
    tops = [torch.from_numpy(np.array(x)) for x in ops]
    np.testing.assert_allclose(torch.einsum(e.einsum, *tops).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(bc.einsum(e.einsum, *tops).numpy(), expected, atol=1e-12)
    for x, o in zip(ops, e.operands):  # no label is ever size-1-broadcast
        assert x.shape == tuple(e.plan.sizes[lab] for lab in o.labels)


@settings(max_examples=150, deadline=None)
@given(ELEMENTWISE)
def test_product_notations(data):
    shapes = data.input_shapes
    arrays = arrays_for(shapes)
    expected = reduce(np.multiply, arrays)
    e = bc.explain(*shapes)
    assert e.result_shape == expected.shape == data.result_shape
    check_all_einsums(e, arrays, expected)
    if expected.size <= 81:
        got = eval_index_formula(e.index, "*", arrays, e.plan.sizes)
        np.testing.assert_allclose(got, expected, atol=1e-12)
    if len(e.result_shape) <= 2:
        check_matrix_form(e, arrays, expected)
    else:
        assert e.matrix is None


@settings(max_examples=150, deadline=None)
@given(MATMUL)
def test_matmul_notations(data):
    shapes = data.input_shapes
    arrays = arrays_for(shapes)
    expected = np.matmul(*arrays)
    e = bc.explain(*shapes, op="@")
    assert e.result_shape == expected.shape
    assert e.result_shape == tuple(torch.matmul(*map(torch.from_numpy, arrays)).shape)
    check_all_einsums(e, arrays, expected)
    if expected.size * max(1, shapes[0][-1]) <= 200:
        np.testing.assert_allclose(eval_index_formula(e.index, "@", arrays, e.plan.sizes), expected,
                                   atol=1e-12)
    if max(map(len, shapes)) <= 2:
        check_matrix_form(e, arrays, expected)


@settings(max_examples=80, deadline=None)
@given(ELEMENTWISE, st.sampled_from(["+", "-"]))
def test_sum_notations(data, op):
    shapes = data.input_shapes
    arrays = arrays_for(shapes)
    expected = reduce(np.add if op == "+" else np.subtract, arrays)
    e = bc.explain(*shapes, op=op)
    assert e.einsum is None and e.einops is None
    if expected.size <= 81:
        np.testing.assert_allclose(eval_index_formula(e.index, op, arrays, e.plan.sizes), expected)
    if len(e.result_shape) <= 2:
        check_matrix_form(e, arrays, expected)


def _torch_grads(shapes, op, seed=1):
    xs = [torch.from_numpy(a).requires_grad_() for a in arrays_for(shapes)]
    func = {"*": torch.mul, "+": torch.add, "@": torch.matmul}[op]
    out = reduce(func, xs)
    grad = torch.from_numpy(np.random.default_rng(seed).standard_normal(tuple(out.shape)))
    out.backward(grad)
    return [x.detach() for x in xs], grad, [x.grad for x in xs]


def _check_adjoints(shapes, op):
    xs, grad, expected = _torch_grads(shapes, op)
    e = bc.explain(*shapes, op=op)
    ops = e.einsum_operands(*xs)
    for k, (eq, want) in enumerate(zip(e.adjoints, expected)):
        inputs = [grad] + [x for j, x in enumerate(ops) if j != k] if op != "+" else [grad]
        got = torch.einsum(eq, *inputs).reshape(shapes[k])
        torch.testing.assert_close(got, want)
        torch.testing.assert_close(bc.unbroadcast(grad, shapes[k]), want) if op == "+" else None


@settings(max_examples=80, deadline=None)
@given(ELEMENTWISE, st.sampled_from(["*", "+"]))
def test_adjoints_against_autograd(data, op):
    _check_adjoints(data.input_shapes, op)


@settings(max_examples=80, deadline=None)
@given(MATMUL)
def test_matmul_adjoints_against_autograd(data):
    _check_adjoints(data.input_shapes, "@")


@pytest.mark.parametrize("shapes, match", [
    (((), (3,)), "0-d"),
    (((2, 3), (2, 3)), "contracted axis has 3 vs 2"),
    (((2, 2, 3), (3, 3, 4)), r"batch axis -3 has 2 vs 3"),
    (((3,), (2,)), "contracted axis has 3 vs 2"),
])
def test_matmul_errors(shapes, match):
    with pytest.raises(bc.BroadcastError, match=match):
        bc.explain(*shapes, op="@")
    with pytest.raises((ValueError, RuntimeError)):
        np.matmul(*(np.ones(s) for s in shapes))


def test_seed_vector_times_matrix():
    a = torch.tensor([0.5, 1, 2])
    B = torch.tensor([[1.0, 1, 1], [2, 2, 2]])
    e = bc.explain(a, B)
    assert e.index == "C[i,j] = a[j] * B[i,j]"
    assert e.latex == "C_{ij} = a_{j} B_{ij}"
    assert e.matrix == "C = B \\, \\operatorname{diag}(a)"
    assert e.matrix_form.case == "column scaling"
    assert e.adjoints == ("ij,ij->j", "ij,j->ij")
    torch.testing.assert_close(B @ torch.diag(a), a * B)


def test_names_and_matmul_forms():
    e = bc.explain((2,), (2, 3), op="@", names=("x", "W", "h"))
    assert e.index == "h[j] = Σ_i x[i] * W[i,j]"
    assert e.latex == "h_{j} = \\sum_{i} x_{i} W_{ij}"
    assert e.einsum == "i,ij->j" and e.einops == "i, i j -> j"
    assert e.matrix == "h = W^\\top x" and e.matrix_form.case == "vector times matrix"
    assert bc.explain((2, 3), (3,), op="@").matrix_form.case == "matrix times vector"
    assert bc.explain((3,), (3,), op="@").matrix_form.case == "inner product"
    assert bc.explain((4, 2, 3), (3, 5), op="@").matrix is None
    named = bc.explain((3,), (2, 3), names=["dscore_dhact", "dh_dW"])
    assert named.index == "C[i,j] = dscore_dhact[j] * dh_dW[i,j]"
    assert named.latex == "C_{ij} = \\mathrm{dscore\\_dhact}_{j} \\mathrm{dh\\_dW}_{ij}"
    with pytest.raises(bc.BroadcastError, match="do not fit 2 operands"):
        bc.explain((3,), (2, 3), names=("a",))


@pytest.mark.parametrize("shapes, case", [
    (((), (3,)), "scalar multiple"), (((), (2, 3)), "scalar multiple"),
    (((2, 3), (2, 3)), "Hadamard product"), (((3,), (2, 3)), "column scaling"),
    (((2, 1), (2, 3)), "row scaling"), (((2, 1), (1, 3)), "outer product"),
    (((3,), (3, 1)), "outer product"), (((2, 1), (3,), (2, 3)), "row and column scaling"),
    (((3,), (3,)), "Hadamard product"), (((), ()), "scalar product"),
])
def test_matrix_cases(shapes, case):
    assert bc.explain(*shapes).matrix_form.case == case


def test_stretched_axes_are_indexed_not_broadcast():
    e = bc.explain((1, 3), (2, 1))
    assert e.index == "C[i,j] = A[0,j] * B[i,0]"
    assert e.einsum == "j,i->ij"
    assert [o.index_text for o in e.operands] == ["[0]", "[:, 0]"]
    a, B = np.arange(3.0).reshape(1, 3), np.arange(2.0).reshape(2, 1)
    ops = e.einsum_operands(a, B)
    assert [x.shape for x in ops] == [(3,), (2,)]


def test_einsum_operands_refuses_wrong_shapes_and_keeps_0d_arrays():
    e = bc.explain((1, 3), (2, 1))
    with pytest.raises(bc.BroadcastError, match="has shape"):
        e.einsum_operands(np.ones((1,)), np.ones((2, 1)))
    e = bc.explain((1,), (2, 3))
    (a, _) = e.einsum_operands(np.ones((1,)), np.ones((2, 3)))
    assert isinstance(a, np.ndarray) and a.shape == ()  # a 0-d array, not a numpy scalar
    assert einops.einsum(a, np.ones((2, 3)), e.einops).shape == (2, 3)


def test_warnings():
    w = bc.explain((5,), (5, 1)).warnings
    assert [x.kind for x in w] == ["accidental-outer-product", "ambiguous-alignment"]
    assert w[0].message == "a(5,) * B(5, 1) -> (5, 5) is an outer product: each operand is copied along an axis the other has"
    assert w[0].suggestion == ("if elementwise was meant, use B[:, 0]; if the outer product is "
                               "meant, make the new axes explicit: a[None, :]")
    assert [x.kind for x in bc.explain((4, 4), (4,), op="/").warnings] == ["ambiguous-alignment"]
    assert bc.explain((8, 3), (3,), op="+").warnings == ()       # a bias row on a batch
    assert bc.explain((), (4, 4)).warnings == ()                 # scalar scaling
    assert bc.explain((5, 3), (5, 1), op="-").warnings == ()     # keepdims reduction
    assert bc.explain((2, 1), (1, 3)).warnings == ()             # an explicit outer product
    assert bc.explain((5, 1), (3,)).warnings == ()                # sizes differ: no accident


def test_to_dict_str_markdown_repr():
    e = bc.explain((3,), (2, 3))
    d = json.loads(json.dumps(e.to_dict()))
    assert d["einsum"] == "j,ij->ij" and d["result"]["shape"] == [2, 3]
    assert d["operands"][0]["axes"] == [{"label": "j", "size": 3, "role": "match"}]
    assert d["operands"][0]["new"] == ["i"] and d["matrix_case"] == "column scaling"
    text = str(e)
    assert "a  (3,)    ·  3" in text and "C[i,j] = a[j] * B[i,j]" in text and "ij,ij->j" in text
    md = e._repr_markdown_()
    assert "$$C_{ij} = a_{j} B_{ij}$$" in md and "| `a` | `(3,)` | · | 3 |" in md
    assert repr(e) == "<Explanation a(3,) * B(2, 3) -> (2, 3): C[i,j] = a[j] * B[i,j]>"
    assert bc.explain(np.ones(3), torch.ones(2, 3)) is e  # cached on shapes


def test_bad_operands():
    with pytest.raises(bc.BroadcastError, match="operand 1"):
        bc.explain((3,), "x")
    with pytest.raises(bc.BroadcastError, match="operator '%%' is not supported"):
        bc.explain((3,), (3,), op="%%")
    with pytest.raises(bc.BroadcastError, match="at least one"):
        bc.explain()


def test_matrix_words_use_plain_names():
    mf = bc.explain((3,), (2, 3), names=["dscore_dhact", "dh_dW"]).matrix_form
    assert mf.words == "column j of dh_dW scaled by dscore_dhact[j]"
    assert bc.explain((2, 1), (2, 3)).matrix_form.words == "row i of B scaled by A[i]"


def test_an_explanation_cannot_be_changed_by_a_caller():
    # explain caches its result: a caller's assignment must not reach later calls
    e = bc.explain((3,), (2, 3))
    with pytest.raises(AttributeError, match="immutable"):
        e.einsum = "x"
    with pytest.raises(AttributeError, match="immutable"):
        e.result_shape = (1,)
    assert bc.explain((3,), (2, 3)).einsum == "j,ij->ij"
    assert bc.explain((3,), (2, 3)).result_shape == (2, 3)


# ---- issue 13.4: more than 52 axes --------------------------------------------------------

@pytest.mark.parametrize("op", ["*", "+"])
def test_beyond_52_labels_every_notation_exists_or_says_why(op):
    e = bc.explain((1,) * 53, (1,) * 53, op=op)
    text, md = str(e), e._repr_markdown_()
    assert "C[i,j,k," in text and e.index in text and e.latex in md
    assert e.einsum is None and e.einops is None and e.adjoints is None
    assert set(e.unavailable) >= {"adjoints", "matrix"} and "52 letters" in e.unavailable["adjoints"]
    json.dumps(e.to_dict())
    for k in (0, 1) if op == "*" else ():
        j = e.jacobian(k)
        assert j.index.startswith("∂C[") and "\\delta" in j.latex and j.dense_einsum is None
        with pytest.raises(bc.BroadcastError, match="52 letters"):
            j.dense(np.ones((1,) * 53), np.ones((1,) * 53))


def test_52_labels_still_have_an_einsum():
    shapes = ((2,) + (1,) * 48, (1,) * 49)  # 49 labels + names a, B, C: within 52 letters
    e = bc.explain(*shapes)
    assert e.einsum is not None and e.unavailable == {"matrix": "the result has rank > 2"}
    arrays = arrays_for(shapes)
    np.testing.assert_allclose(bc.einsum(e.einsum, *e.einsum_operands(*arrays)), arrays[0] * arrays[1])


# ---- issue 13.5: names never collide -------------------------------------------------------

def test_result_name_is_not_an_operand_name():
    assert bc.explain((2, 3), (2, 3), names=("A", "C")).index == "D[i,j] = A[i,j] * C[i,j]"
    assert bc.explain((2, 3), (2, 3), names=("C", "c")).plan.result_name == "D"


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1,
                max_size=2)


@settings(max_examples=150, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=4), st.integers(0, 60), st.booleans())
def test_names_labels_and_result_never_collide(names, rank, matmul):
    if matmul:
        names = (names * 2)[:2]
        shapes = ((2,) * max(rank, 1), (2,) * max(rank, 2))
    else:
        shapes = [(1,) * rank] * (len(names) - 1) + [(2,) * min(rank, 3) + (1,) * max(rank - 3, 0)]
    e = bc.explain(*shapes, op="@" if matmul else "*", names=tuple(names))
    p = e.plan
    assert p.result_name.lower() not in {n.lower() for n in names}
    assert not set(p.labels) & (set(names) | {p.result_name})
    assert len(set(p.labels)) == len(p.labels)
    str(e), e._repr_markdown_(), e.jacobian(0).index
    if e.einsum is not None and not matmul:
        arrays = arrays_for(shapes)
        got = bc.einsum(e.einsum, *e.einsum_operands(*arrays))
        np.testing.assert_allclose(got, reduce(np.multiply, arrays))
    if max(map(len, shapes)) <= 3 and not matmul:
        arrays = arrays_for(shapes)
        np.testing.assert_allclose(eval_index_formula(e.index, "*", arrays, p.sizes),
                                   reduce(np.multiply, arrays))


# ---- issue 13.6: messages that suggest only what works, in the user's names ----------------

def _suggestions(message):
    if "did you mean " not in message:
        return []
    return message.split("did you mean ", 1)[1].rstrip("?").split(" or ")


def _check_suggestions(message, env, op):
    """Each suggestion, evaluated on real arrays bound to the operands' names, works."""
    import re
    fixes = _suggestions(message)
    for fix in fixes:
        m = re.fullmatch(r"(.+?)(?: \(shape (\(.*\))\))?", fix)
        expr, shape = m.group(1), m.group(2)
        if " @ " in expr or " * " in expr:
            eval(expr, {}, env)
            continue
        name = re.match(r"\w+", expr).group(0)
        fixed = eval(expr, {}, env)
        assert format_shape(fixed.shape) == shape, (fix, fixed.shape)
        new = dict(env, **{name: fixed})
        a, b = (new[k] for k in env)
        (a @ b) if op == "@" else np.broadcast_shapes(a.shape, b.shape)
    return fixes


SMALL = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(SMALL, SMALL, st.sampled_from([None, ("X", "W")]))
def test_matmul_error_suggestions_all_work(left, right, names):
    try:
        np.matmul(np.ones(left), np.ones(right))
        return
    except ValueError:
        pass
    with pytest.raises(bc.BroadcastError) as info:
        bc.explain(left, right, op="@", names=names)
    message = str(info.value)
    a, b = names or ("a", "b")
    env = {a: np.ones(left), b: np.ones(right)}
    _check_suggestions(message, env, "@")
    if names:
        assert "(X)" in message and "(W)" in message and " b." not in message and " b[" not in message


def test_matmul_messages_of_the_issue():
    with pytest.raises(bc.BroadcastError) as info:
        bc.explain((2, 3, 5), (1, 3, 5, 5), op="@")
    message = str(info.value)
    assert "batch axis -3 has 2 vs 3" in message and "b.T" not in message
    assert _check_suggestions(message, {"a": np.ones((2, 3, 5)), "b": np.ones((1, 3, 5, 5))}, "@")
    with pytest.raises(bc.BroadcastError) as info:
        bc.explain((2,), (3, 4), op="@", names=("x", "W"))
    assert "did you mean" not in str(info.value) and "x's last axis vs W's" in str(info.value)
    with pytest.raises(bc.BroadcastError, match=r"did you mean W\.T \(shape \(2, 3\)\) or W @ x\?"):
        bc.explain((2,), (3, 2), op="@", names=("x", "W"))


@settings(max_examples=200, deadline=None)
@given(SMALL, SMALL)
def test_elementwise_error_suggestions_work_and_use_names(left, right):
    try:
        np.broadcast_shapes(left, right)
        return
    except ValueError:
        pass
    with pytest.raises(bc.BroadcastError) as info:
        bc.explain(left, right, names=("X", "w"))
    message = str(info.value)
    assert "(X)" in message and "(w)" in message
    _check_suggestions(message, {"X": np.ones(left), "w": np.ones(right)}, "*")


# ---- issue 13.7: np.matrix refused, thousands of operands linear ---------------------------

class _Matrix(np.matrix):
    pass


@pytest.mark.parametrize("make", [np.matrix, lambda x: x.view(_Matrix)], ids=["matrix", "subclass"])
def test_numpy_matrix_is_refused_where_star_is_not_elementwise(make):
    m = make(np.arange(4.0).reshape(2, 2))
    assert not np.array_equal(m * m, np.asarray(m) * np.asarray(m))  # why: * is m @ m
    for call in (lambda: bc.explain(m, np.ones(2)), lambda: bc.explain(np.ones(2), m, op="**"),
                 lambda: bc.multiply(m, m), lambda: bc.einsum("ij,ij->ij", m, m)):
        with pytest.raises(bc.BroadcastError, match="numpy.matrix of shape \\(2, 2\\).*matrix"):
            call()
    assert bc.explain(m, m, op="@").result_shape == (2, 2)  # @ means what it says
    np.testing.assert_array_equal(bc.multiply(np.asarray(m), np.asarray(m)), np.asarray(m) ** 2)


def _shapes_of(n):
    return [(3,)] * (n // 2) + [(2, 3)] * (n - n // 2)


def test_thousands_of_operands_linear(monkeypatch):
    """2,000 operands explain; the pairwise outer-product search judges pairs of distinct shapes
    (here 2), not of operands; the text grows linearly (backward rules shown for the first few)."""
    ex = importlib.import_module("broadcasting.explain")
    calls = []
    real = ex._copied_pair
    monkeypatch.setattr(ex, "_copied_pair", lambda *a: calls.append(1) or real(*a))
    texts = {}
    for n in (1000, 2000):
        e = bc.explain(*_shapes_of(n))
        texts[n] = str(e) + e._repr_markdown_()
        assert e.index.count(" * ") == n - 1 and e.matrix.count("\\odot") == n // 2 - 1
        assert e.einsum.count(",") == n - 1 and e.warnings == ()
        assert f"… and {n - ex.SHOWN} more operands' rules" in texts[n]
    assert len(calls) == 2 * 2  # two distinct shapes, two explanations
    assert len(texts[2000]) < 2.2 * len(texts[1000])


def test_many_operands_still_find_the_first_outer_pair():
    shapes = [(3, 3)] * 50 + [(3,)] + [(3, 3)] * 50 + [(3, 1)] + [(3,)]
    e = bc.explain(*shapes)
    outer = [w for w in e.warnings if w.kind == "accidental-outer-product"]
    names = [o.name for o in e.operands]
    assert len(outer) == 1 and outer[0].message.startswith(f"{names[50]}(3,) * {names[101]}(3, 1)")


def _first_pair_by_brute_force(plan):
    """The pairwise search as first written: every pair of operands, in order."""
    sizes = plan.sizes
    for p in plan.operands:
        for q in plan.operands[p.position + 1:]:
            pc = [lab for lab in p.stretched if sizes.get(lab, 1) > 1 and lab in q.labels]
            qc = [lab for lab in q.stretched if sizes.get(lab, 1) > 1 and lab in p.labels]
            if pc and qc and (set(pc) & set(p.new) or set(qc) & set(q.new)) and \
                    {sizes[lab] for lab in pc} & {sizes[lab] for lab in qc}:
                return p.name, q.name
    return None


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, min_dims=0, max_dims=3, min_side=1, max_side=3)))
def test_outer_product_search_equals_brute_force(data):
    e = bc.explain(*data.input_shapes)
    outer = [w for w in e.warnings if w.kind == "accidental-outer-product"]
    want = _first_pair_by_brute_force(e.plan)
    if want is None:
        assert not outer
    else:
        p, q = (o for o in e.operands if o.name in want)
        assert outer and outer[0].message.startswith(f"{p.name}{format_shape(p.shape)} * {q.name}")


def test_repeat_explain_of_shapes_is_the_same_object_and_still_refuses_non_int_sizes():
    """A repeat ``bc.explain`` of shapes given as tuples of ints is a dictionary hit (issue
    19: cached explain within 1.2x of np.broadcast_shapes); sizes equal to those ints but of
    another type (``3.0 == 3``, ``True == 1``) are still refused, arrays still explained."""
    first = bc.explain((3,), (2, 3))
    assert bc.explain((3,), (2, 3)) is first
    named = bc.explain((1,), (2, 3), names=["x", "W"])  # a list of names: not a key, no error
    assert bc.explain((1,), (2, 3), names=["x", "W"]).einsum == named.einsum
    for bad in [((3.0,), (2, 3)), ((3,), (2.0, 3))]:
        with pytest.raises(bc.BroadcastError, match="not a"):
            bc.explain(*bad)
    bc.explain((1,), (2, 1))
    with pytest.raises(bc.BroadcastError):
        bc.explain((True,), (2, 1))
    arrays = bc.explain(np.ones(3), np.ones((2, 3)))
    assert str(arrays) == str(first)


def test_the_shapes_cache_starts_again_when_full():
    # issue 19: a full cache refused every new shape, so a long run (the corpus: ~10,000)
    # validated each repeat again; now it starts again empty and keeps the recent ones
    import sys
    cache = sys.modules["broadcasting.explain"]._BY_SHAPES
    for n in range(1, 5001):
        first = bc.explain((n,), (1,))
    assert len(cache) <= 4096 and (((5000,), (1,)), "*", None) in cache
    assert bc.explain((5000,), (1,)) is first
