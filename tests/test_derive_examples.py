"""The derive examples agree with autograd on fresh inputs; their docs pages are deterministic."""
import re

import numpy as np
import pytest

from broadcasting.derive.check import compare, replay
from broadcasting.derive import derive
from broadcasting.derive.examples import EXAMPLES, MAKEMORE, SEED, SEED_BATCH
from broadcasting.derive.pages import example_page, pages
from broadcasting.explicit import parse_equation


@pytest.mark.parametrize("style", [None, "native", "einops"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_agrees_with_autograd_on_fresh_inputs(example, style):
    d = derive(example.function, *example.inputs(0), style=style)
    for seed in (7, 8):
        result = compare(d, example.function, example.inputs(seed), seed=seed)
        assert result.max_relative <= 1e-12, result
    for eq, shapes in d.einsums:
        parse_equation(eq, shapes)


@pytest.mark.parametrize("style", [None, "native"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_float32_gives_float32(example, style):
    args = example.inputs(3, "float32")
    d = derive(example.function, *args, style=style)
    out = example.function(*args)
    grads = d.function(out * 0 + 1, *args)
    exact = derive(example.function, *example.inputs(3)).function(
        example.function(*example.inputs(3)) * 0 + 1, *example.inputs(3))
    for g, e in zip(grads, exact):  # float32 round-off only
        g, e = np.asarray(g, dtype=np.float64), np.asarray(e)
        assert np.max(np.abs(g - e)) <= 1e-4 * max(1.0, np.max(np.abs(e)))
    for g, name in zip(grads, d.wrt):
        assert "float32" in str(g.dtype), name


def test_seed_network_gradients_are_explicit_einsums():
    d = derive(SEED.function, *SEED.inputs(0))
    assert 'dW = torch.einsum("i,j->ij", x, dh)' in d.source
    assert re.search(r'dwout = torch\.einsum\("i,->i", hact, dscore\)', d.source)
    batch = derive(SEED_BATCH.function, *SEED_BATCH.inputs(0)).source
    assert 'dW = torch.einsum("bi,bj->ij", x, dh)' in batch


def test_makemore_names_follow_the_forward_code():
    d = derive(MAKEMORE.function, *MAKEMORE.inputs(0))
    for line in ("dlogprobs.index_put_((torch.arange(32), Yb,), dt_8, accumulate=True)",
                 'dW2 = torch.einsum("bi,bj->ij", h, dt_6)',
                 "dC.index_put_((Xb,), demb, accumulate=True)",
                 'dbngain = torch.einsum("bi,bi->i", dt_5, bnraw).reshape((1, 64))'):
        assert line in d.source, line
    assert d.wrt == ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")


def test_replay_of_a_numpy_graph_matches_numpy():
    import torch
    e = [x for x in EXAMPLES if x.lib == "numpy"][0]
    args = e.inputs(4)
    d = derive(e.function, *args)
    leaves = {n: torch.from_numpy(a) for n, a in zip(d.graph.arg_names, args)}
    np.testing.assert_allclose(replay(d.graph, leaves).numpy(), e.function(*args), rtol=1e-13)


def test_pages_are_deterministic_and_state_a_bound():
    first, second = pages(), pages()
    assert first == second
    assert set(first) == {"derive/index.md"} | {f"derive/{e.name}.md" for e in EXAMPLES}
    for e in EXAMPLES:
        page = first[f"derive/{e.name}.md"]
        assert "max relative difference ≤ 1e-12" in page
        assert not re.search(r"\de-1[3-9]|\d\.\d{6,}e", page)  # no round-off numbers
        assert f"def {e.function.__name__}_backward(grad_out" in page
        assert f"({e.name}.md)" in first["derive/index.md"]


def test_docs_render_includes_the_derive_pages():
    from broadcasting.docs import render
    from broadcasting.docs.markup import md_header
    site = render()
    assert site["derive/layer-norm.md"].startswith(md_header())
    assert site["derive/layer-norm.md"].endswith(example_page(EXAMPLES[3]))
