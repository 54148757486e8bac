"""Test oracles: evaluate the *text* notations of an explanation numerically, with no
broadcasting at all, so that a wrong formula string fails a test."""
from __future__ import annotations

import itertools
import re

import numpy as np

_TERM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z_0-9]*)(?:\[(?P<subs>[^\]]*)\])?$")


def eval_index_formula(formula: str, op: str, arrays, sizes: dict[str, int]) -> np.ndarray:
    """Evaluate ``C[i,j] = Σ_k a[i,k] * B[k,j]`` with pure-Python loops over every index."""
    lhs, rhs = formula.split(" = ", 1)
    out_labels = _TERM.match(lhs).group("subs")
    out_labels = out_labels.split(",") if out_labels else []
    summed = re.findall(r"Σ_(\w+) ", rhs)
    rhs = re.sub(r"Σ_\w+ ", "", rhs)
    sep = " * " if op == "@" else f" {op} "
    terms = [_TERM.match(t) for t in rhs.split(sep)]
    assert len(terms) == len(arrays), (formula, len(arrays))
    func = {"*": lambda x, y: x * y, "+": lambda x, y: x + y, "-": lambda x, y: x - y,
            "@": lambda x, y: x * y, "/": lambda x, y: x / y}[op]
    out = np.zeros(tuple(sizes[lab] for lab in out_labels))
    for idx in itertools.product(*(range(sizes[lab]) for lab in out_labels)):
        env = dict(zip(out_labels, idx))
        total = 0.0
        for sidx in itertools.product(*(range(sizes[lab]) for lab in summed)):
            env.update(zip(summed, sidx))
            values = []
            for t, a in zip(terms, arrays):
                subs = t.group("subs")
                key = tuple(int(s) if s.isdigit() else env[s] for s in subs.split(",")) if subs else ()
                values.append(np.asarray(a)[key].item())
            acc = values[0]
            for v in values[1:]:
                acc = func(acc, v)
            total = total + acc
        out[idx] = total
    return out


_TOKENS = re.compile(r"\\operatorname\{diag\}\((?P<diag>\w+)\)|(?P<entry>\w+)_\{(?P<sub>1+)\}|"
                     r"\\mathbb\{1\}|\^\\top|\^\{-1\}|\^\{\\circ -1\}|\\odot|\\oslash|\\,|[()+\-]|\w+|\s+")


def _strict_same(v, w, what):
    assert np.shape(v) == np.shape(w), f"{what} of shapes {np.shape(v)} and {np.shape(w)}"


def _juxtapose(v, w):
    """Scaling by a number, else the matrix product (inner sizes must agree: no broadcasting)."""
    if np.ndim(v) == 0 or np.ndim(w) == 0:
        return v * w
    assert np.ndim(v) == np.ndim(w) == 2 and v.shape[1] == w.shape[0], (np.shape(v), np.shape(w))
    return v @ w


def _postfix(v, tok):
    if tok == "^\\top":
        assert np.ndim(v) == 2, "transpose of a non-matrix"
        return v.T
    if tok == "^{-1}":
        return 1 / v if np.ndim(v) == 0 else np.linalg.inv(v)
    assert np.ndim(v) == 2, "elementwise inverse of a non-matrix"
    return 1 / v


def eval_matrix_form(latex: str, values: dict[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Evaluate a matrix form such as ``C = s \\, \\operatorname{diag}(u) \\, (A \\odot B) \\,
    \\operatorname{diag}(v)^{-1}`` on the operands *as written* (see ``matrix_values``): 1-D
    arrays are columns, ``x_{1}``/``x_{11}`` the entry of a 1-element array, juxtaposition the
    matrix product (or scaling by a number), ``\\odot``/``\\oslash`` elementwise on equal shapes,
    ``+``/``-`` on equal shapes only, ``\\mathbb{1}`` a column of ones (of the result's row count,
    or its column count where transposed). Nothing broadcasts: a form that is dimensionally
    wrong fails. Returns the value unreshaped (a column for a vector result)."""
    rhs = latex.split(" = ", 1)[1]
    rows = shape[0] if shape else 1
    cols = shape[-1] if len(shape) == 2 else 1
    tokens = [m for m in _TOKENS.finditer(rhs) if not m.group(0).isspace() and m.group(0) != "\\,"]
    assert "".join(m.group(0) for m in _TOKENS.finditer(rhs)) == rhs, f"unparsed text in {latex}"
    pos = 0

    def peek():
        return tokens[pos].group(0) if pos < len(tokens) else None

    def atom():
        nonlocal pos
        m = tokens[pos]
        pos += 1
        text = m.group(0)
        if text == "(":
            v = expr()
            assert peek() == ")"
            pos += 1
        elif m.group("diag"):
            x = values[m.group("diag")]
            assert np.ndim(x) == 2 and 1 in x.shape, f"diag of a non-vector {np.shape(x)}"
            v = np.diag(np.ravel(x))
        elif m.group("entry"):
            x = values[m.group("entry")]
            assert x.size == 1, f"{text} names an entry of an array of shape {x.shape}"
            v = np.asarray(x).reshape(())
        elif text == "\\mathbb{1}":
            v = np.ones((cols if peek() == "^\\top" else rows, 1))
        else:
            assert re.fullmatch(r"\w+", text), f"unexpected {text!r} in {latex}"
            v = values[text]
        while peek() in ("^\\top", "^{-1}", "^{\\circ -1}"):
            v = _postfix(v, peek())
            pos += 1
        return v

    def hadamard():
        nonlocal pos
        v = atom()
        while peek() in ("\\odot", "\\oslash"):
            op = peek()
            pos += 1
            w = atom()
            _strict_same(v, w, op)
            v = v * w if op == "\\odot" else v / w
        return v

    def product():
        v = hadamard()
        while peek() not in ("+", "-", ")", None):
            v = _juxtapose(v, hadamard())
        return v

    def expr():
        nonlocal pos
        v = product()
        while peek() in ("+", "-"):
            sign = peek()
            pos += 1
            w = product()
            _strict_same(v, w, sign)
            v = v + w if sign == "+" else v - w
        return v

    result = expr()
    assert pos == len(tokens), latex
    return np.asarray(result)


def matrix_values(explanation, arrays) -> dict[str, np.ndarray]:
    """Name -> the operand as written, for ``eval_matrix_form``: 0-d stays a number, a 1-D
    array is a column, a 2-D array is itself (a ``(1, n)`` row stays a row)."""
    out = {}
    for o, x in zip(explanation.operands, arrays):
        x = np.asarray(x)
        out[o.name] = x.reshape(-1, 1) if x.ndim == 1 else x
    return out


def check_matrix_form(explanation, arrays, expected) -> np.ndarray:
    """Evaluate the explanation's matrix form on the arrays as written and compare it with the
    expected result: values close, shape exact once a vector result is a column; a form whose
    left side is an entry (``c_{1}``) is a number; ``xᵀy`` (1×1) stands for a 0-d result."""
    e = explanation
    got = eval_matrix_form(e.matrix, matrix_values(e, arrays), e.result_shape)
    expected = np.asarray(expected)
    lhs = e.matrix.split(" = ", 1)[0]
    if re.fullmatch(r"\w+_\{1+\}", lhs):
        assert expected.size == 1 and got.shape == (), (e.matrix, got.shape)
        want = expected.reshape(())
    elif expected.ndim == 0 and e.op == "@":
        assert got.shape == (1, 1), (e.matrix, got.shape)
        want = expected.reshape(1, 1)
    else:
        want = expected.reshape(-1, 1) if expected.ndim == 1 else expected
        assert got.shape == want.shape, (e.matrix, got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    return got
