"""Tests of broadcasting.diagram: structure and values of the SVG, not its looks."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import broadcasting as bc
from broadcasting.diagram import panels_of, shown, svg, value_text
from broadcasting.plan import make_plan

NS = {"s": "http://www.w3.org/2000/svg"}
ALL = {"max_shown": 1000, "max_slices": 1000}  # draw every cell


def cells(text: str, grid: str | None = None):
    root = ET.fromstring(text)
    out = [r.attrib for r in root.iter("{http://www.w3.org/2000/svg}rect") if "data-grid" in r.attrib]
    return [c for c in out if grid is None or c["data-grid"] == grid]


def texts(text: str) -> list[str]:
    root = ET.fromstring(text)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_vector_times_matrix_cells_copies_and_labels():
    text = bc.explain((3,), (2, 3)).svg()
    a, B, C = cells(text, "a"), cells(text, "B"), cells(text, "C")
    assert (len(a), len(B), len(C)) == (6, 6, 6)
    assert [c["data-copy"] for c in a] == ["no"] * 3 + ["new"] * 3
    assert [c["data-index"] for c in a] == ["0", "1", "2"] * 2  # row 1 repeats a[0..2]
    assert all(c["data-copy"] == "no" for c in B)
    assert [c["data-index"] for c in C] == ["0,0", "0,1", "0,2", "1,0", "1,1", "1,2"]
    words = texts(text)
    assert "i = 2" in words and "j = 3" in words and "×" in words and "=" in words
    assert "new i: copies" in words


def test_stretched_size1_axis_is_marked_stretched_not_new():
    text = bc.explain((2, 1), (3,)).svg()
    A = cells(text, "A")
    assert [c["data-copy"] for c in A] == ["no", "stretched", "stretched"] * 2
    assert [c["data-index"] for c in A] == ["0,0"] * 3 + ["1,0"] * 3
    assert "stretched j: 1→3" in texts(text)


def test_title_and_desc_for_accessibility():
    text = bc.explain((3,), (2, 3)).svg()
    root = ET.fromstring(text)
    title = root.find("s:title", NS)
    assert title.text == "a(3,) * B(2, 3) → C(2, 3)"
    assert root.attrib["role"] == "img"
    assert title.attrib["id"] in root.attrib["aria-labelledby"]
    assert "C[i,j] = a[j] * B[i,j]" in root.find("s:desc", NS).text


def test_dark_mode_palette_is_inside_the_svg():
    text = bc.explain((3,), (2, 3)).svg()
    style = ET.fromstring(text).find("s:style", NS).text
    assert "@media (prefers-color-scheme: dark)" in style


def test_matmul_shows_the_contracted_axis():
    text = bc.explain((2,), (2, 3), op="@", names=("x", "W", "h")).svg()
    words = texts(text)
    assert words.count("Σ i = 2") == 2  # on x's columns and on W's rows
    assert "Σ over i" in words and "@" in words
    assert [c["data-index"] for c in cells(text, "x")] == ["0", "1"]
    assert len(cells(text, "W")) == 6 and len(cells(text, "h")) == 3


def test_matrix_times_vector_draws_the_vector_as_a_column():
    p = make_plan(((2, 3), (3,)), op="@")
    b = panels_of(p)[1]
    assert [a.size for a in b.axes] == [3, 1]
    assert [c["data-index"] for c in cells(svg(p), "b")] == ["0", "1", "2"]


def test_batched_matmul_copies_along_the_batch_axis():
    text = bc.explain((5, 2, 3), (3, 4), op="@").svg(**ALL)
    B = cells(text, "B")
    assert len(B) == 5 * 3 * 4
    assert sum(c["data-copy"] == "no" for c in B) == 12
    assert sum(c["data-copy"] == "new" for c in B) == 48


def test_large_axes_are_elided():
    text = bc.explain((7,), (9, 7)).svg()
    assert len(cells(text, "B")) == 4 * 4  # rows 0, 1, 2, 8 by columns 0, 1, 2, 6
    assert "…" in texts(text) and "⋮" in texts(text)
    assert {c["data-index"] for c in cells(text, "C")} >= {"8,6", "0,0"}


def test_rank3_is_drawn_as_a_stack_of_slices():
    text = bc.explain((4, 2, 3), (2, 3)).svg(max_slices=3)
    B = cells(text, "B")
    assert len(B) == 2 * 6  # slices 0 and 3; the "…" between them is a glyph
    assert sum(c["data-copy"] == "no" for c in B) == 6
    assert "i = 4 (slices)" in texts(text)


def test_zero_size_axis_draws_an_empty_frame():
    text = bc.explain((0,), (2, 0)).svg()
    assert cells(text) == []
    assert texts(text).count("empty") == 3


def test_deterministic_and_equal_to_explanation_svg():
    p = make_plan(((3,), (2, 3)))
    assert svg(p) == svg(p) == bc.explain((3,), (2, 3)).svg()


def test_wraps_to_stay_within_max_width():
    names = "dloss_dprob dprob_dscore dscore_dhact dhact_dh dh_dW dloss_dW".split()
    text = bc.explain((), (), (3,), (3,), (2, 3), names=names).svg()
    assert float(ET.fromstring(text).attrib["width"]) <= 600


def _expected_cells(shape):
    return math.prod(shape) if shape else 1


@settings(max_examples=60, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_every_cell_drawn_and_copies_counted(shapes):
    plan = make_plan(shapes.input_shapes)
    text = svg(plan, **ALL)
    ET.fromstring(text)  # valid XML
    result = plan.result_shape
    n = _expected_cells(result)
    for o in plan.operands:
        drawn = cells(text, o.name)
        if n == 0:
            assert drawn == []
            continue
        assert len(drawn) == n
        stored = [c["data-index"] for c in drawn if c["data-copy"] == "no"]
        assert len(stored) == _expected_cells(o.shape)  # copies = result cells - stored
        want = {",".join(map(str, ix)) for ix in product(*map(range, o.shape))} if o.shape else {o.name}
        assert set(stored) == want
    assert len(cells(text, plan.result_name)) == n


@pytest.mark.parametrize("shapes,op", [(((2, 3), (3, 4)), "@"), (((3,), (3,)), "@"),
                                       (((2, 1, 3), (1, 3, 2)), "@"), (((), (2,)), "+")])
def test_valid_xml_for_other_shapes(shapes, op):
    root = ET.fromstring(bc.explain(*shapes, op=op).svg())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def _drawn_values(text: str) -> dict[tuple[str, str], str]:
    """(grid, data-index) -> the value its tooltip says (``B[1,2] = 6 (copy …)``)."""
    root = ET.fromstring(text)
    out = {}
    for r in root.iter("{http://www.w3.org/2000/svg}rect"):
        if "data-grid" in r.attrib:
            tip = r.find("{http://www.w3.org/2000/svg}title").text
            out[(r.attrib["data-grid"], r.attrib["data-index"])] = tip.split(" = ")[1].split(" (")[0]
    return out


@settings(max_examples=40, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_values_drawn_are_the_operands_and_numpys_result(shapes):
    import numpy as np
    from broadcasting.diagram import value_text
    arrays = [np.arange(1, math.prod(s) + 1).reshape(s) - 3 for s in shapes.input_shapes]
    plan = make_plan(shapes.input_shapes)
    drawn = _drawn_values(svg(plan, values=arrays, **ALL))
    result = arrays[0] * arrays[1]
    expected = {}
    for o, a in zip(plan.operands, arrays):
        for ix in np.ndindex(*a.shape):
            expected[(o.name, ",".join(map(str, ix)) if ix else o.name)] = value_text(a[ix])
    for ix in np.ndindex(*result.shape):
        expected[(plan.result_name, ",".join(map(str, ix)) if ix else plan.result_name)] = value_text(result[ix])
    if result.size == 0:
        assert drawn == {}
    else:
        assert drawn == expected  # every stored entry, copies showing their source's value


def test_values_for_matmul_and_refused_values():
    import numpy as np
    x, W = np.array([1, 2]), np.array([[1, 2, 3], [4, 5, 6]])
    drawn = _drawn_values(bc.explain(x, W, op="@", names=("x", "W", "h")).svg(values=[x, W]))
    assert [drawn[("h", str(j))] for j in range(3)] == [str(v) for v in (x @ W)]
    with pytest.raises(ValueError, match=r"values: arrays of shapes \(\(3,\),\)"):
        svg(make_plan(((2,), (2, 3)), op="@"), values=[np.ones(3)])
    assert value_text(np.float64(0.5)) == "0.5" and value_text(-2.0) == "-2"


def test_values_change_the_diagram_id_so_two_on_a_page_do_not_share_styles():
    import numpy as np
    plan = make_plan(((3,), (2, 3)))
    ids = {ET.fromstring(svg(plan, values=v)).attrib["id"]
           for v in (None, [np.ones(3), np.ones((2, 3))], [np.zeros(3), np.ones((2, 3))])}
    assert len(ids) == 3
