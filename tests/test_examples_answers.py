"""The answers' Markdown: built from the library's objects, and the numbers in it are right."""
import numpy as np

from broadcasting import explain
from broadcasting.examples import answers
from broadcasting.examples.answers import all_answers, bmatrix


def test_every_answer_is_markdown_with_balanced_math():
    texts = all_answers()
    assert list(texts) == ["paper_notation", "outer_product", "jacobian_product", "batch_sum"]
    for name, text in texts.items():
        assert text.startswith("### "), name
        assert text.count("$") % 2 == 0, name
        assert text.count("{") == text.count("}"), name


def test_paper_notation_comes_from_explain():
    text = answers.paper_notation()
    e = explain((3,), (2, 3), names=("a", "B", "C"))
    assert f"${e.latex}$" in text and f"${e.matrix}$" in text and f"`{e.einsum}`" in text
    assert bmatrix(np.array([[0.5, 1, 2], [1, 2, 4]])) in text  # the notebook's printed a * B


def test_outer_product_shows_the_notebook_gradient():
    text = answers.outer_product()
    assert "\\frac{\\partial h_{k}}{\\partial W_{ij}} = x_{i} \\delta_{jk}" in text
    assert bmatrix(np.array([[0.0, -0.0019, 0.0257], [0.0, -0.0038, 0.0513]])) in text
    assert "cannot broadcast operand 0 (v) of shape (3,) with operand 1 (x) of shape (2,)" in text
    assert "`i,j->ij`" in text and "$x \\otimes g$" in text


def test_jacobian_product_and_batch_sum():
    text = answers.jacobian_product()
    assert "shape (3, 2, 3)" in text and "18 partial derivatives" in text
    assert "`W.grad` $= " + bmatrix(np.array([[1, 0, 0], [2, 0, 0]])) in text
    batch = answers.batch_sum(batch=3, inputs=2, hidden=3)
    assert "When the batch size equals the hidden size" in batch and "runs, silently" in batch
    assert "bi,bj->ij" in answers.batch_sum()


def test_bmatrix():
    assert bmatrix(np.array([1.0, -0.00001])) == "\\begin{bmatrix} 1 & 0 \\end{bmatrix}"
