"""The one table of operators: one frozen :class:`Operator` row per Python binary operator the
library explains, with every name it goes by (LaTeX, diagram glyph, ``ast`` node, ``operator``
function and its in-place form, numpy and torch function names, torch dunders). Every other
operator table in the package is derived from this one. Imports nothing.

>>> BY_SYMBOL["*"].latex, BY_SYMBOL["*"].glyph, BY_SYMBOL["*"].numpy
(' ', '×', ('multiply',))
>>> ELEMENTWISE[:4], OPS[-1]
(('*', '+', '-', '/'), '@')
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Operator", "OPERATORS", "BY_SYMBOL", "ELEMENTWISE", "OPS"]


@dataclass(frozen=True)
class Operator:
    """One binary operator.

    ``latex``: the separator between factors in an index formula (``None``: written another
    way, e.g. a fraction); ``glyph``: what the diagram draws; ``ast_node``: the class name of
    its node (``ast.Mult``); ``compare``: a comparison (``ast.Compare``, not ``ast.BinOp``);
    ``function``/``inplace``: its ``operator`` functions; ``numpy``/``torch``: the library
    functions that compute it (the audit checks them); ``dunders``: torch.Tensor methods
    ``__name__`` that compute it.
    """

    symbol: str
    latex: str | None
    glyph: str
    ast_node: str
    function: str
    inplace: str | None = None
    compare: bool = False
    numpy: tuple[str, ...] = ()
    torch: tuple[str, ...] = ()
    dunders: tuple[str, ...] = ()

    @property
    def elementwise(self) -> bool:
        return self.symbol != "@"

    def __repr__(self) -> str:
        return f"<Operator {self.symbol} ({self.function})>"


OPERATORS = (
    Operator("*", " ", "×", "Mult", "mul", "imul", numpy=("multiply",),
             torch=("mul", "multiply"), dunders=("mul", "rmul", "imul")),
    Operator("+", " + ", "+", "Add", "add", "iadd", numpy=("add",), torch=("add",),
             dunders=("add", "radd", "iadd")),
    Operator("-", " - ", "−", "Sub", "sub", "isub", numpy=("subtract",),
             torch=("sub", "subtract", "rsub"), dunders=("sub", "rsub", "isub")),
    Operator("/", None, "÷", "Div", "truediv", "itruediv", numpy=("divide", "true_divide"),
             torch=("div", "divide", "true_divide"),
             dunders=("truediv", "rtruediv", "itruediv", "div", "rdiv", "idiv")),
    Operator("//", None, "//", "FloorDiv", "floordiv", "ifloordiv", numpy=("floor_divide",),
             torch=("floor_divide",), dunders=("floordiv", "rfloordiv", "ifloordiv")),
    Operator("%", " \\bmod ", "%", "Mod", "mod", "imod", numpy=("mod", "remainder"),
             torch=("remainder", "fmod"), dunders=("mod", "rmod", "imod")),
    Operator("**", None, "**", "Pow", "pow", "ipow", numpy=("power",),
             torch=("pow", "float_power"), dunders=("pow", "rpow", "ipow")),
    Operator("==", " = ", "==", "Eq", "eq", compare=True, numpy=("equal",), torch=("eq",),
             dunders=("eq",)),
    Operator("!=", " \\neq ", "≠", "NotEq", "ne", compare=True, numpy=("not_equal",),
             torch=("ne", "not_equal"), dunders=("ne",)),
    Operator("<", " < ", "<", "Lt", "lt", compare=True, numpy=("less",), torch=("lt", "less"),
             dunders=("lt",)),
    Operator("<=", " \\le ", "≤", "LtE", "le", compare=True, numpy=("less_equal",),
             torch=("le", "less_equal"), dunders=("le",)),
    Operator(">", " > ", ">", "Gt", "gt", compare=True, numpy=("greater",),
             torch=("gt", "greater"), dunders=("gt",)),
    Operator(">=", " \\ge ", "≥", "GtE", "ge", compare=True, numpy=("greater_equal",),
             torch=("ge", "greater_equal"), dunders=("ge",)),
    Operator("&", " \\land ", "&", "BitAnd", "and_", "iand", numpy=("logical_and",),
             torch=("logical_and", "bitwise_and"), dunders=("and", "rand", "iand")),
    Operator("|", " \\lor ", "|", "BitOr", "or_", "ior", numpy=("logical_or",),
             torch=("logical_or", "bitwise_or"), dunders=("or", "ror", "ior")),
    Operator("^", " \\oplus ", "^", "BitXor", "xor", "ixor", numpy=("logical_xor",),
             torch=("logical_xor", "bitwise_xor"), dunders=("xor", "rxor", "ixor")),
    Operator("@", " ", "@", "MatMult", "matmul", "imatmul"),
)

#: symbol -> its row
BY_SYMBOL = {o.symbol: o for o in OPERATORS}
#: the element-wise operators (everything but ``@``), in table order
ELEMENTWISE = tuple(o.symbol for o in OPERATORS if o.elementwise)
#: every operator ``explain`` takes
OPS = tuple(o.symbol for o in OPERATORS)
