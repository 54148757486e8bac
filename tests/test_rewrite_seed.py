"""The seed notebook's code cells, rewritten, give the same gradients as torch autograd."""
import contextlib
import io

import nbformat
import torch

from broadcasting.rewrite import implicit_products, rewrite_notebook, rewrite_source
from broadcasting.rewrite.examples import SEED_CELLS, seed_source
from broadcasting.trace import trace_source


def _run(source):
    torch.manual_seed(0)
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        trace = trace_source(source, ns)
    return ns, trace


def test_seed_rewritten_gives_autograd_gradients():
    torch.manual_seed(0)
    with contextlib.redirect_stdout(io.StringIO()):
        rw = rewrite_source(seed_source())
    assert ('dloss_dW = einops.einsum(\n    dloss_dprob[0], dprob_dscore, dscore_dhact, dhact_dh, '
            'dh_dW, ", , j, j, ... j -> ... j"\n)') in rw.source  # one einsum, lines <= 100
    assert max(len(line) for line in rw.source.splitlines() if line.strip()[:1] != "#") <= 100
    assert ("# dloss_dW[i,j] = dloss_dprob[0] · dprob_dscore · dscore_dhact[j] · dhact_dh[j] · "
            "dh_dW[i,j]") in rw.source
    ns, trace = _run(rw.source)
    assert not implicit_products(trace.sites)
    torch.testing.assert_close(ns["dloss_dW"], ns["W"].grad)       # autograd's gradient
    torch.testing.assert_close(ns["dloss_dwout"], ns["wout"].grad)
    original, _ = _run(seed_source())
    for name in ("dloss_dW", "dloss_dwout"):
        assert ns[name].dtype == original[name].dtype
        assert torch.equal(ns[name], original[name])  # bit-identical


def test_seed_as_notebook_keeps_outputs():
    cells = [nbformat.v4.new_code_cell(code, execution_count=n,
                                       outputs=[nbformat.v4.new_output("stream", text=f"out {n}")])
             for n, code in SEED_CELLS]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# seed")] + cells)
    torch.manual_seed(0)
    with contextlib.redirect_stdout(io.StringIO()):
        new, rewrites = rewrite_notebook(nb)
    assert [c.outputs for c in new.cells[1:]] == [c.outputs for c in nb.cells[1:]]
    assert new.cells[0] == nb.cells[0] and nb.cells[4].source == SEED_CELLS[3][1]
    changed = [k for k, rw in enumerate(rewrites) if rw.changed]
    assert changed == [3, 4, 6]
    sources = [c.source for c in new.cells[1:]]
    assert "\nimport einops\n" in sources[3] and "".join(sources).count("import einops") == 1
    ns, trace = _run("\n".join(c.source for c in new.cells[1:]))
    torch.testing.assert_close(ns["dloss_dW"], ns["W"].grad)
    assert not implicit_products(trace.sites)
