"""The non-gallery pages: the index, the corpus page and numpy vs torch. Every formula comes from
:func:`broadcasting.explain`, every number from the corpus (:mod:`broadcasting.corpus`).

>>> "broadcast" in index_page(CorpusFacts.missing("no corpus"))
True
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..cli_help import COMMANDS
from ..explain import explain
from ..shapes import format_shape
from .markup import code, math_block, md_header, table, versions_line

__all__ = ["CorpusFacts", "corpus_facts", "index_page", "corpus_page", "numpy_vs_torch_page",
           "RULE_EXAMPLES", "command_help"]


#: the corpus kinds whose cases compute a result (the others record errors or dtypes)
VERIFYING_KINDS = ("elementwise", "matmul", "gradients")


@dataclass(frozen=True)
class CorpusFacts:
    """What the docs need from the corpus: the cases, the manifest, or why there are none."""

    cases: tuple = ()
    manifest: dict = field(default_factory=dict)
    problem: str | None = None

    @classmethod
    def missing(cls, problem: str) -> "CorpusFacts":
        return cls((), {}, problem)

    def count(self, **filters) -> int:
        from ..corpus import count_cases
        return count_cases(self.cases, **filters)

    def programs(self) -> int:
        """Corpus cases that run the notebook's network, its ``*`` chains included."""
        return sum(1 for c in self.cases if c["kind"] == "programs" and "broadcast" in c.get("routes", ()))

    def verifying(self, op: str, shapes, programs: bool = False) -> str:
        """A sentence: how many corpus cases verify a pattern (same operator, same axis roles)."""
        if self.problem:
            return f"No corpus count: {self.problem}."
        from ..corpus import pattern_of
        pattern = pattern_of(op, [list(s) for s in shapes])
        per_kind = {k: self.count(kind=k, op=op, pattern=pattern) for k in VERIFYING_KINDS}
        n = sum(per_kind.values())
        total = sum(self.count(kind=k, op=op) for k in VERIFYING_KINDS)
        detail = ", ".join(f"{k}: {c}" for k, c in per_kind.items() if c)
        if n == 0:
            return (f"No case of the corpus ({total} computed `{op}` cases) has exactly this "
                    f"{len(shapes)}-operand pattern (`{pattern}`)." + self._steps(op, shapes))
        return (f"**{n}** of the corpus's {total} computed `{op}` cases have this pattern "
                f"(`{pattern}`: the same operator and the same role of every axis, at other "
                f"sizes, dtypes and values){f' — {detail}' if detail else ''}. `broadcasting "
                f"corpus run` checks each against numpy, torch, the einsum and an index-loop "
                f"oracle." + (f" And **{self.programs()}** `programs` cases run the notebook's "
                              f"network — this chain included — at random sizes, computing its "
                              f"gradients four ways that must agree." if programs and
                              self.programs() else "") + self._steps(op, shapes))

    def _steps(self, op: str, shapes) -> str:
        """For a chain of more than two operands: the corpus count of each pairwise step,
        evaluated left to right as Python does."""
        if len(shapes) <= 2:
            return ""
        from ..corpus import pattern_of
        from ..shapes import broadcast_shapes
        rows, left = [], tuple(shapes[0])
        for k, right in enumerate(shapes[1:], start=1):
            pattern = pattern_of(op, [list(left), list(right)])
            n = sum(self.count(kind=kind, op=op, pattern=pattern) for kind in VERIFYING_KINDS)
            rows.append([str(k), f"{format_shape(left)} {op} {format_shape(right)}", f"`{pattern}`",
                         str(n)])
            left = broadcast_shapes(left, right)
        return ("\n\nPython evaluates the chain left to right, one two-operand broadcast at a "
                "time; the corpus verifies each step's pattern:\n\n" +
                table(["step", "shapes", "pattern", "corpus cases"], rows))


def corpus_facts(directory=None) -> CorpusFacts:
    """Load the committed corpus (default: ``corpus/`` of the checkout), or say why not."""
    try:
        from ..corpus import load, load_manifest
        from ..corpus.files import default_dir
        directory = default_dir() if directory is None else Path(directory)
        return CorpusFacts(tuple(load(directory)), load_manifest(directory))
    except (ImportError, ValueError, OSError) as err:
        return CorpusFacts.missing(str(err).splitlines()[0])


# ------------------------------------------------------------------ index

#: the two rules, each shown on one example
RULE_EXAMPLES = (
    ("Rule 1 — a missing leading axis is new: the operand is copied along it.", (3,), (2, 3)),
    ("Rule 2 — a size-1 axis facing a larger size is stretched: copied along it.", (2, 1), (2, 3)),
)


def command_help() -> list[tuple[str, str]]:
    """Every sub-command of the ``broadcasting`` command and its ``--help`` description."""
    return [(c.name, c.description.strip()) for c in COMMANDS]


REWRITE_EXAMPLE = """import numpy as np
a = np.array([0.5, 1.0, 2.0])
B = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
C = a * B
"""

AUDIT_EXAMPLE = """import numpy as np
pred = np.zeros(5)
target = np.ones((5, 1))
err = pred - target
"""


def _rewrite_and_audit() -> list[str]:
    """The rewriter and the audit run on two small programs (their real output)."""
    import broadcasting as bc
    out = ["### Rewrite implicit broadcasting as explicit einsums", "",
           "`bc.rewrite_source` runs the program once to learn the shapes, then replaces each "
           "broadcasting `*` (here, the notebook's `a * B`):", "", code(REWRITE_EXAMPLE, "python"),
           "", "becomes", "", code(bc.rewrite_source(REWRITE_EXAMPLE).source, "python"), "",
           "### Audit for silent broadcasting bugs", "",
           "`bc.audit_source` (and `broadcasting audit FILE`) reports the broadcasts that are legal "
           "but probably wrong:", "", code(AUDIT_EXAMPLE, "python"), ""]
    for f in bc.audit_source(AUDIT_EXAMPLE):
        out += [f"- line {f.line}, `{f.kind}` ({f.severity}): {f.message}; {f.suggestion}"]
    return out + [""]


def _rule_section(k: int, text: str, shapes) -> list[str]:
    e = explain(*shapes)
    return [f"### {text}", "", f"![{text}](diagrams/rule-{k + 1}.svg)", "",
            code("\n".join(e.table()), "text"), "", math_block(e.latex), ""]


def index_page(facts: CorpusFacts, patterns=()) -> str:
    """Home: what broadcasting is, its two rules with pictures, and how to use the library."""
    e = explain((3,), (2, 3))
    out = [md_header(), "# broadcasting: array broadcasting made explicit", "",
           "When numpy or torch multiply arrays of different shapes, they *broadcast*: they line "
           "the shapes up on the right and copy the smaller operand along the axes it lacks. The "
           "code `a * B` hides which axes line up and what is copied. This library says it "
           "exactly — as an index formula, a matrix form, an einsum, a picture and a backward "
           "rule — rewrites code so that every implicit broadcast becomes explicit, and ships a "
           "corpus that checks numpy, torch and the math agree.", "",
           "New to broadcasting? Read [Broadcasting from scratch](start.md) first: the rules "
           "with values, then every notation on one example.", "",
           "## The two rules", "",
           "Align the shapes on the right. Then, axis by axis, equal sizes match, and:", ""]
    for k, (text, *shapes) in enumerate(RULE_EXAMPLES):
        out += _rule_section(k, text, shapes)
    out += ["Anything else — two different sizes, neither of them 1 — is an error.", "",
            "## Install", "", code('pip install .            # the library and the `broadcasting` '
                                   'command\npip install ".[docs]"    # to build this site', "sh"),
            "", "`mkdocs build --strict` then makes this site in `site/`. It needs no network: "
            "open `site/index.html` straight from disk (the math font and the search ship "
            "with it) or serve the folder.", "",
            "## Use", "", "From Python:", "",
            code(f'>>> import broadcasting as bc\n>>> e = bc.explain((3,), (2, 3))\n'
                 f'>>> e.index\n{e.index!r}\n>>> e.einsum\n{e.einsum!r}', "pycon"), "",
            "At the terminal, `broadcasting explain \"a(3) * B(2,3)\"` prints:", "",
            code(str(explain((3,), (2, 3), names=("a", "B"))), "text"), "",
            *_rewrite_and_audit(), "## Commands", ""]
    for name, description in command_help():
        out += [f"### `broadcasting {name}`", "", code(description, "text"), ""]
    if patterns:
        out += ["## Pattern gallery", ""]
        out += [f"- [{p.title}](patterns/{k + 1:02d}-{p.slug}.md) — `{p.expression}`"
                for k, p in enumerate(patterns)]
        out.append("")
    out += ["## More", "", "- [Broadcasting from scratch](start.md)",
            "- [Backprop by hand, every `*` explicit](backprop.md)",
            "- [numpy vs torch: where they differ](numpy-vs-torch.md)",
            "- [The equivalence corpus](corpus.md)", "- [API reference](api.md)", ""]
    return "\n".join(out)


# ------------------------------------------------------------------ corpus


def corpus_page(facts: CorpusFacts) -> str:
    """What the corpus checks, its counts per kind, how to run it and read its report."""
    out = [md_header(), "# The equivalence corpus", "",
           "The corpus is a set of generated cases, committed as JSON Lines under `corpus/`, one "
           "case per line. Each case names an operation, operand shapes and dtypes and a value "
           "seed, and *claims* the explicit math: the einsum, the einops pattern, the result "
           "shape, the backward einsums, the error raised, or the result dtype in each library. "
           "`broadcasting corpus run` rebuilds the arrays from the seed and checks every claim "
           "against numpy, torch, the einsum backends and a pure-Python index-loop oracle that "
           "uses no broadcasting at all; a tampered claim fails the run.", ""]
    if facts.problem:
        return "\n".join(out + [f"*Not generated: {facts.problem}.*", ""])
    kinds = Counter(c["kind"] for c in facts.cases)
    ops = Counter((c["kind"], c.get("op", "")) for c in facts.cases)
    from ..corpus import kind_module
    from .api import summary
    rows = []
    for kind in sorted(kinds):
        rows.append([f"`{kind}`", str(kinds[kind]), summary(kind_module(kind).__doc__)])
    rows.append(["**total**", f"**{len(facts.cases)}**", ""])
    m = facts.manifest
    out += ["## Counts per kind", "", table(["kind", "cases", "what it checks"], rows), "",
            f"Generator version `{m.get('version')}`, seed `{m.get('seed')}`; "
            f"`corpus/MANIFEST.json` records the case count and sha256 of every file.", "",
            "## Counts per operator", "",
            table(["kind", "operator", "cases"],
                  [[f"`{k}`", f"`{o}`" if o else "—", str(n)] for (k, o), n in sorted(ops.items())]), "",
            "## Run it", "", code("broadcasting corpus run            # every case, every backend\n"
                                  "broadcasting corpus run --help     # options", "sh"), "",
            "Exit status 0: every claim holds. 1: some claim failed — each failing case is "
            "listed by id with what differed (rebuild it from its line in the `.jsonl` file: the "
            "seed gives the arrays). 2: the corpus itself is bad (a missing or extra file, a "
            "checksum that does not match the manifest, a malformed line).", "",
            "## Regenerate it", "", code("broadcasting corpus generate", "sh"), "",
            "The same generator version and seed give byte-identical files.", "",
            "## One case", "", code(json.dumps(facts.cases[0], indent=2, ensure_ascii=False), "json"),
            ""]
    return "\n".join(out)


# ------------------------------------------------------------------ numpy vs torch


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


_FORM_WORDS = {"array": "array (2,)", "0-d": "0-d array", "scalar": "Python scalar"}


def _promotion_section(facts: CorpusFacts) -> list[str]:
    from ..corpus import promotion_table
    records = promotion_table(facts.cases)
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault(tuple(r["forms"]), []).append(r)
    out = ["## Result dtypes of `*`", "",
           f"The corpus multiplies every pair of operand kinds — arrays and 0-d arrays of each "
           f"dtype, and Python scalars — and records the result dtype in each library: "
           f"{len(records)} cases, of which **{sum(r['diverges'] for r in records)}** differ. "
           f"They are grouped by the operands' forms: whether an operand is an array, a 0-d "
           f"array or a Python scalar decides how much its dtype counts.", ""]
    for forms, rows in sorted(groups.items(), key=lambda kv: [list(_FORM_WORDS).index(f) for f in kv[0]]):
        diverging = [r for r in rows if r["diverges"]]
        title = " × ".join(_FORM_WORDS[f] for f in forms)
        out += [f"### {title}", "", f"{len(diverging)} of {len(rows)} dtype pairs differ.", ""]
        if diverging:
            out += [table(["case", "dtypes", "numpy", "torch"],
                          [[f"`{r['id']}`", " × ".join(r["dtypes"]), f"`{r['numpy_dtype']}`",
                            f"`{r['torch_dtype']}`"] for r in diverging]), ""]
    return out


def _error_section(facts: CorpusFacts) -> list[str]:
    from ..corpus import error_records
    records = error_records(facts.cases)
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        err = r["error"]
        groups.setdefault((r["op"], err.get("numpy"), err.get("torch"), err.get("bc")), []).append(r)
    rows = []
    for (op, np_err, torch_err, bc_err), rs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        first = rs[0]
        shapes = f" {op} ".join(format_shape(s) for s in first["shapes"])
        rows.append([f"`{op}`", str(len(rs)), f"`{np_err}`", f"`{torch_err}`", f"`{bc_err}`",
                     f"`{first['id']}`: {shapes}"])
    return ["## Errors", "",
            f"{len(records)} cases give shapes that do not broadcast (or do not matmul). Every "
            f"library refuses every one of them; the exception types differ. One row per "
            f"combination of exception types:", "",
            table(["op", "cases", "numpy raises", "torch raises", "bc raises", "example"], rows),
            "", "`bc`'s `BroadcastError` is a `ValueError`, so code written for numpy's error "
            "catches it too.", ""]


def numpy_vs_torch_page(facts: CorpusFacts) -> str:
    """One table row per divergence recorded in the corpus: result dtypes (by array, 0-d and
    Python-scalar forms) and the exception types of refused shapes."""
    out = [md_header(), "# numpy vs torch", "",
           "numpy and torch broadcast shapes by the same two rules, and agree on every value in "
           "the corpus. They differ in the *dtype* of mixed operations (type promotion: what a "
           "0-d array or a Python scalar counts for) and in the exceptions they raise. Every row "
           "below is read from the corpus (`broadcasting corpus run` checks each record again), "
           "with the id of its case.", "", versions_line("numpy", "torch"), ""]
    if facts.problem:
        return "\n".join(out + [f"*Not generated: {facts.problem}.*", ""])
    return "\n".join(out + _promotion_section(facts) + _error_section(facts)
                     + _limits_section(facts))


def _limits_section(facts: CorpusFacts) -> list[str]:
    rows = [c for c in facts.cases if c.get("kind") == "limits"]
    if not rows:
        return []
    names = list(rows[0]["outcomes"])
    return ["## Rank limits", "",
            "How many dimensions each library broadcasts: a shape of that many dimensions "
            "against `(3, 1)`. `ok`, or the exception raised. numpy's `np.broadcast_shapes` "
            "stops at 32 dimensions although its `*` goes to 64; `bc` follows the rule with no "
            "cap.", "",
            table(["rank"] + [f"`{n}`" for n in names] + ["case"],
                  [[str(r["rank"])] + [r["outcomes"][n] for n in names] + [f"`{r['id']}`"]
                   for r in rows]), ""]
