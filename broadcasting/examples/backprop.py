"""The seed notebook's network, generalised, with the gradients of its weights computed four ways.

The network (``n`` inputs, ``H`` hidden units, optionally a batch of ``B`` samples)::

    h = x @ W              x (n,) or (B, n),  W (n, H)
    hact = act(h)          relu | tanh | sigmoid
    score = hact @ wout    wout (H,)
    prob = sigmoid(score)
    loss = Σ (prob - t)²   or  Σ binary cross-entropy(prob, t)     (summed over the batch)

The four routes to ``dloss/dW`` and ``dloss/dwout``:

1. :func:`broadcast_gradients` — the notebook's way: store each local derivative on the forward
   pass, then multiply them with broadcasting ``*`` (:func:`notebook_gradients`). With a batch
   axis the broadcast chain gives one term per sample (:func:`batched_broadcast_terms`): the
   gradient is their sum over the batch, the einsum ``bi,bj->ij`` (:func:`batch_einsum_gradients`);
2. :func:`rewritten_gradients` — the same code with every ``*`` rewritten explicitly by
   :func:`broadcasting.rewrite_function`;
3. :func:`jacobian_gradients` — the textbook chain rule: the full Jacobian of every step
   (:meth:`broadcasting.jacobian.Jacobian.dense` for the two matmuls, diagonal ones for the
   elementwise steps) contracted with ``tensordot``, no ``*`` between derivatives;
4. :func:`autograd_gradients` — torch autograd.

>>> net = Network(inputs=2, hidden=3, activation="tanh", loss="bce")
>>> ways = four_ways(net, net.sample(seed=1))
>>> ways.agree()
True
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from functools import lru_cache, reduce

import numpy as np

from ..errors import UsageError
from ..explain import explain
from ..explicit import einsum, unbroadcast

__all__ = ["Network", "Sample", "Gradients", "FourWays", "four_ways", "ACTIVATIONS", "LOSSES",
           "activate", "activation_derivative", "sigmoid", "loss_value", "loss_derivative",
           "notebook_gradients", "batched_broadcast_terms", "broadcast_gradients",
           "batch_einsum_gradients", "rewritten_gradients", "jacobian_gradients",
           "autograd_gradients", "elementwise_jacobian", "chain_rule", "notebook_sample"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")
LOSSES = ("squared", "bce")


# --- elementwise pieces, for numpy arrays and torch tensors alike --------------------------------
def _xp(x):
    torch = sys.modules.get("torch")
    return torch if torch is not None and isinstance(x, torch.Tensor) else np


def _like(mask, x):
    """A boolean mask as 0/1 in ``x``'s dtype."""
    return mask.to(x.dtype) if _xp(x) is not np else np.asarray(mask).astype(np.asarray(x).dtype)


def sigmoid(z):
    """``1 / (1 + exp(-z))``.

    >>> float(sigmoid(np.float64(0.0)))
    0.5
    """
    return 1 / (1 + _xp(z).exp(-z))


def activate(h, name: str):
    """The hidden layer's activation ``relu``, ``tanh`` or ``sigmoid``.

    >>> activate(np.array([-1.0, 2.0]), "relu")
    array([-0.,  2.])
    """
    if name == "relu":
        return h * _like(h > 0, h)
    if name == "tanh":
        return _xp(h).tanh(h)
    if name == "sigmoid":
        return sigmoid(h)
    raise UsageError(f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}")


def activation_derivative(h, name: str):
    """``act'(h)``, elementwise: the stored local derivative ``dhact_dh``.

    >>> activation_derivative(np.array([-1.0, 2.0]), "relu")
    array([0., 1.])
    """
    if name == "relu":
        return _like(h > 0, h)
    if name == "tanh":
        return 1 - _xp(h).tanh(h) ** 2
    if name == "sigmoid":
        s = sigmoid(h)
        return s * (1 - s)
    raise UsageError(f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}")


def loss_value(prob, t, name: str):
    """The loss, summed over every entry: ``squared`` error or binary cross-entropy ``bce``.

    >>> float(loss_value(np.array([0.5]), np.array([1.0]), "squared"))
    0.25
    """
    if name == "squared":
        return ((prob - t) ** 2).sum()
    if name == "bce":
        log = _xp(prob).log
        return -(t * log(prob) + (1 - t) * log(1 - prob)).sum()
    raise UsageError(f"loss {name!r} is not one of {', '.join(LOSSES)}")


def loss_derivative(prob, t, name: str):
    """``dloss/dprob`` per entry of ``prob - t`` (the stored local derivative ``dloss_dprob``).

    >>> loss_derivative(np.array([0.5]), np.array([1.0]), "bce")
    array([-2.])
    """
    if name == "squared":
        return 2 * (prob - t)
    if name == "bce":
        return (prob - t) / (prob * (1 - prob))
    raise UsageError(f"loss {name!r} is not one of {', '.join(LOSSES)}")


# --- route 1: the notebook's way -----------------------------------------------------------------
def notebook_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """The notebook's code for one sample: local derivatives stored on the forward pass, then
    the chain rule as a broadcasting ``*`` chain. ``dh_dW`` is the notebook's "efficiently
    stored Jacobian" ``J[i,j] = x[i]`` (:meth:`~broadcasting.jacobian.Jacobian.compact`).

    >>> x, t = np.array([1.0, 2.0]), np.array([1.0])
    >>> W, wout = np.array([[1.0, -1.0, 0.5], [0.5, 1.0, 0.5]]), np.array([1.0, 2.0, -1.0])
    >>> dW, dwout = notebook_gradients(x, t, W, wout)
    >>> dW.shape, dwout.shape
    ((2, 3), (3,))
    """
    h = x @ W
    dh_dW = explain(x, W, op="@", names=("x", "W", "h")).jacobian(1).compact(x, W)

    hact = activate(h, activation)
    dhact_dh = activation_derivative(h, activation)

    score = hact @ wout
    dscore_dwout = hact
    dscore_dhact = wout

    prob = sigmoid(score)
    dprob_dscore = prob * (1 - prob)
    dloss_dprob = loss_derivative(prob, t, loss)

    dloss_dwout = dloss_dprob * dprob_dscore * dscore_dwout
    dloss_dW = dloss_dprob * dprob_dscore * dscore_dhact * dhact_dh * dh_dW
    return dloss_dW, dloss_dwout


def batched_broadcast_terms(x, t, W, wout, activation="relu", loss="squared"):
    """The notebook's chain with a batch axis ``b`` in front: it yields one term *per sample*,
    ``dW_terms`` of shape (B, n, H) and ``dwout_terms`` of shape (B, H), plus ``dloss_dh`` (B, H).

    The notebook's chain copied literally would multiply ``dloss_dprob`` (B,) by
    ``dscore_dhact`` (H,): an error, or — when B == H — a silent elementwise product of
    unrelated axes. Here the batch axis is kept apart with ``[:, None]``; ``dh_dW`` is the
    per-sample stored Jacobian ``J[b,i,j] = x[b,i]``. The terms still have to be summed over
    the batch: that sum is the gradient.

    >>> net = Network(inputs=2, hidden=3, batch=4)
    >>> terms = batched_broadcast_terms(*net.sample(seed=0).arrays)
    >>> [tuple(a.shape) for a in terms]
    [(4, 2, 3), (4, 3), (4, 3)]
    """
    h = x @ W
    dh_dW = explain(x, W, op="@", names=("x", "W", "h")).jacobian(1).compact(x, W)

    hact = activate(h, activation)
    dhact_dh = activation_derivative(h, activation)

    score = hact @ wout
    dscore_dwout = hact
    dscore_dhact = wout

    prob = sigmoid(score)
    dprob_dscore = prob * (1 - prob)
    dloss_dprob = loss_derivative(prob, t, loss)

    dloss_dscore = dloss_dprob * dprob_dscore
    dwout_terms = dloss_dscore[:, None] * dscore_dwout
    dloss_dh = dloss_dscore[:, None] * dscore_dhact * dhact_dh
    dW_terms = dloss_dh[:, None, :] * dh_dW
    return dW_terms, dwout_terms, dloss_dh


def broadcast_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """Route 1 for one sample or a batch. With a batch the broadcast chain gives per-sample
    terms (:func:`batched_broadcast_terms`); the gradient is their sum over the batch axis —
    the einsum ``bi,bj->ij`` of :func:`batch_einsum_gradients`.

    >>> net = Network(inputs=2, hidden=3, batch=4)
    >>> dW, dwout = broadcast_gradients(*net.sample(seed=0).arrays, "relu", "squared")
    >>> dW.shape
    (2, 3)
    """
    if _ndim(x) == 1:
        return notebook_gradients(x, t, W, wout, activation, loss)
    dW_terms, dwout_terms, _ = batched_broadcast_terms(x, t, W, wout, activation, loss)
    return dW_terms.sum(0), dwout_terms.sum(0)


def batch_einsum_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """The batch sum said explicitly: ``dloss_dW = einsum("bi,bj->ij", x, dloss_dh)`` (a sum of
    per-sample outer products ``x[b] ⊗ dloss_dh[b]``) and ``dloss_dwout = einsum("bj,b->j",
    hact, dloss_dscore)``.

    >>> net = Network(inputs=2, hidden=3, batch=4)
    >>> s = net.sample(seed=0)
    >>> np.allclose(batch_einsum_gradients(*s.arrays)[0], broadcast_gradients(*s.arrays)[0])
    True
    """
    _, dwout_terms, dloss_dh = batched_broadcast_terms(x, t, W, wout, activation, loss)
    hact = activate(x @ W, activation)
    prob = sigmoid(hact @ wout)
    dloss_dscore = loss_derivative(prob, t, loss) * (prob * (1 - prob))
    return einsum("bi,bj->ij", x, dloss_dh), einsum("bj,b->j", hact, dloss_dscore)


# --- route 2: the same code, rewritten explicitly --------------------------------------------------
def rewritten_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """Route 1's code with every broadcasting ``*`` rewritten by
    :func:`broadcasting.rewrite_function` (traced on arguments of this structure), then run.

    >>> net = Network(inputs=2, hidden=3)
    >>> s = net.sample(seed=0)
    >>> np.allclose(rewritten_gradients(*s.arrays)[0], notebook_gradients(*s.arrays)[0])
    True
    """
    args = (x, t, W, wout, activation, loss)
    if _ndim(x) == 1:
        return explicit_version(notebook_gradients, args)(*args)
    dW_terms, dwout_terms, _ = explicit_version(batched_broadcast_terms, args)(*args)
    return dW_terms.sum(0), dwout_terms.sum(0)


_EXPLICIT: dict = {}


def _operand_structure(operand, dtype: bool = True) -> tuple:
    """What the rewrite of a product depends on: library, dtype, rank and which sizes are 1
    (stretched axes are indexed away); not the other sizes. ``dtype=False`` leaves the dtype
    out (see :func:`_site_structures`)."""
    if not operand.is_array:
        return (operand.kind,)
    ones = tuple(size == 1 for size in operand.shape)
    return (operand.kind, operand.dtype, ones) if dtype else (operand.kind, ones)


@lru_cache(maxsize=None)
def _instrumented(fn):
    """``fn``'s source compiled with every operator site traced (once per function)."""
    from ..trace import function_source, instrument
    return instrument(function_source(fn), f"<structure of {fn.__qualname__}>")


def _site_structures(fn, args) -> tuple:
    """Run ``fn(*args)`` traced and return, per operator site, the structure of each execution:
    everything the rewriter decides from (the sites' operands), nothing it does not need."""
    from ..trace import globals_of, run_traced
    code, template = _instrumented(fn)
    sites = [replace(site, counts={}) for site in template]
    namespace = run_traced(code, sites, globals_of(fn))
    namespace[fn.__name__](*args)
    executions = [e for site in sites for e in site.executions]
    dtypes = {o.dtype for e in executions for o in (e.left, e.right) if o.is_array}
    # one dtype throughout: the rewriter casts only an operand whose dtype differs from its
    # product's, so float32 and float64 networks of one shape get the same emitted code
    keep = len(dtypes) > 1
    return tuple(tuple((_operand_structure(e.left, keep), _operand_structure(e.right, keep))
                       for e in site.executions) for site in sites)


def explicit_version(fn, args):
    """``rewrite_function(fn, *args)``, memoised per structure of the traced sites (see
    :func:`_site_structures`): networks whose products have the same structure get the same
    emitted code, so the corpus rewrites each structure once (a traced run costs about a
    millisecond, a rewrite tens). ``tests/test_examples_backprop.py`` checks that a memoised
    rewrite equals a fresh one."""
    from .. import rewrite_function
    key = (fn, _site_structures(fn, args))
    if key not in _EXPLICIT:
        _EXPLICIT[key] = rewrite_function(fn, *args)
    return _EXPLICIT[key]


# --- route 3: full Jacobians, textbook chain rule ---------------------------------------------------
def elementwise_jacobian(derivative):
    """The full Jacobian of an elementwise step ``y = f(z)``: ``J[a…, b…] = f'(z[a…]) δ[a…,b…]``,
    shape ``z.shape + z.shape`` (diagonal).

    >>> elementwise_jacobian(np.array([2.0, 3.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    xp = _xp(derivative)
    d = xp.asarray(derivative)
    shape = tuple(d.shape)
    return xp.diag(d.reshape(-1)).reshape(shape + shape)


def chain_rule(*jacobians, ndims):
    """``J₁ · J₂ · … · Jₙ``: each Jacobian contracted with the next over the axes of the
    intermediate value between them (``ndims[k]`` of them) — the chain rule as tensor products.

    >>> chain_rule(np.array([1.0, 2.0]), np.eye(2) * 3, ndims=(1,))
    array([3., 6.])
    """
    if len(ndims) != len(jacobians) - 1:
        raise UsageError(f"chain_rule got {len(jacobians)} Jacobians and {len(ndims)} axis counts; "
                         f"give one count per intermediate value ({len(jacobians) - 1})")
    xp = _xp(jacobians[0])
    return reduce(lambda a, jb: xp.tensordot(a, jb[0], jb[1]), zip(jacobians[1:], ndims),
                  jacobians[0])


def jacobian_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """Route 3: ``dL/dW = dL/dprob · dprob/dscore · dscore/dhact · dhact/dh · dh/dW`` and
    ``dL/dwout = dL/dprob · dprob/dscore · dscore/dwout``, every factor a full Jacobian
    (shape: output's shape + input's shape), multiplied by :func:`chain_rule`.

    >>> net = Network(inputs=2, hidden=3, batch=2)
    >>> s = net.sample(seed=0)
    >>> np.allclose(jacobian_gradients(*s.arrays)[0], autograd_gradients(*s.arrays)[0])
    True
    """
    xp = _xp(x)
    h = x @ W
    hact = activate(h, activation)
    score = xp.asarray(hact @ wout)
    prob = sigmoid(score)
    first = explain(x, W, op="@", names=("x", "W", "h"))
    second = explain(hact, wout, op="@", names=("hact", "wout", "score"))
    dh_dW = first.jacobian(1).dense(x, W)
    dhact_dh = elementwise_jacobian(activation_derivative(h, activation))
    dscore_dhact = second.jacobian(0).dense(hact, wout)
    dscore_dwout = second.jacobian(1).dense(hact, wout)
    dprob_dscore = elementwise_jacobian(prob * (1 - prob))
    dloss_dprob = unbroadcast(loss_derivative(prob, t, loss), tuple(prob.shape))
    nd = (_ndim(prob), _ndim(score), _ndim(hact), _ndim(h))
    dW = chain_rule(dloss_dprob, dprob_dscore, dscore_dhact, dhact_dh, dh_dW, ndims=nd)
    dwout = chain_rule(dloss_dprob, dprob_dscore, dscore_dwout, ndims=nd[:2])
    return dW, dwout


# --- route 4: torch autograd -----------------------------------------------------------------------
def autograd_gradients(x, t, W, wout, activation="relu", loss="squared"):
    """Route 4: the same forward pass on torch tensors, ``loss.backward()``; numpy in, numpy out.

    >>> net = Network(inputs=2, hidden=3)
    >>> [g.shape for g in autograd_gradients(*net.sample(seed=0).arrays)]
    [(2, 3), (3,)]
    """
    import torch
    as_numpy = not isinstance(x, torch.Tensor)
    x, t, W, wout = (torch.as_tensor(a).detach() for a in (x, t, W, wout))
    W, wout = W.clone().requires_grad_(True), wout.clone().requires_grad_(True)
    prob = sigmoid(activate(x @ W, activation) @ wout)
    loss_value(prob, t, loss).backward()
    if as_numpy:
        return W.grad.numpy(), wout.grad.numpy()
    return W.grad, wout.grad


def _ndim(x) -> int:
    return len(getattr(x, "shape", ()))


def _numpy(x):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


# --- the objects -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One input (or batch) ``x``, its target ``t`` and the weights ``W``, ``wout``."""

    x: object
    t: object
    W: object
    wout: object

    @property
    def arrays(self) -> tuple:
        """``(x, t, W, wout)``, the positional arguments of every route."""
        return (self.x, self.t, self.W, self.wout)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}{tuple(getattr(self, k).shape)}" for k in ("x", "t", "W", "wout"))
        return f"Sample({parts}, {type(self.x).__module__.split('.')[0]})"


@dataclass(frozen=True)
class Gradients:
    """``dloss/dW`` and ``dloss/dwout`` from one route (as computed: numpy or torch)."""

    W: object
    wout: object

    def difference(self, other: "Gradients") -> float:
        """The largest absolute difference to another route's gradients."""
        return max(float(np.max(np.abs(_numpy(a) - _numpy(b)), initial=0.0))
                   for a, b in ((self.W, other.W), (self.wout, other.wout)))

    def __repr__(self) -> str:
        return f"Gradients(W={np.round(_numpy(self.W), 4).tolist()}, " \
               f"wout={np.round(_numpy(self.wout), 4).tolist()})"


ROUTES = {
    "broadcast": broadcast_gradients,
    "rewritten": rewritten_gradients,
    "jacobians": jacobian_gradients,
    "autograd": autograd_gradients,
}


@dataclass(frozen=True)
class FourWays:
    """The gradients of one network and sample by every route, keyed by route name."""

    network: "Network"
    routes: tuple[tuple[str, Gradients], ...]

    def __getitem__(self, name: str) -> Gradients:
        return dict(self.routes)[name]

    def max_difference(self) -> float:
        """The largest difference of any route to autograd."""
        ref = self["autograd"]
        return max(g.difference(ref) for _, g in self.routes)

    def agree(self, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
        """Whether every route matches autograd within ``atol + rtol·|autograd|``."""
        ref = self["autograd"]
        return all(np.allclose(_numpy(a), _numpy(b), rtol=rtol, atol=atol)
                   for _, g in self.routes for a, b in ((g.W, ref.W), (g.wout, ref.wout)))

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self.routes)
        return f"<FourWays {self.network!r}: {names}; max difference {self.max_difference():.2e}>"


@dataclass(frozen=True)
class Network:
    """The notebook's network: ``inputs`` features, ``hidden`` units, an optional ``batch``,
    the hidden ``activation`` and the ``loss``.

    >>> Network(inputs=2, hidden=3, batch=4).sample(seed=0)
    Sample(x(4, 2), t(4,), W(2, 3), wout(3,), numpy)
    """

    inputs: int = 2
    hidden: int = 3
    batch: int | None = None
    activation: str = "relu"
    loss: str = "squared"

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise UsageError(f"activation {self.activation!r} is not one of {', '.join(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise UsageError(f"loss {self.loss!r} is not one of {', '.join(LOSSES)}")
        for name in ("inputs", "hidden", "batch"):
            value = getattr(self, name)
            if name == "batch" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UsageError(f"{name}={value!r}: a network size is a positive int")

    def sample(self, seed: int = 0, library: str = "numpy", dtype: str = "float64") -> Sample:
        """Random input, 0/1 targets and weights from ``seed``, as numpy arrays or torch tensors."""
        rng = np.random.default_rng(seed)
        lead = () if self.batch is None else (self.batch,)
        x = rng.standard_normal(lead + (self.inputs,))
        W = rng.standard_normal((self.inputs, self.hidden))
        wout = rng.standard_normal(self.hidden)
        t = rng.integers(0, 2, size=lead).astype(np.float64)
        arrays = [np.asarray(a, dtype=dtype) for a in (x, t, W, wout)]
        if library == "torch":
            import torch
            arrays = [torch.from_numpy(a) for a in arrays]
        elif library != "numpy":
            raise UsageError(f"library {library!r} is not 'numpy' or 'torch'")
        return Sample(*arrays)

    def gradients(self, sample: Sample, route: str) -> Gradients:
        """The gradients of one route: ``broadcast``, ``rewritten``, ``jacobians``, ``autograd``."""
        if route not in ROUTES:
            raise UsageError(f"route {route!r} is not one of {', '.join(ROUTES)}")
        return Gradients(*ROUTES[route](*sample.arrays, self.activation, self.loss))


def notebook_sample(library: str = "numpy", dtype: str = "float32") -> Sample:
    """The seed notebook's sample: ``x = [1, 2]``, target ``t = [1]``, ``wout`` as it printed, and
    a ``W`` that reproduces its printed ``relu(h) = [0, 1.6959, 3.3641]`` (its own ``W`` was random).

    >>> notebook_sample()
    Sample(x(2,), t(1,), W(2, 3), wout(3,), numpy)
    """
    values = ([1.0, 2.0], [1.0], [[-1.0, 0.5, 1.0], [0.2, 0.59795, 1.18205]],
              [-1.3249, 0.1077, -1.4519])
    arrays = [np.asarray(v, dtype=dtype) for v in values]
    if library == "torch":
        import torch
        arrays = [torch.from_numpy(a) for a in arrays]
    elif library != "numpy":
        raise UsageError(f"library {library!r} is not 'numpy' or 'torch'")
    return Sample(*arrays)


def four_ways(network: Network, sample: Sample, routes=tuple(ROUTES)) -> FourWays:
    """The gradients of every weight by each route (all four by default).

    >>> net = Network(inputs=3, hidden=4, batch=5, activation="sigmoid")
    >>> four_ways(net, net.sample(seed=2)).agree()
    True
    """
    return FourWays(network, tuple((r, network.gradients(sample, r)) for r in routes))
