"""The torch tables of the audit and of ``strict``: which torch operations are checked (by name,
as functions, methods, in-place methods and dunders), which losses, and how to find them in a
program's source (:func:`calls_checked`) and at run time (:func:`checked_functions`).

>>> import ast
>>> imports_torch(ast.parse("import torch.nn as nn")), imports_torch(ast.parse("import numpy"))
(True, False)
"""
from __future__ import annotations

import ast
from functools import lru_cache

from ..ops import OPERATORS
from .calls import imports_module
from .source import REDUCTIONS

__all__ = ["CHECKED", "DUNDERS", "LOSSES", "LOSS_MODULES", "LOSS_MODULE_FUNCTIONS", "EXPANSIONS",
           "MASKED", "imports_torch", "calls_checked", "checked_functions", "checked_entry", "tensor_shapes",
           "recorded_functions", "reduction_axis", "BINARY_FORMS"]

#: checked torch operation name -> the operator used to explain it (from ``ops``; None: a
#: function, explained as an element-wise combination)
CHECKED = {name: o.symbol for o in OPERATORS for name in o.torch}
CHECKED.update(dict.fromkeys(("maximum", "minimum", "fmax", "fmin", "atan2", "arctan2", "hypot",
                              "copysign", "xlogy", "lerp", "where", "addcmul", "addcdiv")))
#: element-wise losses (``torch.nn.functional``) whose input and target are checked
LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
          "binary_cross_entropy_with_logits", "soft_margin_loss", "poisson_nll_loss",
          "gaussian_nll_loss", "kl_div")
#: torch.Tensor dunder method (without underscores) -> its operator (from ``ops``)
DUNDERS = {name: o.symbol for o in OPERATORS for name in o.dunders}


#: calls that broadcast one array to a shape explicitly: judged by where the array came from
EXPANSIONS = ("expand_as", "expand", "broadcast_to")
#: calls that broadcast a mask onto a tensor (judged as ``tensor * mask``; not by strict "all")
MASKED = ("masked_fill",)


def imports_torch(tree) -> bool:
    """Whether a program imports torch (or a torch sub-module) anywhere."""
    return imports_module(tree, "torch")


#: loss module -> the checked loss function its forward calls with ``(input, target, …)``
LOSS_MODULE_FUNCTIONS = {"MSELoss": "mse_loss", "L1Loss": "l1_loss", "SmoothL1Loss": "smooth_l1_loss",
                         "HuberLoss": "huber_loss", "BCELoss": "binary_cross_entropy",
                         "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
                         "SoftMarginLoss": "soft_margin_loss", "PoissonNLLLoss": "poisson_nll_loss",
                         "GaussianNLLLoss": "gaussian_nll_loss", "KLDivLoss": "kl_div"}
#: loss modules whose forward calls a checked loss function
LOSS_MODULES = frozenset(LOSS_MODULE_FUNCTIONS)


def calls_checked(tree) -> bool:
    """Whether a program names any checked torch function or loss module (``torch.add``,
    ``x.mul_``, ``F.mse_loss``, ``nn.MSELoss``…): only then is recording worth its cost.

    >>> calls_checked(ast.parse("y = torch.where(m, a, b)")), calls_checked(ast.parse("y = a * b"))
    (True, False)
    >>> [calls_checked(ast.parse(s)) for s in ("m = torch.min(q1, q2)", "m = x.max(1)")]
    [True, False]
    """
    names = set(CHECKED) | set(LOSSES) | LOSS_MODULES | set(EXPANSIONS) | set(MASKED)
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else (
            node.id if isinstance(node, ast.Name) else None)
        if name is not None and (name in names or name.rstrip("_") in names):
            return True
        if _binary_form(node):
            return True
    return False


def _binary_form(node) -> bool:
    """``torch.max(a, b)`` / ``a.min(b)`` written with a second operand that is not a
    literal axis (the element-wise form)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in BINARY_FORMS):
        return False
    operands = node.args[1:] if isinstance(node.func.value, ast.Name) and \
        node.func.value.id == "torch" else node.args
    second = operands[0] if operands else next(
        (k.value for k in node.keywords if k.arg == "other"), None)
    return second is not None and not isinstance(second, ast.Constant)


@lru_cache(maxsize=1)
def checked_functions() -> dict:
    """Every torch callable that a checked operation reaches ``__torch_function__`` as, mapped
    to ``(name, operator)``."""
    import torch
    table = {}
    for name, op in CHECKED.items():
        for owner in (torch, torch.Tensor, torch._C.TensorBase):
            for attr in (name, name + "_"):
                fn = getattr(owner, attr, None)
                if fn is not None:
                    table.setdefault(fn, (name, op))
    for name, op in DUNDERS.items():
        for owner in (torch.Tensor, torch._C.TensorBase):
            fn = getattr(owner, f"__{name}__", None)
            if fn is not None:
                table.setdefault(fn, (name, op))
    functional = torch.nn.functional
    for name in LOSSES:
        fn = getattr(functional, name, None)
        if fn is not None:
            table.setdefault(fn, (name, None))
    return table


#: reductions that are element-wise binary operations when given a second tensor
BINARY_FORMS = {"max": "maximum", "min": "minimum"}


def checked_entry(func, args, kwargs) -> tuple | None:
    """The ``(name, operator)`` a call is checked as, or None: a checked function, or
    ``torch.max(a, b)``/``torch.min(a, b)`` given a second tensor (the element-wise
    ``maximum``/``minimum``, which broadcasts), not the reduction ``torch.max(a, dim)``."""
    entry = checked_functions().get(func)
    if entry is not None:
        return entry
    name = getattr(func, "__name__", None)
    if name in BINARY_FORMS and recorded_functions().get(func) == ("reduce", name):
        other = args[1] if len(args) > 1 else (kwargs or {}).get("other")
        if hasattr(other, "shape") and hasattr(other, "dim"):
            return BINARY_FORMS[name], None
    return None


def tensor_shapes(torch, name, args, kwargs) -> list[tuple[int, ...]]:
    """Shapes of the tensor operands with at least one axis (0-d tensors and numbers are
    scalars: always allowed); for a loss, its input and target only."""
    kwargs = kwargs or {}
    if name in LOSSES:
        values = list(args[:2]) + [kwargs[k] for k in ("input", "target") if k in kwargs]
    else:
        values = list(args) + [v for k, v in kwargs.items() if k != "out"]
    return [tuple(v.shape) for v in values if isinstance(v, torch.Tensor) and v.dim() > 0]


@lru_cache(maxsize=1)
def recorded_functions() -> dict:
    """The torch callables the audit records without judging their operands: reductions
    (``'reduce'``: the axes they ran with), expansions (``'expand'``: from what to what
    shape), masked fills (``'mask'``: the tensor and its mask) and ``broadcast_tensors`` (``'params'``: what library code such as
    ``torch.distributions`` broadcasts; judged by ``strict("outer")`` only), mapped to
    ``(kind, name)``."""
    import torch
    table = {}
    for kind, names in (("reduce", REDUCTIONS), ("expand", EXPANSIONS),
                        ("params", ("broadcast_tensors",)), ("mask", MASKED)):
        for name in names:
            for owner in (torch, torch.Tensor, torch._C.TensorBase):
                fn = getattr(owner, name, None)
                if fn is not None and fn not in checked_functions():
                    table.setdefault(fn, (kind, name))
    return table


_DIM_SECOND = frozenset({"norm", "quantile", "nanquantile"})


def reduction_axis(name: str, args, kwargs) -> tuple[object, bool]:
    """The ``dim`` and ``keepdim`` a torch reduction was called with (``None``: all axes).

    >>> reduction_axis("sum", ("x", 1), {}), reduction_axis("norm", ("x",), {"p": 2, "dim": -1})
    ((1, False), (-1, False))
    """
    position = 2 if name in _DIM_SECOND else 1
    dim = kwargs.get("dim", args[position] if len(args) > position else None)
    keep = kwargs.get("keepdim", args[position + 1] if len(args) > position + 1 else False)
    return dim, keep is True
