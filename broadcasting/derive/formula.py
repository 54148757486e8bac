"""Index formulas of the local backward rules, as plain text and as LaTeX.

>>> einsum_formula("dW", "ij", [("x", "i"), ("dh", "j")])
('dW[i,j] += x[i] · dh[j]', '\\\\mathit{dW}_{ij} \\\\mathrel{+}= \\\\mathit{x}_{i} \\\\, \\\\mathit{dh}_{j}')
>>> elementwise_formula("{dx} += {dy} · (1 - {y}²)", {"dx": "dh", "dy": "dhact", "y": "hact"}, "j")[0]
'dh[j] += dhact[j] · (1 - hact[j]²)'
"""
from __future__ import annotations

import re

__all__ = ["ix", "tex", "einsum_formula", "elementwise_formula", "to_latex", "relabel"]

OUT_LETTERS = "ijklmnopqrstuvwxyz"
LEADING_LETTERS = "bcdefgh"


def relabel(terms, out: str) -> dict[str, str]:
    """Letters read the same in every einsum: the result's axes are ``i, j, k, …`` in order, an
    axis summed away that leads every term carrying it (a batch axis) is ``b, c, …``, any
    other summed axis takes the next letter after the result's.

    >>> relabel(["ij", "ik"], "jk")  # dW = x^T dh over a batch
    {'j': 'i', 'k': 'j', 'i': 'b'}
    """
    mapping = {c: OUT_LETTERS[k] for k, c in enumerate(out)}
    summed = list(dict.fromkeys(c for t in terms for c in t if c not in mapping))
    leading, others = LEADING_LETTERS, (c for c in OUT_LETTERS[len(out):] + LEADING_LETTERS)
    used = set(mapping.values())
    for c in summed:
        lead = all(t.index(c) < len(t) and all(d not in out for d in t[:t.index(c)])
                   for t in terms if c in t)
        pool = leading if lead else others
        letter = next(x for x in pool if x not in used)
        mapping[c] = letter
        used.add(letter)
    return mapping

_LATEX = (("+=", r"\mathrel{+}="), ("·", r"\cdot"), ("²", "^{2}"), ("Σ", r"\sum"),
          ("sign(", r"\operatorname{sign}("), ("exp(", r"\exp("), ("softmax(",
          r"\operatorname{softmax}("), ("ln ", r"\ln "), ("#", r"\#"))


def _name(name: str) -> str:
    return name if name.isidentifier() else f"({name})"


def ix(name: str, labels: str) -> str:
    """``x[i,j]`` (or ``x`` for no labels)."""
    return f"{_name(name)}[{','.join(labels)}]" if labels else _name(name)


def tex(name: str, labels: str) -> str:
    """``\\mathit{x}_{ij}`` (names with ``_`` escaped)."""
    base = r"\mathit{" + _name(name).replace("_", r"\_") + "}"
    return f"{base}_{{{labels}}}" if labels else base


def to_latex(text: str) -> str:
    """Plain formula text as LaTeX: operators, ``x^(p)`` exponents, ``_`` inside names.

    >>> print(to_latex("dlogit_maxes[i] += Σ_j dx[i,j] · x[i,j]^(-2)"))
    dlogit\\_maxes[i] \\mathrel{+}= \\sum_j dx[i,j] \\cdot x[i,j]^{-2}
    """
    text = re.sub(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])", r"\\_", text.replace("Σ_", "Σ\x02"))
    text = re.sub(r"\^\(([^()]*)\)", r"^{\1}", text).replace("\x02", "_")
    for plain, latex in _LATEX:
        text = text.replace(plain, latex)
    return text


def einsum_formula(target: str, labels: str, factors, sign: str = "") -> tuple[str, str]:
    """``target[labels] += Σ_k f1[..] · f2[..]`` for an einsum of ``(name, labels)`` factors."""
    m = relabel([lab for _, lab in factors], labels)
    labels, factors = "".join(m[c] for c in labels), [(n, "".join(m[c] for c in lab))
                                                       for n, lab in factors]
    seen = "".join(lab for _, lab in factors)
    summed = "".join(dict.fromkeys(c for c in seen if c not in labels))
    plain = f"{ix(target, labels)} += {sign}" + (f"Σ_{summed} " if summed else "") + \
        " · ".join(ix(n, lab) for n, lab in factors)
    latex = f"{tex(target, labels)} " + r"\mathrel{+}= " + sign + \
        (rf"\sum_{{{','.join(summed)}}} " if summed else "") + \
        r" \, ".join(tex(n, lab) for n, lab in factors)
    return plain, latex


def elementwise_formula(template: str, names: dict[str, str], labels: str) -> tuple[str, str]:
    """Fill ``{dx}``-style placeholders with indexed names: (plain, LaTeX)."""
    plain = re.sub(r"\{(\w+)\}", lambda m: ix(names[m.group(1)], labels), template)
    latex = re.sub(r"\{(\w+)\}", lambda m: "\x00" + m.group(1) + "\x01", template)
    latex = to_latex(latex)
    latex = re.sub("\x00(\\w+)\x01", lambda m: tex(names[m.group(1)], labels), latex)
    return plain, latex
