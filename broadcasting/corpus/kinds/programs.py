"""Programs: the seed notebook's network (``broadcasting.examples.backprop``) with random
sizes, activations, losses, with or without a batch axis; each case's gradients computed four
ways — the broadcasting ``*`` chain, the same code rewritten by the rewriter, full Jacobians
in chain-rule form, torch autograd — which must agree.

Claims: ``network`` (inputs, hidden, batch, activation, loss), ``library`` and ``dtype`` the
routes run in, ``shapes`` of ``x, t, W, wout``, ``grad_shapes`` of ``dloss/dW`` and
``dloss/dwout``, ``jacobian`` (the Kronecker-delta formula of ``∂h/∂W``), ``batch_einsum``
(the einsum that sums the per-sample terms, ``null`` without a batch), ``routes`` (which must
agree). Values come from ``Network.sample(seed)``.

>>> cases = generate(0)
>>> len(cases) >= 200, cases[0]["routes"]
(True, ['broadcast', 'rewritten', 'jacobians', 'autograd'])
"""
from __future__ import annotations

import numpy as np

from ...examples.backprop import (ACTIVATIONS, LOSSES, ROUTES, Network, batched_broadcast_terms,
                                  four_ways)
from ...explain import explain
from ...explicit import einsum
from . import case_id, case_seed

NAME = "programs"
#: cases per batch of a parallel run (a case costs ~10 ms: small batches)
BATCH = 16
#: the torch workers check these cases whole, the first one right after torch (and limits):
#: split in two sides, both would import libcst (0.25 s) and rewrite and rebuild the networks
TORCH_FIRST = True
COUNT = 240
#: (rtol, atol) for route agreement: the routes group the same products differently
TOLERANCES = {"float64": (1e-9, 1e-12), "float32": (2e-4, 1e-5)}


def _network(rng: np.random.Generator) -> Network:
    batch = None if rng.random() < 0.4 else int(rng.integers(1, 6))
    return Network(inputs=int(rng.integers(1, 6)), hidden=int(rng.integers(1, 6)), batch=batch,
                   activation=str(rng.choice(ACTIVATIONS)), loss=str(rng.choice(LOSSES)))


def _shapes(net: Network) -> dict:
    lead = [] if net.batch is None else [net.batch]
    return {"x": lead + [net.inputs], "t": lead, "W": [net.inputs, net.hidden], "wout": [net.hidden]}


def _jacobian(shapes: dict) -> str:
    return explain(tuple(shapes["x"]), tuple(shapes["W"]), op="@", names=("x", "W", "h")).jacobian(1).index


def _case(n: int, seed: int) -> dict:
    value_seed = case_seed(seed, NAME, n)
    rng = np.random.default_rng(value_seed)
    net = _network(rng)
    shapes = _shapes(net)
    return {"id": case_id(NAME, n), "kind": NAME, "seed": value_seed,
            "network": {"inputs": net.inputs, "hidden": net.hidden, "batch": net.batch,
                        "activation": net.activation, "loss": net.loss},
            "library": str(rng.choice(["numpy", "torch"])),
            "dtype": "float32" if rng.random() < 0.25 else "float64",
            "shapes": shapes, "grad_shapes": {"W": shapes["W"], "wout": shapes["wout"]},
            "jacobian": _jacobian(shapes),
            "batch_einsum": None if net.batch is None else "bi,bj->ij",
            "routes": list(ROUTES)}


def warm_up() -> None:
    """Import the rewriter (and libcst, a quarter of a second) in the first torch worker of a
    parallel run before it forks its helpers, so that they have it too."""
    from ... import rewrite_function  # noqa: F401 - imported for its side effect


def generate(seed: int) -> list[dict]:
    """:data:`COUNT` networks, each from its own value seed."""
    return [_case(n, seed) for n in range(COUNT)]


def expected(case: dict, n: int, seed: int) -> dict:
    """The case at position ``n``: a programs case is wholly fixed by its position and seed."""
    return _case(n, seed)


def _close(got: np.ndarray, want: np.ndarray, dtype: str) -> bool:
    """``np.allclose(got, want)`` within :data:`TOLERANCES` (equal infinities close, NaN not),
    bit for bit equal arrays first and without its overhead (a few microseconds, not 80).

    >>> _close(np.array([1.0, np.inf]), np.array([1.0 + 1e-12, np.inf]), "float64")
    True
    >>> _close(np.array([1.0, np.nan]), np.array([1.0, np.nan]), "float64")
    False
    """
    if got.shape != want.shape:
        return False
    if got.dtype == want.dtype and got.tobytes() == want.tobytes() and not np.isnan(got).any():
        return True
    rtol, atol = TOLERANCES[dtype]
    with np.errstate(invalid="ignore"):
        return bool(((got == want) | (np.abs(got - want) <= atol + rtol * np.abs(want))).all())


def _check_claims(case: dict, net: Network, sample) -> list[str]:
    msgs = []
    shapes = {k: list(np.shape(getattr(sample, k))) for k in ("x", "t", "W", "wout")}
    if shapes != case["shapes"]:
        msgs.append(f"shapes: claim {case['shapes']} but the network gives {shapes}")
    jac = _jacobian(shapes)
    if jac != case["jacobian"]:
        msgs.append(f"jacobian: claim {case['jacobian']!r} but explain gives {jac!r}")
    if list(case["routes"]) != list(ROUTES):
        msgs.append(f"routes: claim {case['routes']} but the example has {list(ROUTES)}")
    return msgs


def _check_batch_einsum(case, net, sample, expected, backends) -> list[str]:
    """The claimed einsum over ``x`` and the per-sample ``dloss_dh`` gives ``dloss/dW``."""
    if (case["batch_einsum"] is None) != (net.batch is None):
        return [f"batch_einsum: claim {case['batch_einsum']!r} for batch {net.batch}"]
    if net.batch is None:
        return []
    dloss_dh = batched_broadcast_terms(*sample.arrays, net.activation, net.loss)[2]
    try:
        claimed = einsum(case["batch_einsum"], sample.x, dloss_dh)
    except ValueError as err:
        return [f"batch_einsum {case['batch_einsum']!r}: raised {err}"]
    got, want = backends.numpy(claimed), backends.numpy(expected)
    if got.shape != want.shape:
        return [f"batch_einsum {case['batch_einsum']!r}: shape {list(got.shape)}, dloss/dW has "
                f"{list(want.shape)}"]
    if not _close(got, want, case["dtype"]):
        return [f"batch_einsum {case['batch_einsum']!r}: differs from dloss/dW"]
    return []


def check(case: dict, backends) -> list[str]:
    """Rebuild the network and its sample, run the routes, compare each with autograd (or, when
    torch is not checked in this run, with the Jacobian route, in numpy). In a parallel run the
    work is split by the case's library: a numpy case's routes run on the numpy side (against
    the Jacobian route), and the torch side checks autograd against the Jacobian route only; a
    torch case's routes run on the torch side, and the numpy side checks the claims
    that need no route."""
    net = Network(**case["network"])
    use_torch = backends.use("torch")
    in_numpy = case["library"] == "numpy"
    if backends.torch_elsewhere and not in_numpy:  # the torch side runs the routes
        sample = net.sample(case["seed"], library="numpy", dtype=case["dtype"])
        return _check_claims(case, net, sample)
    library = case["library"] if use_torch else "numpy"
    sample = net.sample(case["seed"], library=library, dtype=case["dtype"])
    msgs = _check_claims(case, net, sample)
    routes = [r for r in case["routes"] if r in ROUTES and (use_torch or r != "autograd")]
    if backends.numpy_elsewhere and in_numpy:  # the numpy side runs the other routes
        routes = [r for r in routes if r in ("jacobians", "autograd")]
    try:
        ways = four_ways(net, sample, routes=tuple(routes))
    except Exception as err:  # a route that does not run is a failed claim
        return msgs + [f"routes: raised {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"]
    reference = ways["autograd" if use_torch else "jacobians"]
    for name, grads in ways.routes:
        for what in ("W", "wout"):
            got, want = backends.numpy(getattr(grads, what)), backends.numpy(getattr(reference, what))
            if list(got.shape) != case["grad_shapes"][what]:
                msgs.append(f"{name} dloss/d{what}: shape {list(got.shape)}, claim {case['grad_shapes'][what]}")
            elif got.dtype != np.dtype(case["dtype"]):
                msgs.append(f"{name} dloss/d{what}: dtype {got.dtype}, expected {case['dtype']}")
            elif not _close(got, want, case["dtype"]):
                msgs.append(f"{name} dloss/d{what}: differs from {'autograd' if use_torch else 'jacobians'} "
                            f"(max |diff| {float(np.max(np.abs(got - want))):.3g})")
    return msgs + _check_batch_einsum(case, net, sample, reference.W, backends)
