"""Jacobians of products and matmuls, written with Kronecker deltas and computed three ways.

The Jacobian of ``C = a * B`` (or ``h = x @ W``) with respect to one operand ``X`` has one entry
per pair (result element, operand element). Most of them are zero: the result element
``C[r]`` only depends on ``X[q]`` where the labels ``X`` carries agree — a Kronecker delta per
shared label. So

- :attr:`Jacobian.index` says it as a formula: ``∂h[k]/∂W[i,j] = x[i] δ[j,k]``;
- :meth:`Jacobian.dense` builds the full array, shape ``result_shape + operand_shape``;
- :meth:`Jacobian.compact` keeps only the entries the deltas allow, one axis per label of the
  result or the operand (the notebook's ``J = [[x1, x1, x1], [x2, x2, x2]]``);
- :meth:`Jacobian.vjp` contracts a result gradient with it — what ``backward(grad)`` gives.

The result's labels that the operand also carries are renamed (fresh letters) in the formula
and in :meth:`dense`; the other operands keep the plan's labels, the delta ties the two.

>>> import numpy as np
>>> from broadcasting import explain
>>> jac = explain((2,), (2, 3), op="@", names=("x", "W", "h")).jacobian(1)
>>> jac.index
'∂h[k]/∂W[i,j] = x[i] δ[j,k]'
>>> x, W = np.array([1.0, 2.0]), np.zeros((2, 3))
>>> jac.compact(x, W)
array([[1., 1., 1.],
       [2., 2., 2.]])
>>> jac.dense(x, W).shape
(3, 2, 3)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property

from .backends import backend_for
from .explicit import einsum as explicit_einsum
from .notation.index import latex_term, subscripts, text_term
from .plan import BroadcastPlan, OperandPlan, label_sequence
from .shapes import BroadcastError, format_shape

__all__ = ["Jacobian", "jacobian_of"]


@dataclass(frozen=True)
class Jacobian:
    """∂(result)/∂(operand ``k``) of one product or matmul plan. Build it with
    ``explain(...).jacobian(k)``.

    >>> from broadcasting import explain
    >>> explain((3,), (2, 3)).jacobian(0)
    <Jacobian ∂C/∂a: dense (2, 3, 3), compact (2, 3) over i,j: ∂C[i,k]/∂a[j] = B[i,j] δ[j,k]>
    """

    plan: BroadcastPlan
    k: int

    # --- labels -------------------------------------------------------------------------
    @property
    def operand(self) -> OperandPlan:
        """The plan of the operand we differentiate with respect to."""
        return self.plan.operands[self.k]

    @property
    def others(self) -> tuple[OperandPlan, ...]:
        return tuple(o for o in self.plan.operands if o.position != self.k)

    @cached_property
    def fresh(self) -> dict[str, str]:
        """Result label -> the new letter it gets, for every result label the operand carries.

        >>> from broadcasting import explain
        >>> explain((2,), (2, 3), op="@").jacobian(1).fresh
        {'j': 'k'}
        """
        names = {o.name for o in self.plan.operands} | {self.plan.result_name}
        free = label_sequence(set(self.plan.labels) | set(self.operand.labels) | names)
        shared = [lab for lab in self.plan.result_labels if lab in self.operand.labels]
        return {lab: next(free) for lab in shared}

    @property
    def letters_only(self) -> bool:
        """Whether every label is one letter: einsum (and so the arrays) needs that."""
        return self.plan.letters_only and all(len(b) == 1 for b in self.fresh.values())

    def _check_letters(self) -> None:
        if not self.letters_only:
            count = len(self.plan.labels) + len(self.fresh)
            raise BroadcastError(f"the Jacobian of {self.plan!r} needs {count} axis labels but "
                                 f"einsum has 52 letters: its index and LaTeX formulas exist, its "
                                 f"arrays cannot be built by einsum; use fewer axes")

    @property
    def result_labels(self) -> tuple[str, ...]:
        """The result's labels in the Jacobian (shared ones renamed)."""
        return tuple(self.fresh.get(lab, lab) for lab in self.plan.result_labels)

    @property
    def deltas(self) -> tuple[tuple[str, str], ...]:
        """One ``(operand label, result label)`` pair per Kronecker delta."""
        return tuple(self.fresh.items())

    @property
    def compact_labels(self) -> tuple[str, ...]:
        """The axes of :meth:`compact`: every label of the result or the operand, once."""
        keep = set(self.plan.result_labels) | set(self.operand.labels)
        return tuple(lab for lab in self.plan.labels if lab in keep)

    @property
    def compact_shape(self) -> tuple[int, ...]:
        sizes = self.plan.sizes
        return tuple(sizes[lab] for lab in self.compact_labels)

    @property
    def dense_shape(self) -> tuple[int, ...]:
        return self.plan.result_shape + self.operand.shape

    # --- formulas -----------------------------------------------------------------------
    def _factors(self, term, delta) -> list[str]:
        out = [term(o.name, subscripts(o)) for o in self.others]
        return out + [delta(a, b) for a, b in self.deltas]

    @cached_property
    def index(self) -> str:
        """``∂h[k]/∂W[i,j] = x[i] δ[j,k]`` (a stretched size-1 axis of an operand is written 0)."""
        r, o = self.plan.result_name, self.operand
        lhs = f"∂{text_term(r, self.result_labels)}/∂{text_term(o.name, subscripts(o))}"
        rhs = self._factors(text_term, lambda a, b: f"δ[{a},{b}]")
        return f"{lhs} = {' '.join(rhs) or '1'}"

    @cached_property
    def latex(self) -> str:
        """The formula in LaTeX.

        >>> from broadcasting import explain
        >>> explain((2,), (2, 3), op="@", names="x W h").jacobian(1).latex
        '\\\\frac{\\\\partial h_{k}}{\\\\partial W_{ij}} = x_{i} \\\\delta_{jk}'
        """
        r, o = self.plan.result_name, self.operand
        lhs = (f"\\frac{{\\partial {latex_term(r, self.result_labels)}}}"
               f"{{\\partial {latex_term(o.name, subscripts(o))}}}")
        rhs = self._factors(latex_term, _latex_delta)
        return f"{lhs} = {' '.join(rhs) or '1'}"

    @cached_property
    def compact_index(self) -> str:
        """The compact form as a formula: ``J[i,j] = x[i]``."""
        rhs = [text_term(o.name, subscripts(o)) for o in self.others]
        return f"J[{','.join(self.compact_labels)}] = {' '.join(rhs) or '1'}"

    @property
    def dense_einsum(self) -> str | None:
        """The einsum that builds :meth:`dense` from the other operands and one identity per delta
        (before the operand's stretched size-1 axes are put back).

        >>> from broadcasting import explain
        >>> explain((2,), (2, 3), op="@").jacobian(1).dense_einsum
        'i,jk->kij'
        """
        if not self.letters_only:
            return None
        ins = ["".join(o.labels) for o in self.others] + [a + b for a, b in self.deltas]
        return ",".join(ins) + "->" + "".join(self.result_labels) + "".join(self.operand.labels)

    @property
    def compact_einsum(self) -> str | None:
        """The einsum that builds :meth:`compact` from the other operands (an empty term is a
        vector of ones for a label no other operand carries).

        >>> from broadcasting import explain
        >>> explain((2,), (2, 3), op="@").jacobian(1).compact_einsum
        'i->ij'
        """
        if not self.letters_only:
            return None
        ins = ["".join(o.labels) for o in self.others]
        return ",".join(ins) + "->" + "".join(self.compact_labels)

    @property
    def vjp_einsum(self) -> str | None:
        """The einsum of :meth:`vjp`: the result's gradient, then the other operands.

        >>> from broadcasting import explain
        >>> explain((2,), (2, 3), op="@").jacobian(1).vjp_einsum
        'j,i->ij'
        """
        if not self.letters_only:
            return None
        grad = "".join(self.plan.result_labels)
        others = ["".join(o.labels) for o in self.others]
        return ",".join([grad] + others) + "->" + "".join(self.operand.labels)

    # --- arrays -------------------------------------------------------------------------
    def _inputs(self, arrays):
        self._check_letters()
        ops = self.plan.operands
        if len(arrays) != len(ops):
            raise BroadcastError(f"the Jacobian of {self.plan!r} needs {len(ops)} arrays (one per "
                                 f"operand, in order), {len(arrays)} given")
        out = []
        for o, x in zip(ops, arrays):
            shape = tuple(getattr(x, "shape", ()))
            if shape != o.shape:
                raise BroadcastError(f"operand {o.position} ({o.name}) has shape {format_shape(shape)} "
                                     f"but this Jacobian is for {format_shape(o.shape)}")
            out.append(x if all(a.kept for a in o.axes) else x[o.index + (Ellipsis,)])
        backend = backend_for(arrays)
        return out, backend, backend.result_dtype(list(arrays))

    def _contract(self, inputs, terms, output, backend, dtype, arrays):
        """einsum over ``inputs`` (terms given); labels of ``output`` no input has get ones."""
        sizes = dict(self.plan.sizes)
        sizes.update({b: sizes[a] for a, b in self.deltas})
        missing = [lab for lab in output if not any(lab in t for t in terms)]
        inputs = list(inputs) + [_ones(backend, sizes[lab], dtype, arrays) for lab in missing]
        terms = list(terms) + missing
        if not inputs:
            return _ones(backend, (), dtype, arrays)
        out = explicit_einsum(",".join(terms) + "->" + output, *inputs)
        return _cast(backend, out, dtype)

    def dense(self, *arrays):
        """The full Jacobian ``J[r..., q...] = ∂result[r...]/∂operand[q...]``, shape
        ``result_shape + operand_shape``, in the arrays' library and the dtype ``*`` gives.

        >>> import numpy as np
        >>> from broadcasting import explain
        >>> explain((2,), (2,)).jacobian(0).dense(np.array([1, 2]), np.array([3.0, 4.0]))
        array([[3., 0.],
               [0., 4.]])
        """
        ops, backend, dtype = self._inputs(arrays)
        sizes = self.plan.sizes
        inputs = [x for o, x in zip(self.plan.operands, ops) if o.position != self.k]
        inputs += [_eye(backend, sizes[a], dtype, arrays) for a, _ in self.deltas]
        terms = self.dense_einsum.split("->")[0].split(",") if inputs else []
        output = "".join(self.result_labels) + "".join(self.operand.labels)
        out = self._contract(inputs, terms, output, backend, dtype, arrays)
        return out.reshape(self.dense_shape)

    def compact(self, *arrays):
        """Only the entries the deltas allow: one axis per :attr:`compact_labels`, the value
        ``∂result/∂operand`` where the shared labels agree (all other entries are zero).

        >>> import numpy as np
        >>> from broadcasting import explain
        >>> explain((3,), (2, 3)).jacobian(1).compact(np.array([0.5, 1, 2]), np.ones((2, 3)))
        array([[0.5, 1. , 2. ],
               [0.5, 1. , 2. ]])
        """
        ops, backend, dtype = self._inputs(arrays)
        inputs = [x for o, x in zip(self.plan.operands, ops) if o.position != self.k]
        terms = ["".join(o.labels) for o in self.others]
        return self._contract(inputs, terms, "".join(self.compact_labels), backend, dtype, arrays)

    def vjp(self, grad, *arrays):
        """``Σ_r grad[r] ∂result[r]/∂operand[q]``: the gradient with respect to the operand, in its
        own shape — what ``result.backward(grad)`` leaves in ``operand.grad`` (and in the
        operand's dtype when it is a floating array, as autograd does).

        >>> import numpy as np
        >>> from broadcasting import explain
        >>> jac = explain((2,), (2, 3), op="@").jacobian(1)
        >>> jac.vjp(np.ones(3), np.array([1.0, 2.0]), np.zeros((2, 3)))
        array([[1., 1., 1.],
               [2., 2., 2.]])
        """
        ops, backend, dtype = self._inputs(arrays)
        gshape = tuple(getattr(grad, "shape", ()))
        if gshape != self.plan.result_shape:
            raise BroadcastError(f"the gradient has shape {format_shape(gshape)} but the result of "
                                 f"{self.plan!r} has shape {format_shape(self.plan.result_shape)}; "
                                 f"give one gradient entry per result entry")
        inputs = [grad] + [x for o, x in zip(self.plan.operands, ops) if o.position != self.k]
        out = explicit_einsum(self.vjp_einsum, *inputs).reshape(self.operand.shape)
        target = arrays[self.k]
        if _is_floating(target):
            return _cast(backend, out, target.dtype)
        return _cast(backend, out, backend.result_dtype([grad] + list(arrays)))

    def __repr__(self) -> str:
        r, o = self.plan.result_name, self.operand
        return (f"<Jacobian ∂{r}/∂{o.name}: dense {format_shape(self.dense_shape)}, compact "
                f"{format_shape(self.compact_shape)} over {','.join(self.compact_labels)}: "
                f"{self.index}>")


def _latex_delta(a: str, b: str) -> str:
    sep = "" if len(a) == len(b) == 1 else ","
    return f"\\delta_{{{a}{sep}{b}}}"


def jacobian_of(explanation, k: int) -> Jacobian:
    """The Jacobian of an explanation's result with respect to operand ``k`` (``*`` and ``@``).

    >>> from broadcasting import explain
    >>> jacobian_of(explain((2, 1), (3,)), 0).index
    '∂C[k,j]/∂A[i,0] = b[j] δ[i,k]'
    """
    plan = explanation.plan
    if plan.op not in ("*", "@"):
        raise BroadcastError(f"Jacobians are given for * and @, not {plan.op!r}; write the "
                             f"operation as a product")
    n = len(plan.operands)
    if not isinstance(k, int) or isinstance(k, bool) or not -n <= k < n:
        raise BroadcastError(f"operand {k!r} does not exist: {plan!r} has operands 0 to {n - 1}")
    return Jacobian(plan, k % n)


# --- small array helpers (numpy or torch, never importing torch ourselves) ----------------------
def _device(arrays):
    torch = sys.modules.get("torch")
    for x in arrays:
        if torch is not None and isinstance(x, torch.Tensor):
            return x.device
    return None


def _eye(backend, n: int, dtype, arrays):
    if backend.name == "torch":
        return sys.modules["torch"].eye(n, dtype=dtype, device=_device(arrays))
    return sys.modules["numpy"].eye(n, dtype=dtype)


def _ones(backend, shape, dtype, arrays):
    if backend.name == "torch":
        return sys.modules["torch"].ones(shape, dtype=dtype, device=_device(arrays))
    import numpy as np
    return np.ones(shape, dtype=dtype)


def _cast(backend, x, dtype):
    if backend.name == "torch":
        torch = sys.modules["torch"]
        x = x if isinstance(x, torch.Tensor) else torch.tensor(x)
        return x if x.dtype == dtype else x.to(dtype)
    import numpy as np
    x = np.asarray(x)
    return x if x.dtype == dtype else x.astype(dtype)


def _is_floating(x) -> bool:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return x.is_floating_point() or x.is_complex()
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray) and x.dtype.kind in "fc"
