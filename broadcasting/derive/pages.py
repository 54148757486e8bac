"""Markdown pages for the docs: one per worked example of ``derive`` (forward code, derived
backward code, each step's rule, the agreement with autograd as a bound), and an index.

The pages hold no round-off numbers: the agreement is stated as a bound, so they are the same
on any machine. The docs generator adds its header line.

>>> page = example_page(SEED)
>>> "```python" in page and "max relative difference ≤ 1e-12" in page
True
"""
from __future__ import annotations

import inspect

from .check import compare
from .derivation import derive
from .examples import EXAMPLES, SEED, Example

__all__ = ["example_page", "index_page", "pages", "BOUND"]

BOUND = 1e-12
FRESH_SEEDS = (101, 102, 103)


def _agreement(example: Example, d) -> str:
    worst = max(compare(d, example.function, example.inputs(seed), seed=seed).max_relative
                for seed in FRESH_SEEDS)
    runs = f"{len(FRESH_SEEDS)} sets of fresh random float64 inputs (other values than the trace's)"
    if worst <= BOUND:
        return (f"Checked against torch autograd on {runs}: for every gradient, max relative "
                f"difference ≤ {BOUND:g} (difference over the largest gradient entry, or over "
                f"1).")
    return f"**Disagrees with torch autograd** on {runs}: max relative difference > {BOUND:g}."


def _steps_table(d) -> str:
    rows = ["| line | forward | shapes | backward rule |", "|---|---|---|---|"]
    for s in d.steps:
        shapes = ", ".join(str(x) for x in s.shapes) + f" → {s.result_shape}"
        rule = "<br>".join(f"`{r}`" for r in s.index.splitlines())
        text = s.text.replace("|", "\\|")
        rows.append(f"| {s.line or ''} | `{text}` | {shapes} | {rule} |")
    return "\n".join(rows)


def example_page(example: Example) -> str:
    """The page of one example (without the generator's header line)."""
    d = derive(example.function, *example.inputs(0))
    shapes = ", ".join(f"`{n}` {s}" + (f" (integers < {example.ints[n]})" if n in example.ints
                                        else "") for n, s in example.shapes.items())
    return "\n\n".join([
        f"# {example.title}",
        f"The forward function, written with {example.lib}, traced once with {shapes}:",
        f"```python\n{inspect.getsource(example.function).rstrip()}\n```",
        f"The backward pass `bc.derive` writes (`d = bc.derive({example.function.__name__}, "
        f"*args)`, then `d.source`): every product is an explicit einsum, every broadcast's "
        f"reverse a sum over the stretched axes, no line relies on implicit broadcasting.",
        f"```python\n{d.source.rstrip()}\n```",
        _agreement(example, d),
        "## Each step",
        "One row per forward operation, last first: the shapes and the local backward rule "
        "(`dx` is the gradient of the result with respect to `x`; `+=` accumulates a value "
        "used more than once).",
        _steps_table(d),
    ]) + "\n"


def index_page() -> str:
    rows = "\n".join(f"- [{e.title}]({e.name}.md)" for e in EXAMPLES)
    return "\n\n".join([
        "# Backward passes, written by hand",
        "`bc.derive(f, *example_args)` traces a forward function once and writes its backward "
        "pass as the standalone function a careful person would write: every product an explicit "
        "einsum (checked to need no implicit broadcasting), every broadcast's reverse a sum over "
        "the stretched axes, each line annotated with the source line it reverses. "
        "`broadcasting derive FILE.py FUNC --shape x=2 --shape W=2,3 --check` does the same "
        "from the command line.",
        "Worked examples:", rows]) + "\n"


def pages() -> dict[str, str]:
    """``derive/index.md`` and one ``derive/<example>.md`` per example (path → text)."""
    site = {"derive/index.md": index_page()}
    for e in EXAMPLES:
        site[f"derive/{e.name}.md"] = example_page(e)
    return site
