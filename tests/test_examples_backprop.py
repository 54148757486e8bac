"""The notebook's network: every route to the gradients against torch autograd."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcasting.errors import UsageError
from broadcasting import rewrite_function
from broadcasting.examples import four_ways
from broadcasting.examples.backprop import (ACTIVATIONS, LOSSES, Network, autograd_gradients,
                                            batch_einsum_gradients, batched_broadcast_terms,
                                            broadcast_gradients, chain_rule, elementwise_jacobian,
                                            jacobian_gradients, notebook_gradients,
                                            notebook_sample, rewritten_gradients)

NETWORKS = st.builds(Network, inputs=st.integers(1, 4), hidden=st.integers(1, 4),
                     batch=st.none() | st.integers(1, 4), activation=st.sampled_from(ACTIVATIONS),
                     loss=st.sampled_from(LOSSES))
ROUTES_1_3 = (broadcast_gradients, rewritten_gradients, jacobian_gradients)


def test_notebook_numbers():
    x, t, W, wout = notebook_sample(library="torch").arrays
    assert torch.allclose(torch.relu(x @ W), torch.tensor([0.0, 1.6959, 3.3641]))
    expected_W = torch.tensor([[0.0, -0.0019, 0.0257], [0.0, -0.0038, 0.0513]])
    expected_wout = torch.tensor([0.0, -0.0300, -0.0595])
    for route in ROUTES_1_3 + (autograd_gradients,):
        dW, dwout = route(x, t, W, wout, "relu", "squared")
        assert dW.dtype == dwout.dtype == torch.float32
        torch.testing.assert_close(dW, expected_W, atol=6e-5, rtol=0)
        torch.testing.assert_close(dwout, expected_wout, atol=6e-5, rtol=0)


@settings(max_examples=25, deadline=None)
@given(NETWORKS, st.integers(0, 2**16), st.sampled_from(["numpy", "torch"]))
def test_routes_1_2_3_match_autograd(net, seed, library):
    sample = net.sample(seed, library=library)
    ref_W, ref_wout = autograd_gradients(*sample.arrays, net.activation, net.loss)
    for route in ROUTES_1_3:
        dW, dwout = route(*sample.arrays, net.activation, net.loss)
        assert type(dW) is type(ref_W) and tuple(dW.shape) == (net.inputs, net.hidden)
        np.testing.assert_allclose(np.asarray(dW), np.asarray(ref_W), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(np.asarray(dwout), np.asarray(ref_wout), rtol=1e-9, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(NETWORKS.filter(lambda n: n.batch is not None), st.integers(0, 2**16))
def test_batch_terms_are_per_sample_gradients_summed_by_bi_bj_ij(net, seed):
    s = net.sample(seed, library="torch")
    dW_terms, dwout_terms, _ = batched_broadcast_terms(*s.arrays, net.activation, net.loss)
    assert dW_terms.shape == (net.batch, net.inputs, net.hidden)
    for b in range(net.batch):  # each term is the gradient of sample b alone
        one = autograd_gradients(s.x[b], s.t[b], s.W, s.wout, net.activation, net.loss)
        torch.testing.assert_close(dW_terms[b], one[0])
        torch.testing.assert_close(dwout_terms[b], one[1])
    dW, dwout = batch_einsum_gradients(*s.arrays, net.activation, net.loss)
    torch.testing.assert_close(dW, dW_terms.sum(0))
    torch.testing.assert_close(dwout, dwout_terms.sum(0))
    torch.testing.assert_close(dW, autograd_gradients(*s.arrays, net.activation, net.loss)[0])


def test_float32_stays_float32():
    net = Network(inputs=3, hidden=2, batch=2, activation="sigmoid", loss="bce")
    s = net.sample(seed=0, library="numpy", dtype="float32")
    for route in ROUTES_1_3 + (autograd_gradients, batch_einsum_gradients):
        dW, dwout = route(*s.arrays, net.activation, net.loss)
        assert dW.dtype == dwout.dtype == np.float32, route.__name__


def test_chain_rule_and_elementwise_jacobian():
    d = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    J = elementwise_jacobian(d)
    assert J.shape == (2, 2, 2, 2) and J[1, 0, 1, 0] == 3 and J[1, 0, 0, 1] == 0
    assert float(elementwise_jacobian(np.float64(2.5))) == 2.5
    g = torch.ones(2, 2)
    torch.testing.assert_close(chain_rule(g, J, ndims=(2,)), d)
    with pytest.raises(UsageError, match="one count per intermediate value"):
        chain_rule(g, J, ndims=())


def test_bad_networks_are_refused():
    with pytest.raises(UsageError, match="activation 'gelu' is not one of relu, tanh, sigmoid"):
        Network(activation="gelu")
    with pytest.raises(UsageError, match="hidden=0"):
        Network(hidden=0)
    with pytest.raises(UsageError, match="route 'magic'"):
        Network().gradients(Network().sample(), "magic")


def test_the_rewriter_makes_the_notebook_chain_an_einsum():
    s = notebook_sample()
    explicit = rewrite_function(notebook_gradients, *s.arrays, "relu", "squared")
    text = explicit.source  # the function names i and j: the axes are k and l
    chain = text[text.index("dloss_dW ="):text.index("return dloss_dW")]
    assert '", l, l, ... l -> ... l"' in chain and "dscore_dhact * " not in chain
    assert max(len(line) for line in text.splitlines()) <= 100
    got = explicit(*s.arrays, "relu", "squared")[0]
    assert got.dtype == np.float32  # float32 in, float32 out; multiplied in the written order
    np.testing.assert_array_equal(got, notebook_gradients(*s.arrays)[0])


def test_four_ways_agree_and_report():
    net = Network(inputs=3, hidden=2, batch=3, activation="sigmoid", loss="bce")
    ways = four_ways(net, net.sample(seed=5, library="torch"))
    assert [name for name, _ in ways.routes] == ["broadcast", "rewritten", "jacobians", "autograd"]
    assert ways.agree() and ways.max_difference() < 1e-12
    assert "max difference" in repr(ways) and "Gradients(W=" in repr(ways["autograd"])


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([None, 1, 3]),
       st.sampled_from(ACTIVATIONS), st.sampled_from(LOSSES), st.sampled_from(["numpy", "torch"]),
       st.sampled_from(["float32", "float64"]))
def test_memoised_rewrite_equals_a_fresh_one(inputs, hidden, batch, activation, loss, library,
                                             dtype):
    """Route 2 rewrites each structure once (float32 and float64 networks share one): the
    memoised explicit code must be exactly what a fresh rewrite of this very network emits."""
    from broadcasting.examples.backprop import (batched_broadcast_terms, explicit_version,
                                                notebook_gradients)
    net = Network(inputs=inputs, hidden=hidden, batch=batch, activation=activation, loss=loss)
    seed = inputs * 7 + hidden
    args = (*net.sample(seed=seed, library=library, dtype=dtype).arrays, activation, loss)
    fn = notebook_gradients if batch is None else batched_broadcast_terms
    assert explicit_version(fn, args).source == rewrite_function(fn, *args).source


def test_one_rewrite_serves_float32_and_float64_networks_of_one_shape():
    from broadcasting.examples.backprop import batched_broadcast_terms, explicit_version
    net = Network(inputs=3, hidden=1, batch=4, activation="sigmoid", loss="bce")
    args = {dtype: (*net.sample(seed=1, library="torch", dtype=dtype).arrays, "sigmoid", "bce")
            for dtype in ("float64", "float32")}
    first = explicit_version(batched_broadcast_terms, args["float64"])
    assert explicit_version(batched_broadcast_terms, args["float32"]) is first
    assert first.source == rewrite_function(batched_broadcast_terms, *args["float32"]).source
    got = first(*args["float32"])[0]
    want = batched_broadcast_terms(*args["float32"])[0]
    assert got.dtype == want.dtype and bool((got == want).all())
