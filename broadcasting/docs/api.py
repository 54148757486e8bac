"""The API reference page, generated from the docstrings of the public names.

>>> print(docstring_markdown("Use ``bc.explain``; see :func:`broadcasting.explain`."))
Use `bc.explain`; see `broadcasting.explain`.
"""
from __future__ import annotations

import importlib
import inspect
import re

from .markup import code, md_header

__all__ = ["MODULES", "api_page", "docstring_markdown", "summary"]

#: the modules documented, in order, with the names each exports (``__all__``)
MODULES = ("broadcasting", "broadcasting.shapes", "broadcasting.plan", "broadcasting.explain",
           "broadcasting.explicit", "broadcasting.jacobian", "broadcasting.diagram",
           "broadcasting.rewrite", "broadcasting.audit", "broadcasting.audit.strict",
           "broadcasting.notation", "broadcasting.corpus", "broadcasting.examples.backprop",
           "broadcasting.docs")

_RST_LITERAL = re.compile(r"``([^`]+)``")
_RST_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data):`~?([^`]+)`")


def inline_markdown(text: str) -> str:
    text = _RST_ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return _RST_LITERAL.sub(lambda m: f"`{m.group(1)}`", text)


def docstring_markdown(doc: str | None) -> str:
    """A docstring as Markdown: ``>>>`` examples (with their output) become code blocks,
    ``literal`` and :func:`roles` become code spans, ``::`` blocks become code blocks.

    >>> docstring_markdown("Add ``x``.\\n\\n>>> 1 + 1\\n2").splitlines()
    ['Add `x`.', '', '```pycon', '>>> 1 + 1', '2', '```']
    >>> docstring_markdown("A ``long\\nliteral`` here")  # one span across the line break
    'A `long\\nliteral` here'
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    out, k = [], 0
    while k < len(lines):
        line = lines[k]
        if line.lstrip().startswith(">>>"):
            block = []
            while k < len(lines) and lines[k].strip():
                block.append(lines[k].strip() if lines[k].lstrip().startswith((">>>", "...")) else lines[k])
                k += 1
            out += [code("\n".join(block), "pycon")]
            continue
        if line.rstrip().endswith("::") and k + 1 < len(lines):
            out.append(inline_markdown(line.rstrip()[:-1]))
            k += 1
            block = []
            while k < len(lines) and (not lines[k].strip() or lines[k].startswith(" ")):
                block.append(lines[k])
                k += 1
            out += ["", code(inspect.cleandoc("\n".join(block)), "text"), ""]
            continue
        if not line.strip():
            out.append("")
            k += 1
            continue
        para = [line]  # a paragraph is inlined whole: a ``literal`` may span its lines
        k += 1
        while k < len(lines) and lines[k].strip() and not lines[k].lstrip().startswith(">>>") \
                and not lines[k].rstrip().endswith("::"):
            para.append(lines[k])
            k += 1
        out += inline_markdown("\n".join(para)).splitlines()
    return "\n".join(out).strip()


def summary(doc: str | None) -> str:
    """The first sentence of a docstring's first paragraph, whole (never cut at a line end),
    as Markdown.

    >>> summary("Build the site\\nfrom the corpus. Then more.\\n\\nDetails.")
    'Build the site from the corpus.'
    >>> summary("The ``x`` of\\nthe ``y`` axis")
    'The `x` of the `y` axis'
    """
    paragraph = " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())
    cut = paragraph.find(". ")
    return inline_markdown(paragraph if cut < 0 else paragraph[:cut + 1])


def _value(obj) -> list[str]:
    """A module-level value: inline code when short, else a code block (a repr may hold
    backticks or run for lines)."""
    text = repr(obj)
    if len(text) <= 80 and "`" not in text:
        return [f"`{text}`"]
    import pprint
    lines = pprint.pformat(obj, width=88, compact=True).splitlines()
    return [code("\n".join(lines[:12] + (["…"] if len(lines) > 12 else [])), "python")]


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def _entry(module: str, name: str, obj) -> list[str]:
    kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
    head = f"### `{name}{_signature(obj) if kind != 'value' else ''}`"
    body = docstring_markdown(inspect.getdoc(obj)) if kind != "value" else "\n".join(_value(obj))
    out = [head, "", f"*{kind}* in `{getattr(obj, '__module__', module) or module}`", "", body, ""]
    if inspect.isclass(obj):
        for attr, member in sorted(vars(obj).items()):
            if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                continue
            target = member.fget if isinstance(member, property) else member
            doc = inspect.getdoc(target)
            if doc:
                sig = "" if isinstance(member, property) else _signature(target)
                out += [f"- **`{attr}{sig}`** — {summary(doc)}"]
        out.append("")
    return out


def api_page() -> str:
    """The Markdown of the API reference."""
    out = [md_header(), "# API reference", "",
           "Generated from the docstrings: every `>>>` example here is also run by the tests "
           "(`pytest --doctest-modules`).", ""]
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        out += [f"## `{module_name}`", "", docstring_markdown(module.__doc__), ""]
        if module_name == "broadcasting":
            continue  # its names are documented under the modules that define them
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            out += _entry(module_name, name, obj)
    return "\n".join(out).rstrip() + "\n"
