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


_TOKENS = re.compile(r"\\operatorname\{diag\}\((\w+)\)|\\mathbb\{1\}|\^\\top|\\odot|\\,|[()+\-]|\w+|\s+")


def eval_matrix_form(latex: str, values: dict[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Evaluate a matrix form such as ``C = s \\, \\operatorname{diag}(u) \\, (A \\odot B) \\,
    \\operatorname{diag}(v)``: vectors are columns, juxtaposition is the matrix product (or
    scaling by a 0-d factor), ``\\odot`` elementwise, ``\\mathbb{1}`` a vector of ones."""
    rhs = latex.split(" = ", 1)[1]
    rows = shape[0] if shape else 1
    cols = shape[-1] if len(shape) == 2 else 1
    tokens = [m for m in _TOKENS.finditer(rhs) if not m.group(0).isspace() and m.group(0) != "\\,"]
    pos = 0

    def atom():
        nonlocal pos
        m = tokens[pos]
        pos += 1
        text = m.group(0)
        if text == "(":
            v = expr()
            assert tokens[pos].group(0) == ")"
            pos += 1
        elif m.group(1):
            v = np.diag(np.ravel(values[m.group(1)]))
        elif text == "\\mathbb{1}":
            transposed = pos < len(tokens) and tokens[pos].group(0) == "^\\top"
            v = np.ones((cols if transposed else rows, 1))
        else:
            v = values[text]
        if pos < len(tokens) and tokens[pos].group(0) == "^\\top":
            pos += 1
            v = v.T
        return v

    def hadamard():
        nonlocal pos
        v = atom()
        while pos < len(tokens) and tokens[pos].group(0) == "\\odot":
            pos += 1
            v = v * atom()
        return v

    def product():
        v = hadamard()
        while pos < len(tokens) and tokens[pos].group(0) not in ("+", "-", ")"):
            w = hadamard()
            v = v * w if np.ndim(v) == 0 or np.ndim(w) == 0 else v @ w
        return v

    def expr():
        nonlocal pos
        v = product()
        while pos < len(tokens) and tokens[pos].group(0) in ("+", "-"):
            sign = tokens[pos].group(0)
            pos += 1
            w = product()
            v = v + w if sign == "+" else v - w
        return v

    result = expr()
    assert pos == len(tokens), latex
    return np.asarray(result).reshape(shape)


def matrix_values(explanation, arrays) -> dict[str, np.ndarray]:
    """Name -> value for ``eval_matrix_form``: scalars 0-d, vectors columns, matrices 2-D."""
    out = {}
    for o, x in zip(explanation.operands, explanation.einsum_operands(*arrays)):
        x = np.asarray(x)
        out[o.name] = x.reshape(-1, 1) if x.ndim == 1 else x
    return out
