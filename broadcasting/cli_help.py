"""The help text of every sub-command of the ``broadcasting`` command, in ``--help`` order:
one table, read by ``cli`` (each sub-command's parser) and by ``docs`` (the index page lists
the commands), so that the docs never read argparse internals. Imports nothing.

>>> [c.name for c in COMMANDS]
['explain', 'corpus', 'audit', 'docs', 'rewrite', 'derive']
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Command", "COMMANDS", "summary", "EPILOG", "EXPLAIN", "CORPUS", "AUDIT", "DOCS", "REWRITE", "DERIVE"]

EPILOG = """examples:
  broadcasting explain "a(3) * B(2,3)"
  broadcasting explain "x(2) @ W(2,3)" --json
  broadcasting rewrite backprop.py -o backprop_explicit.py   # runs the program once
  broadcasting audit train.py                                # runs the program once
  broadcasting corpus run
  broadcasting docs build
  broadcasting derive net.py loss --shape x=2 --shape W=2,3 --check

`broadcasting COMMAND --help` says more. Exit codes: 0 ok, 1 a check found a difference,
2 bad input.
"""

EXPLAIN = """Explain one broadcast: every notation (index formula, matrix form, einsum, einops,
backward rule) of an operation between operands given by shape, optionally named.

examples:
  broadcasting explain "(3,) * (2, 3)"
  broadcasting explain "a(3) * B(2,3)"
  broadcasting explain "x(2) @ W(2,3)"
  broadcasting explain "(4, 4) / (4,)"           # warns: ambiguous alignment
  broadcasting explain "x(5) * y(5,1)" --json    # warns: accidental outer product
  broadcasting explain "a(3) * B(2,3)" --svg a_B.svg
"""

CORPUS = """The equivalence corpus: generated cases proving numpy, torch and the explicit math
agree (and recording where numpy and torch do not).

examples:
  broadcasting corpus run                         # check ./corpus (exit 0 ok, 1 a claim failed, 2 bad corpus)
  broadcasting corpus run --kind promotion --json
  broadcasting corpus generate --out /tmp/corpus
"""

AUDIT = """Run a Python program once, with every operator site traced, and report each broadcast
it performed: line, column, operator, shapes, kind, severity, message and a suggested fix.

Warnings (probable bugs):
  accidental-outer-product  (n,) with (n, 1) -> (n, n), e.g. a (n, 1) prediction minus (n,)
                            targets; not when the site makes the axes explicit (x[:, None],
                            np.newaxis, unsqueeze, reshape, expand_dims, einops)
  ambiguous-alignment       a reduction over a non-leading axis without keepdims broadcast
                            back against a square array: x / x.sum(axis=1); also when the axis
                            is a parameter (def softmax(x, dim): ... e.sum(dim=dim)): the axis
                            the run passed decides; and spelled out: z - mu.expand_as(z)
                            (expand, broadcast_to) with mu = z.mean(-1)
  loss-shape-mismatch       a loss whose input and target differ in shape
                            (F.mse_loss((128,1), (128,6)), nn.MSELoss()((1,18), (8,18)), l1,
                            smooth_l1, huber, bce...), unless the call makes the axes explicit
                            (a pairwise loss mse_loss(x[:, None], y[None, :])); a log-prob per
                            dimension (B, A) never summed, against a (B, 1) column
  misaligned-rank-promotion a lower-rank operand made for another rank, e.g. a (B, 1, L, S)
                            mask added to (B, Hkv, G, L, S) scores: rank promotion aligns its
                            axis 0 (B) with axis 1 (Hkv) when the sizes agree; an ALiBi
                            bias (H, 1, T) on (B, H, T, T) scores has the same shapes when
                            B == H: write alibi[None] to say the alignment is meant
Besides operators, function calls made by the program are checked the same way: torch
(torch.add, x.sub(y), torch.where, F.mse_loss, loss modules such as nn.MSELoss(): "op" is
then the function's name), numpy (np.subtract, np.where, np.broadcast_to) and
torch.distributions: Normal(loc (N, 1)).log_prob(y (N,)) -> (N, N) is judged at the call the
program made (log_prob, cdf, icdf against the batch shape; parameters of different shapes,
which sample, rsample and entropy then carry).
Everything else (bias rows, scalars, keepdims reductions, explicit outer products, batch
broadcasting in @) is info. A `# broadcasting: ok` comment on a line silences its warnings.
Out of scope: a padding mask built on the wrong axis with explicit unsqueezes has the same
shapes as the right one; no audit based on shapes can tell them apart.

The text output groups findings by line and puts a caret under each operator; scalar
broadcasts are shown with --all. --json prints
  {"findings": [{"line", "col", "op", "shapes", "kind", "severity", "message", "suggestion"}]}
with 1-based line and col (of the operator), every finding included, and "error" (type,
message, line) when the program raised or exited with a non-zero status.

The program runs in a child process as `python FILE ARGS` would run it (a real __main__; a
file inside a package runs as `python -m package.module`); what it prints goes to stderr.
Words after FILE are its arguments; after -- they are passed untouched (even --json). With
--run "CMD" the named files are traced in every Python process CMD starts (`python ...`,
`pytest ...` run on this interpreter), e.g. a model module driven by a training script.
Ctrl-C stops the program and prints the findings so far (exit 130). A notebook is not
audited: convert it to a script (jupyter nbconvert --to script).

exit status:
  0  no warning, and the program ended normally (sys.exit(0) and os._exit(0) included)
  1  at least one warning, or the program raised or exited with a non-zero status (said on
     stderr in one line; the findings of the part that ran are printed as usual)
  2  bad input (missing file, syntax error, a notebook)
  130  interrupted (Ctrl-C)

In code, `with bc.strict(level):` checks torch operations as they run (mode="raise" or
"warn"). Which level to choose:
  outer  only what this audit warns about, judged from the source at the running line:
         every ordinary idiom passes. For real code and test suites.
  rank   no implicit rank promotion (b[None, :] must be written), size-1 axes may stretch,
         as JAX's jax_numpy_rank_promotion="raise".
  all    (the default of bc.strict()) any two different shapes: for broadcast-free code.
In a test suite (pytest plugin, installed with the package):
  pytest --broadcasting=audit          the findings of each test (file:line, shapes, fix) in
                                       the summary; the run fails on a warning (torch only)
  pytest --broadcasting=strict-outer   every test inside bc.strict("outer")

examples:
  broadcasting audit train.py
  broadcasting audit train.py --json > findings.json
  broadcasting audit train.py --warnings-only -- --epochs 1   # arguments for the program
  broadcasting audit model.py --run "pytest tests/test_model.py"
"""

DOCS = """Generate the documentation (Markdown pages and SVG diagrams) from the library and the
committed corpus. Deterministic: running it twice changes nothing. Files not generated by this
command are never overwritten. Then `mkdocs build --strict` makes the site.

With --playground, also put the Playground's runtime into the folder (not committed): the
pinned npm package pyodide, fetched with npm on first use into ~/.cache/broadcasting (or
$BROADCASTING_CACHE), and a zip of this package's modules; serve the built site over http.

examples:
  broadcasting docs build
  broadcasting docs build --out /tmp/site-docs
  broadcasting docs build --playground && mkdocs build && python -m http.server -d site
"""

REWRITE = """Rewrite a Python file or a Jupyter notebook so that every implicit broadcasting
product between arrays (`a * B`) becomes an explicit einsum, with the index formula as a
comment. Comments and formatting are kept.

Only products that broadcast are rewritten (operands of different shapes, or a chain in which
some factor broadcasts); --all rewrites products of equal shapes too. Leading batch axes are
written `...`, so the rewritten code takes more (or fewer) batch axes, as `*` did.

THE PROGRAM IS EXECUTED, once, to learn the shapes and dtypes of the operands of every `*`
(a notebook's code cells run in order in one namespace). Run it only on code you trust, or
use --no-exec with --shape to rewrite from shapes you give, without running anything.

The program runs in a child process as `python FILE ARGS` would (a real __main__; a file in a
package runs as `python -m package.module`, so relative imports work); its own output goes to
stderr, never into the rewritten source. Arguments for it follow FILE (after -- untouched).
--run "CMD" runs another command instead (`python train.py --epochs 1`, `pytest tests`) and
rewrites the named files it imported (several files need --in-place).

The rewritten program is printed unless -o or --in-place is given; the input file is never
modified without --in-place. Output paths are resolved before the program runs; the file is
written atomically (temporary file in the same folder, fsync, rename; a new file gets the
mode your umask gives); a symlink's target is rewritten and the link kept; devices, FIFOs,
folders and read-only files are refused.
Exit codes: 0 ok (the program ended normally: exit status 0, also by sys.exit(0) or
os._exit(0)); 1 the program raised (its traceback is shown) or exited with a non-zero status:
nothing is written; 2 bad input (syntax error, an output path that cannot be written, ...).

examples:
  broadcasting rewrite backprop.py
  broadcasting rewrite backprop.py --style torch -o backprop_explicit.py
  broadcasting rewrite notebook.ipynb -o notebook_explicit.ipynb
  broadcasting rewrite model.py --in-place --no-annotate
  broadcasting rewrite step.py --no-exec --shape x=2 --shape W=2,3
  broadcasting rewrite layers.py --no-exec --shape affine_forward.w=4,5 --shape b=5
  broadcasting rewrite layers.py model.py --in-place --run "python train.py --epochs 1"
  broadcasting rewrite prep.py -o prep_explicit.py -- --data small.csv
"""

DERIVE = """Derive the backward pass of a forward function FUNC defined in FILE.py: the source of
FUNC_backward(grad_out, *args), every product an explicit einsum, every broadcast's reverse an
explicit sum. THE FILE IS EXECUTED (as a module, not as __main__) to define FUNC, and FUNC runs
once on random float64 arrays of the shapes given.

examples:
  broadcasting derive net.py loss --shape x=2 --shape W=2,3 --shape wout=3 --shape t=1
  broadcasting derive mlp.py forward --shape C=27,10 --shape X=32,3 --int X=27 ... --check
  broadcasting derive ln.py layer_norm --shape x=4,6 --shape g=6 --shape b=6 --style einops

--check compares the derived gradients with torch autograd on fresh random inputs and exits 1
when the largest relative difference exceeds --tolerance. Exit codes: 0 ok, 1 a difference,
2 bad input (one line on stderr).
"""


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, the module that registers it (``register(subparsers)``),
    its one-line summary (in ``broadcasting --help``) and its ``--help`` description."""

    name: str
    module: str
    description: str
    summary: str


COMMANDS = (
    Command("explain", "broadcasting.cli", EXPLAIN, "explain one broadcast in every notation"),
    Command("corpus", "broadcasting.corpus.cli", CORPUS, "generate or run the equivalence corpus"),
    Command("audit", "broadcasting.audit.cli", AUDIT,
            "find silent broadcasting bugs by running a program"),
    Command("docs", "broadcasting.docs.cli", DOCS, "generate the documentation pages"),
    Command("rewrite", "broadcasting.rewrite.cli", REWRITE,
            "rewrite implicit broadcasting products as einsums (runs the program)"),
    Command("derive", "broadcasting.derive.cli", DERIVE,
            "write the backward pass of a forward function"),
)


def summary(name: str) -> str:
    """The one-line summary of the sub-command ``name``.

    >>> summary("audit")
    'find silent broadcasting bugs by running a program'
    """
    return next(c.summary for c in COMMANDS if c.name == name)
