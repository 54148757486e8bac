"""The equivalence corpus: generated cases proving that numpy, torch and the explicit math agree,
and recording, as data, where numpy and torch do not.

``broadcasting corpus generate`` writes ``corpus/<kind>.jsonl`` (one JSON object, one case, per
line), ``corpus/MANIFEST.json`` (``version``, ``seed``, ``generated_by``, ``files``: per file its
case count and sha256) and ``corpus/README.md``. ``broadcasting corpus run`` checks every claim
of every case again and exits 0 (all agree), 1 (a claim failed: each failing case is listed by id
with what differed) or 2 (the corpus itself is bad: missing/extra file, checksum, malformed line).

A case
------
A JSON object with at least ``id`` (unique, ``"<kind>-<n>"``), ``kind`` and ``seed``, and its
claims under the keys that apply: ``op``, ``shapes``, ``dtypes``, ``einsum``, ``einops``,
``result_shape``, ``adjoints``, ``error``, ``numpy_dtype``, ``torch_dtype`` (a kind may add its
own keys).

How a seed becomes arrays
-------------------------
:func:`broadcasting.corpus.arrays.make_arrays` rebuilds operand ``k`` from
``numpy.random.default_rng(case["seed"])``, drawing the operands in order, each with
:func:`~broadcasting.corpus.arrays.values` (floats: standard normal then cast; complex: normal
real and imaginary parts; signed ints: integers in [-5, 5]; unsigned: [0, 10]; bool: fair coin).
A kind that needs more arrays (the result's gradient, say) keeps drawing from the same generator.

How to add a kind
-----------------
Add one module ``broadcasting/corpus/kinds/<name>.py``; the registry finds it by name (no list to
edit). The module provides:

``NAME: str``
    the kind, also the file name (``corpus/<NAME>.jsonl``);
``generate(seed: int) -> list[dict]``
    the cases, deterministic for a given corpus seed (use :func:`case_seed` for value seeds and
    :func:`case_id` for ids; hypothesis draws through :func:`~.shapes.hypothesis_shapes`);
``check(case: dict, backends: Backends) -> list[str]``
    re-verify every claim of one case: an empty list when all hold, else one line per failed
    claim saying what differed. ``backends`` (:class:`~.backends.Backends`) says which libraries
    to check against (``backends.use("torch")``), converts arrays (``backends.tensor(x)``), and
    compares with per-dtype tolerances, NaN equal to NaN (``backends.close(actual, expected)``);
    ``backends.derive`` is False on the torch side of a parallel run (the numpy side checks the
    library's derivations), where ``backends.numpy_elsewhere`` is True;
``check_many(cases: list[dict], backends) -> list[list[str]]`` (optional)
    the same for a batch of cases of this kind, in order; the runner prefers it (running one
    engine over the whole batch at a time is much faster than case by case);
``BATCH: int``, ``TORCH_FIRST: bool`` and ``warm_up()`` (optional)
    cases per batch of a parallel run (default 120; smaller for costly cases, whose batches are
    handed out first), and whether the torch workers check this kind whole, before the other
    batches (numpy workers leave it: its two sides would repeat costly work); what the first
    torch worker imports before it forks its helpers.

Public API (also for the docs generator)
----------------------------------------
>>> from broadcasting import corpus
>>> sorted(corpus.KINDS)[:3]
['elementwise', 'errors', 'gradients']
>>> corpus.case_id("matmul", 7)
'matmul-00007'
"""
from .backends import Backends
from .files import MANIFEST, README, load, load_manifest
from .kinds import KINDS, case_id, case_seed, kind_module
from .query import count_cases, divergences, error_records, pattern_of, promotion_table
from .run import Failure, Report, run_corpus
from .generate import generate_corpus

__all__ = ["KINDS", "Backends", "MANIFEST", "README", "case_id", "case_seed", "kind_module", "load",
           "load_manifest", "count_cases", "pattern_of", "divergences", "promotion_table",
           "error_records", "run_corpus", "Report", "Failure", "generate_corpus"]
