"""The Playground page: type an expression, see what ``broadcasting explain`` shows.

The page is static Markdown (:func:`playground_page`); in the browser, Pyodide runs *this
package* and calls :func:`render_view` on what the reader types, so the playground shows exactly
what the library computes (no JavaScript port of any rule). The runtime is put into the built
site by ``broadcasting docs build --playground`` (:mod:`broadcasting.docs.runtime`).

>>> v = render_view("a(3) * B(2,3)")
>>> v.error is None, "j,ij-&gt;ij" in v.html, "<svg" in v.html
(True, True, True)
>>> print(render_view("a(3) * B(2,4)").error)
broadcasting explain: error: cannot broadcast operand 0 (a) of shape (3,) with operand 1 (B) of shape (2, 4): axis -1 has 3 vs 4 (neither is 1); sizes must be equal or one of them 1
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ..cli import parse_expression
from ..errors import USER_ERRORS
from ..explain import Explanation, explain
from .markup import js_header, math_block, md_header

__all__ = ["View", "render_view", "playground_page", "playground_script", "examples",
           "RUNTIME_DIR", "SCRIPT", "PYODIDE_VERSION"]

#: the npm package ``pyodide`` this site's playground runs on (pinned)
PYODIDE_VERSION = "0.29.3"
#: where ``docs build --playground`` puts the runtime, relative to the docs folder (not in git)
RUNTIME_DIR = "playground-runtime"
#: the page's script, relative to the docs folder (generated from ``playground.js``)
SCRIPT = "javascripts/playground.js"
#: what the page shows first when its URL has no fragment
DEFAULT = "a(3) * B(2,3)"


@dataclass(frozen=True)
class View:
    """What the playground shows for one input: HTML, or the command line's one-line error."""

    expression: str
    html: str
    error: str | None = None


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _pre(lines) -> str:
    return f'<pre><code>{_esc(chr(10).join(lines))}</code></pre>'


def _table(head, rows) -> str:
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _matrix(e: Explanation) -> list[str]:
    mf = e.matrix_form
    if mf is None:
        return [f"<p>The result has rank {len(e.result_shape)}: there is no single matrix "
                f"form (every product of rank ≤ 2 has one).</p>"]
    words = f" — {_esc(mf.words)}" if mf.words else ""
    return [math_block(mf.latex), f"<p>Case: <strong>{_esc(mf.case)}</strong>{words}.</p>"]


def _backward(e: Explanation) -> str:
    rows = [[f"<code>{_esc(o.name)}</code>", f"<code>{_esc(b)}</code>", f"<code>{_esc(a)}</code>"]
            for o, b, a in zip(e.operands, e.backward, e.adjoints)]
    return _table(["operand", "gradient", f"einsum (inputs: dL/d{_esc(e.plan.result_name)}, then "
                   "the other operands)"], rows)


def _warnings(e: Explanation) -> list[str]:
    return [f'<div class="admonition warning"><p class="admonition-title">{_esc(w.kind)}</p>'
            f"<p>{_esc(w.message)}; {_esc(w.suggestion)}</p></div>" for w in e.warnings]


def _explanation_html(e: Explanation) -> str:
    head = str(e).splitlines()[0]
    notation = ([[f"<code>{_esc(e.einsum)}</code>", f"<code>{_esc(e.einops)}</code>"]]
                if e.einsum is not None else [["—", "—"]])
    out = [f'<p class="bc-head"><code>{_esc(head)}</code></p>', *_warnings(e),
           "<h3>Aligned shapes</h3>", _pre(e.table()),
           "<h3>Index formula</h3>", math_block(e.latex), _pre([e.index]),
           "<h3>Matrix form</h3>", *_matrix(e),
           "<h3>einsum and einops</h3>", _table(["einsum", "einops"], notation),
           "<h3>Backward rule</h3>", _backward(e),
           "<h3>Diagram</h3>", f'<div class="bc-diagram">{e.svg()}</div>',
           "<details><summary>As <code>broadcasting explain</code> prints it</summary>",
           _pre(str(e).splitlines()), "</details>"]
    return "\n".join(out)


def render_view(text: str) -> View:
    """The playground's output for one expression (the syntax of ``broadcasting explain``).

    A user mistake gives the command line's one-line error, never a traceback:

    >>> print(render_view("a(3) *").error)
    broadcasting explain: error: 'a(3) *' ends without an operand; example: "a(3) * B(2,3)"
    >>> render_view("  ").html
    ''
    """
    if not text.strip():
        return View(text, "")
    try:
        shapes, op, names = parse_expression(text)
        e = explain(*shapes, op=op, names=names)
        return View(text, _explanation_html(e))
    except USER_ERRORS as err:
        return View(text, "", f"broadcasting explain: error: {err}")


def examples() -> list[tuple[str, str]]:
    """(title, expression) of each example button: the gallery's patterns (the seed's chain
    among them)."""
    from .patterns import PATTERNS
    return [(p.title, p.expression) for p in PATTERNS]


def _notes() -> list[str]:
    build = ("<code>broadcasting docs build --playground</code> (it fetches the pinned npm package "
             f"<code>pyodide@{PYODIDE_VERSION}</code> with <code>npm</code>), then "
             "<code>mkdocs build</code>")
    serve = ("serve the built site with <code>python -m http.server -d site</code> and open "
             "<code>http://localhost:8000/playground/</code>")
    return [f'<p class="bc-note" id="bc-note-missing" hidden>The playground needs a Python '
            f"runtime that is not part of this build of the site. To enable it: {build}; then "
            f"{serve}.</p>",
            '<p class="bc-note" id="bc-note-file" hidden>This page was opened from a '
            "<code>file://</code> address, and browsers refuse to run WebAssembly there, so the "
            f"playground cannot start. Instead, {serve}.</p>",
            '<noscript><p class="bc-note">The playground runs Python in your browser: it needs '
            "JavaScript.</p></noscript>"]


def _buttons() -> str:
    return "\n".join(f'<button type="button" class="md-button bc-example" data-expr="{_esc(x)}" '
                     f'title="{_esc(x)}">{_esc(t)}</button>' for t, x in examples())


def playground_page() -> str:
    """The Markdown of the Playground page (its script: :data:`SCRIPT`)."""
    return "\n".join([
        md_header(), "# Playground", "",
        "Type shapes and an operator, as `broadcasting explain` takes them — `a(3) * B(2,3)`, "
        "`x(2) @ W(2,3)`, `(4, 1) + (3,)`, names optional — and see every notation of the "
        "broadcast. It is the library itself, running in your browser (Python compiled to "
        "WebAssembly by [Pyodide](https://pyodide.org)); nothing is sent anywhere. The address "
        "keeps the expression, so a link shows the same view.", "",
        '<div id="bc-playground">',
        '<label for="bc-input">Expression</label>',
        f'<input id="bc-input" type="text" spellcheck="false" autocomplete="off" '
        f'value="{_esc(DEFAULT)}" placeholder="{_esc(DEFAULT)}">',
        f'<div class="bc-examples">{_buttons()}</div>', *_notes(),
        '<div id="bc-output" data-state="loading" aria-live="polite">'
        "<p>Loading Python in the browser…</p></div>",
        "</div>", "",
        f'<script src="{SCRIPT}" data-runtime="../{RUNTIME_DIR}/" '
        f'data-default="{_esc(DEFAULT)}"></script>', ""])


def playground_script() -> str:
    """The page's script (``playground.js`` next to this module), with the generated header."""
    source = Path(__file__).with_name("playground.js").read_text(encoding="utf-8")
    return js_header() + "\n" + source
