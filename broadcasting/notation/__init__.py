"""Text forms of a plan: einsum, einops, index formulas (plain and LaTeX), matrix forms."""
from .einops import einops_pattern
from .einsum import adjoint_einsum, adjoint_einsums
from .index import backward_formula, backward_formulas, index_formula, latex_formula
from .matrix import MatrixForm, matrix_form

__all__ = ["einops_pattern", "adjoint_einsum", "adjoint_einsums", "backward_formula", "index_formula", "latex_formula",
           "backward_formulas", "MatrixForm", "matrix_form"]
