"""explain stays linear in the number of operands (issue 19): the outer-product warning groups
operands instead of comparing every pair, and gives the pair a plain pairwise search gives."""
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.explain import findings_of
from broadcasting.plan import make_plan
from broadcasting.shapes import format_shape


def _pairwise_outer(plan):
    """The first (p, q) by positions that the outer-product rule flags, every pair compared."""
    sizes = plan.sizes
    for p, q in itertools.combinations(plan.operands, 2):
        pc = [lab for lab in p.stretched if sizes.get(lab, 1) > 1 and lab in q.labels]
        qc = [lab for lab in q.stretched if sizes.get(lab, 1) > 1 and lab in p.labels]
        if pc and qc and (set(pc) & set(p.new) or set(qc) & set(q.new)) and \
                {sizes[lab] for lab in pc} & {sizes[lab] for lab in qc}:
            return p, q
    return None


SHAPES = st.integers(2, 7).flatmap(lambda n: mutually_broadcastable_shapes(
    num_shapes=n, min_dims=0, max_dims=3, min_side=1, max_side=3))


@settings(max_examples=300, deadline=None)
@given(SHAPES)
def test_outer_product_warning_names_the_first_pair(shapes):
    plan = make_plan(shapes.input_shapes)
    pair = _pairwise_outer(plan)
    outer = [f for f in findings_of(plan) if f.kind == "accidental-outer-product"]
    if pair is None:
        assert outer == []
    else:
        p, q = pair
        assert len(outer) == 1
        assert outer[0].message.startswith(
            f"{p.name}{format_shape(p.shape)} * {q.name}{format_shape(q.shape)} -> ")


def test_thousands_of_operands_explain_in_one_pass():
    """3,200 operands: each notation that is linear in size is built (it took a minute before,
    comparing every pair of operands for the warnings). No timing is asserted."""
    shapes = [(2,), (2, 2), (2, 1), (1, 2)] * 800
    e = bc.explain(*shapes)
    assert e.result_shape == (2, 2) and len(e.operands) == 3200
    outer = [w for w in e.warnings if w.kind == "accidental-outer-product"]
    assert len(outer) == 1 and outer[0].message.startswith("a(2,) * C(2, 1) -> (2, 2)")
    assert e.einsum.count(",") == 3199 and len(e.adjoints) == 3200
    assert e.backward[0].startswith("dL/da[j] = Σ_i dL/d") and e.backward[0].count(" * ") == 3199
