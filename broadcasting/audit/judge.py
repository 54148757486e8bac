"""The audit: run a program once under the tracer and report every broadcast it performed.

Each operator site that broadcast (operands of different shapes, or a scalar with an array;
batch axes for ``@``) gives one :class:`AuditFinding` per distinct pair of shapes. Ordinary
broadcasting (a bias row added to a batch, scalar scaling, keepdims reductions, explicit outer
products) is ``'info'``. Two kinds are ``'warning'``:

- ``accidental-outer-product``: each operand is copied along an axis the other has, over equal
  sizes, as in ``pred(32, 1) - y(32,) -> (32, 32)`` — unless the site makes the new axes
  explicit (``None``/``np.newaxis`` indexing, ``unsqueeze``, ``reshape``, ``expand_dims``, einops);
- ``ambiguous-alignment``: the lower-rank operand's size also matches an axis it was *not*
  aligned with, and the program made it by a reduction over a non-leading axis without
  keepdims (``x / x.sum(axis=1)`` with ``x`` square): right-alignment puts it on the wrong axis.

Calls are judged as well (see ``cli_help.AUDIT``): ``loss-shape-mismatch`` (a loss's input
and target of different shapes; a per-dimension log-prob never summed against a column),
distributions' values and parameters, ``expand_as``/``expand``/``broadcast_to`` of a
misaligned reduction (``ambiguous-alignment``), and ``misaligned-rank-promotion`` (a
``(B, 1, L, S)`` mask on ``(B, Hkv, G, L, S)`` scores). A reduction whose axis is a value
(``e.sum(dim=dim)``) is judged by the axes the run passed (recorded at run time).

A ``# broadcasting: ok`` comment on the site's line turns its warnings into info.

>>> import numpy as np
>>> src = "pred = np.ones((4, 1))\\ny = np.zeros(4)\\nloss = ((pred - y) ** 2).mean()\\n"
>>> for f in audit_source(src, {"np": np}):
...     print(f.line, f.kind, f.severity, f.shapes)
3 accidental-outer-product warning ((4, 1), (4,))
3 scalar info ((4, 4), ())
"""
from __future__ import annotations

import builtins
import contextlib
import os
import re
import sys
from dataclasses import dataclass, replace

from ..errors import UsageError
from ..explain import explain
from ..plan import default_names, make_plan
from ..shapes import STRETCHED, BroadcastError, format_shape
from ..trace import CALLEE_NAME, Site, instrument, run_traced
from .report import INFO, WARNING, AuditFinding, AuditReport, ProgramError
from .recorders import call_recorders, callee_filter, callee_name, recorded
from .source import Alignment, SourceIndex
from .torch_ops import LOSSES

__all__ = ["audit_sites", "audit_source", "audit_program", "judge_call", "judge_at",
           "call_recorders", "callee_filter", "recorded"]

@dataclass(frozen=True)
class _Context:
    """What the judge needs about a site besides the shapes: its node and the source index."""

    site: Site
    index: SourceIndex | None
    node: object

    def operand_node(self, k: int):
        sides = () if self.node is None else self.index.operands(self.node)
        return sides[k] if k < len(sides) else None

    @property
    def explicit(self) -> bool:
        return self.node is not None and self.index.explicit_axes(self.node)

    @property
    def silenced(self) -> bool:
        return self.index is not None and self.index.silenced(self.site.line, self.site.end_line)


def _shapes_of(execution) -> tuple[tuple[int, ...], ...] | None:
    """The operand shapes of an execution that broadcast (scalars as ``()``), else None."""
    left, right = execution.left, execution.right
    if not (left.is_array or right.is_array) or "other" in (left.kind, right.kind):
        return None
    shapes = (left.shape if left.is_array else (), right.shape if right.is_array else ())
    return None if shapes[0] == shapes[1] else shapes


def _names(ctx: _Context, shapes) -> tuple[str, str] | None:
    """Operand names for messages: the program's own for plain (dotted) names, a letter
    otherwise (``x.sum(axis=1)[i]`` would read badly in an index formula)."""
    if ctx.node is None or len(ctx.index.operands(ctx.node)) != len(shapes):
        return None
    letters = default_names(shapes, max(len(s) for s in shapes))
    names = tuple(ctx.index.name_of(side) or letters[k]
                  for k, side in enumerate(ctx.index.operands(ctx.node)))
    return None if names[0] == names[1] else names


def _finding(ctx: _Context, shapes, kind, severity, message, suggestion) -> AuditFinding:
    op = getattr(ctx.site, "shown_op", ctx.site.op)
    return AuditFinding(ctx.site.op_line, ctx.site.op_col, op, tuple(shapes), kind,
                        severity, message, suggestion)


def _judge(ctx: _Context, shapes) -> AuditFinding | None:
    try:
        if ctx.site.op == "@":
            return _judge_matmul(ctx, shapes)
        e = explain(*shapes, op=ctx.site.op, names=_names(ctx, shapes))
    except BroadcastError:
        return None
    if () in shapes:
        return _scalar(ctx, shapes, e)
    found = _silence(ctx, _warning(ctx, shapes, e))
    return found if found is not None else _ordinary(ctx, shapes, e)


def _silence(ctx: _Context, found: AuditFinding | None) -> AuditFinding | None:
    """A warning on a line with ``# broadcasting: ok`` becomes info."""
    if found is not None and found.is_warning and ctx.silenced:
        return replace(found, severity=INFO,
                       message=found.message + " (silenced by `# broadcasting: ok`)")
    return found


def _warning(ctx: _Context, shapes, e) -> AuditFinding | None:
    kinds = {w.kind: w for w in e.warnings}
    outer = kinds.get("accidental-outer-product")
    if outer is not None:
        return _outer(ctx, shapes, e, outer)
    if ctx.explicit:
        return None
    ambiguous = kinds.get("ambiguous-alignment")
    found = None if ambiguous is None else _ambiguous(ctx, shapes, e, ambiguous)
    return found or _rank_promotion(ctx, shapes, e) or _unsummed_log_prob(ctx, shapes, e)


def _rank_promotion(ctx, shapes, e) -> AuditFinding | None:
    """A lower-rank operand shaped for another rank: a size-1 axis between its leading non-1
    axis and a later non-1 axis (``mask(B, 1, L, S)``, made for (B, H, L, S) scores), whose
    leading axis rank promotion lands on a later axis of the same size while an earlier axis
    of the other operand has that size too (``scores(B, Hkv, G, L, S)``)."""
    low, high = sorted(e.plan.operands, key=lambda o: len(o.shape))
    pad = len(high.shape) - len(low.shape)
    lead = next((k for k, n in enumerate(low.shape) if n > 1), None)
    if pad == 0 or lead is None or not _interior_slot(low.shape[lead:]):
        return None
    size, target = low.shape[lead], lead + pad
    same = [d for d in range(target) if high.shape[d] == size]
    if high.shape[target] != size or not same:
        return None
    fixed = ", ".join([":"] * (lead + 1) + ["None"] * pad)
    message = (f"{_describe(e)}: rank promotion aligned axis {lead} of {low.name} ({size}) with "
               f"axis {target} of {high.name} ({high.shape[target]}), though axis {same[0]} of "
               f"{high.name} has that size too; {low.name} has the shape of an operand of "
               f"rank {len(low.shape)}")
    suggestion = (f"insert the missing axes where they belong, e.g. {low.name}[{fixed}] (or "
                  f"unsqueeze), so that {low.name} has {high.name}'s rank; if the alignment is "
                  f"meant, write {low.name}[{', '.join(['None'] * pad)}]")
    return _finding(ctx, shapes, "misaligned-rank-promotion", WARNING, message, suggestion)


def _interior_slot(shape) -> bool:
    """A size-1 axis with a non-1 axis on each side: ``(B, 1, L, S)``, not ``(C, 1, 1)``."""
    ones = [k for k, n in enumerate(shape) if n == 1]
    return bool(ones) and any(n > 1 for n in shape[ones[0]:])


#: names of log-probabilities (``logp``, ``log_probs``, ``new_logprob``, ``log_pi``)
_LOG_PROB = re.compile(r"(?:^|_)log_?(?:p|probs?|pi|lik\w*)(?:_|$)", re.IGNORECASE)


def _kept(ctx, operand) -> bool:
    """The operand is a keepdim reduction (``lp.logsumexp(-1, keepdim=True)``) or was given
    its axes explicitly (``lse = lp.logsumexp(-1)[:, None]``): meant."""
    node = ctx.operand_node(operand.position)
    return node is not None and (ctx.index.makes_axes(ctx.index.definition(node)) or
                                 ctx.index.reduction_alignment(node, len(operand.shape))
                                 is Alignment.ALIGNED)


def _unsummed_log_prob(ctx, shapes, e) -> AuditFinding | None:
    """A per-dimension log-prob (``dist.log_prob(a)`` of shape (B, A), never summed over its
    last axis) minus a (B, 1) column (a log-ratio, as in PPO): each sample's log-prob is
    compared per dimension. Products (``logp * mask``) are left alone."""
    if e.op != "-":
        return None
    for o in e.plan.operands:
        other = e.plan.operands[1 - o.position]
        node = ctx.operand_node(o.position)
        if node is None or len(o.shape) < 2 or o.shape[-1] < 2 or \
                not other.shape or other.shape[-1] != 1:
            continue
        if (ctx.index.comes_from(node, frozenset({"log_prob"})) or _LOG_PROB.search(
                (ctx.index.name_of(node) or "").rsplit(".", 1)[-1])) and not _kept(ctx, other):
            text = ctx.index.segment(node)
            message = (f"{_describe(e)}: `{text}` is a log-prob per dimension (last axis "
                       f"{o.shape[-1]}), never summed, against {other.name}"
                       f"{format_shape(other.shape)}: {e.copies}")
            suggestion = (f"sum the log-probs over the last axis first: "
                          f"({text}).sum(-1, keepdim=True), or use Independent(dist, 1)")
            return _finding(ctx, shapes, "loss-shape-mismatch", WARNING, message, suggestion)
    return None


def _outer(ctx, shapes, e, finding) -> AuditFinding:
    if ctx.explicit and not _implicit_labels(ctx, e):
        return _finding(ctx, shapes, "outer-product", INFO,
                        f"{_describe(e)}: an outer product, made explicit at this site", e.index)
    return _finding(ctx, shapes, finding.kind, WARNING, finding.message, finding.suggestion)


def _implicit_labels(ctx, e) -> bool:
    """An operand that gets its new axis implicitly is an ``argmax``/``argmin`` over a
    non-leading axis: one class index per sample, which is never meant to be compared with
    every other sample (``pred.argmax(1) == y[:, None]``), even though the other side is
    explicit."""
    for o in e.plan.operands:
        node = ctx.operand_node(o.position)
        if o.new and node is not None and not ctx.index.makes_axes(node) and \
                ctx.index.reduction_alignment(node, len(o.shape), labels_only=True) is Alignment.MISALIGNED:
            return True
    return False


def _ambiguous(ctx, shapes, e, finding) -> AuditFinding | None:
    low = next(o for o in e.plan.operands if o.new)
    node = ctx.operand_node(low.position)
    verdict = None if node is None else ctx.index.reduction_alignment(node, len(low.shape))
    if len(e.result_shape) == 2 and ctx.index.is_transpose(ctx.operand_node(1 - low.position)):
        verdict = verdict and verdict.flipped()  # (X.T / s).T
    if verdict is not Alignment.MISALIGNED:
        return None
    text = ctx.index.segment(node)
    ref = text if ctx.index.name_of(node) else f"({text})"
    message = (f"{finding.message}; `{text}` is a reduction over a non-leading axis without "
               f"keepdims, so right-alignment puts it on the wrong axis")
    suggestion = (f"keep the reduced axis (keepdims=True in numpy, keepdim=True in torch), or "
                  f"index it back: {ref}[:, None]; if the alignment is meant, write "
                  f"{ref}[None, :]")
    return _finding(ctx, shapes, finding.kind, WARNING, message, suggestion)


def _describe(e) -> str:
    ops = f" {e.op} ".join(f"{o.name}{format_shape(o.shape)}" for o in e.plan.operands)
    return f"{ops} -> {format_shape(e.result_shape)}"


def _explicit_form(e) -> str:
    """The same broadcast with the new axes written out: ``h + b[None, :]``."""
    texts = []
    for o in e.plan.operands:
        if o.new:
            index = ", ".join(["None"] * len(o.new) + [":"] * len(o.shape))
            texts.append(f"{o.name}[{index}]")
        else:
            texts.append(o.name)
    return f" {e.op} ".join(texts)


def _ordinary(ctx, shapes, e) -> AuditFinding:
    p, q = e.plan.operands
    crossed = any(lab in q.labels for lab in p.stretched) and any(lab in p.labels for lab in q.stretched)
    kind = "outer-product" if crossed else "broadcast"
    return _finding(ctx, shapes, kind, INFO, f"{_describe(e)}: {e.copies}; {e.index}",
                    f"ordinary broadcasting; explicitly: {_explicit_form(e)}")


def _scalar(ctx, shapes, e) -> AuditFinding:
    k = shapes.index(())
    other = e.plan.operands[1 - k]
    return _finding(ctx, shapes, "scalar", INFO,
                    f"a scalar applied to every element of {other.name}{format_shape(other.shape)}",
                    "ordinary broadcasting (scalar)")


def _judge_matmul(ctx, shapes) -> AuditFinding | None:
    if () in shapes:
        return None
    plan = make_plan(shapes, "@", _names(ctx, shapes))
    batch = [o for o in plan.operands if o.new or any(a.role == STRETCHED for a in o.axes)]
    if not batch:
        return None
    e = explain(*shapes, op="@", names=_names(ctx, shapes))
    args = ", ".join(f"{o.name}{o.index_text}" for o in plan.operands)
    return _finding(ctx, shapes, "matmul-batch", INFO,
                    f"{_describe(e)}: batch axes broadcast; {e.copies}",
                    f"explicitly: einsum('{plan.einsum}', {args})")


# -- running ------------------------------------------------------------------------------


def audit_sites(sites, source: str | None = None, calls=None, axes=None) -> list[AuditFinding]:
    """Findings for traced sites (``source``: the program's text, for the site-level judgement;
    ``calls``: recorded calls; ``axes``: the axes reductions ran with, by call position).

    >>> import numpy as np
    >>> from broadcasting.trace import trace_source
    >>> t = trace_source("h = x + b", {"x": np.ones((8, 3)), "b": np.ones(3)})
    >>> [(f.kind, f.severity) for f in audit_sites(t.sites, "h = x + b")]
    [('broadcast', 'info')]
    """
    index = _index(source, axes)
    out = []
    for site in sites:
        node = None if index is None else index.node_at(site.line, site.col, site.end_line,
                                                         site.end_col, site.op)
        ctx = _Context(site, index if node is not None else None, node)
        seen = set()
        for execution in site.executions:
            shapes = _shapes_of(execution)
            if shapes is None or shapes in seen:
                continue
            seen.add(shapes)
            found = _judge(ctx, shapes)
            if found is not None:
                out.append(found)
    out += _call_findings(calls or {}, index)
    return sorted(out, key=lambda f: (f.line, f.col))


@dataclass(frozen=True)
class _CallSite:
    """A torch function call in the program, shaped like a trace ``Site`` for the judge."""

    op: str  # the operator that explains it ("*" for functions without one)
    shown_op: str  # what the finding names: "mse_loss", "add"
    line: int
    end_line: int
    op_line: int
    op_col: int


def _call_findings(records, index) -> list[AuditFinding]:
    """Findings for the calls recorded by the call recorders (``torch_calls``,
    ``numpy_calls``, ``distributions``)."""
    out = []
    for rec in records:
        col = index.call_col(rec.line, rec.name) if index is not None else 1
        op = rec.op or ("-" if rec.name in LOSSES else "*")  # a loss compares input - target
        site = _CallSite(op, rec.name, rec.line, rec.line, rec.line, col)
        plain = rec.role == "operands" and rec.name not in LOSSES
        node = None if index is None else (
            index.call_at(rec.line, rec.name) if plain else
            index.call_named(rec.line, rec.name, fallback=rec.name in LOSSES))
        found = judge_call(_Context(site, index, node), rec.name, rec.shapes, rec.role)
        if found is not None:
            out.append(found)
    return out


def judge_call(ctx: _Context, name: str, shapes, role: str = "operands") -> AuditFinding | None:
    """The finding for one call: a loss's input against its target, an expansion, a
    distribution's value or parameters, or the operands of an element-wise function."""
    if role == "expand":
        return _judge_expand(ctx, name, shapes)
    if role == "value":
        return _silence(ctx, _judge_value(ctx, name, shapes))
    if role == "params":
        found = _judge_many(ctx, CallRecordLike(name, tuple(shapes)))
        return found if found is not None and found.is_warning else None
    if name in LOSSES and len(shapes) == 2:
        return _silence(ctx, _judge_loss(ctx, name, shapes))
    return _judge(ctx, shapes) if len(shapes) == 2 else _judge_many(ctx, CallRecordLike(name, tuple(shapes)))


def judge_at(index: SourceIndex | None, node, name: str, op: str | None, shapes,
             line: int, col: int, role: str = "operands") -> AuditFinding | None:
    """The audit's finding for a torch call caught where it runs (``strict("outer")``, the
    pytest plugin): ``node`` is the program's expression there (None when unknown); an
    operator site shows its symbol, a call its function's name."""
    symbol = op or ("-" if name in LOSSES else "*")
    shown = symbol if node is not None and not hasattr(node, "func") and op else name
    site = _CallSite(symbol, shown, line, line, line, col)
    return judge_call(_Context(site, index if node is not None else None, node), name, shapes,
                      role)


@dataclass(frozen=True)
class CallRecordLike:
    """The name and operand shapes of a call, as :func:`_judge_many` reads them."""

    name: str
    shapes: tuple


def _judge_loss(ctx, name, shapes) -> AuditFinding | None:
    """A loss whose input and target have different shapes compares every input with the
    targets it is broadcast against (torch itself warns): a warning, unless the call makes
    the axes explicit (a pairwise loss ``mse_loss(x[:, None], y[None, :])``)."""
    try:
        e = explain(*shapes, op="-", names=_names(ctx, shapes) or ("input", "target"))
    except BroadcastError:
        return None
    outer = next((w for w in e.warnings if w.kind == "accidental-outer-product"), None)
    if ctx.explicit or (outer is None and _crossed(e)):
        return _finding(ctx, shapes, "broadcast", INFO, f"{name}: {_describe(e)}: {e.copies}, "
                        f"made explicit at this call or shaped for it on both sides",
                        "ordinary broadcasting")
    if outer is not None:
        return _finding(ctx, shapes, outer.kind, WARNING, f"{name}: {outer.message}",
                        outer.suggestion)
    return _finding(ctx, shapes, "loss-shape-mismatch", WARNING,
                    f"{name}: input{format_shape(shapes[0])} and target{format_shape(shapes[1])} "
                    f"have different shapes, so the loss compares {_describe(e)}: {e.copies}",
                    "give input and target the same shape (e.g. pred.squeeze(-1), "
                    "target.view_as(pred), or a model output of the target's width); if the "
                    "broadcast is meant, make it explicit (expand_as, [:, None])")


def _crossed(e) -> bool:
    """Each operand stretched along an axis the other has, with no new axes: both sides were
    shaped for a pairwise comparison (``x[:, None]`` against ``y[None, :]``)."""
    p, q = e.plan.operands
    return not (p.new or q.new) and any(lab in q.labels for lab in p.stretched) and \
        any(lab in p.labels for lab in q.stretched)


def _judge_value(ctx, name, shapes) -> AuditFinding | None:
    """A distribution's ``log_prob(value)`` (``cdf``, ``icdf``): the value is broadcast
    against the batch + event shape; the result should have the value's shape (leading
    sample axes are fine). A value that gets copied is a warning."""
    value, dist = shapes
    try:
        e = explain(value, dist, op="-", names=("value", "dist"))
    except BroadcastError:
        return None
    if e.result_shape == tuple(value) or all(n == 1 for n in value) or ctx.explicit:
        return None
    outer = next((w for w in e.warnings if w.kind == "accidental-outer-product"), None)
    kind = "accidental-outer-product" if outer is not None else "loss-shape-mismatch"
    message = (f"{name}: the value{format_shape(value)} against the distribution's batch shape "
               f"{format_shape(dist)} gives {format_shape(e.result_shape)}: {e.copies}")
    suggestion = (f"give the value the distribution's batch shape (e.g. value.view"
                  f"{format_shape(dist)} or value[:, None]), or parameters of the value's shape")
    return _finding(ctx, shapes, kind, WARNING, message, suggestion)


def _judge_expand(ctx, name, shapes) -> AuditFinding | None:
    """``mu.expand_as(z)`` (``expand``, ``broadcast_to``) spells out a broadcast: it is the
    ambiguous alignment of an operator when ``mu`` is a reduction over a non-leading axis
    without keepdims and its size also matches another axis of the target shape."""
    try:
        e = explain(*shapes, names=("src", "target"))
    except BroadcastError:
        return None
    ambiguous = next((w for w in e.warnings if w.kind == "ambiguous-alignment"), None)
    if ambiguous is None or ctx.node is None:
        return None
    found = _ambiguous(ctx, shapes, e, ambiguous)
    if found is None:
        return None
    return _silence(ctx, replace(found, message=f"{name} spells out the broadcast: {found.message}"))


def _judge_many(ctx: _Context, rec) -> AuditFinding | None:
    """A call with three or more array operands (``torch.where(mask, a, b)``, ``addcmul``):
    an accidental outer product between two of them is a warning, as for operators, unless
    a third already has the result's shape (``where(m(n, 1), A(n, n), b(n,))`` stretches m
    and b over A: ordinary)."""
    try:
        e = explain(*rec.shapes)
    except BroadcastError:
        return None
    outer = next((w for w in e.warnings if w.kind == "accidental-outer-product"), None)
    if outer is not None and not ctx.explicit and e.result_shape not in rec.shapes:
        found = _finding(ctx, rec.shapes, outer.kind, WARNING, f"{rec.name}: {outer.message}",
                         outer.suggestion)
        return _silence(ctx, found)
    return _finding(ctx, rec.shapes, "broadcast", INFO, f"{rec.name}: {_describe(e)}: "
                    f"{e.copies}", "ordinary broadcasting")


def _index(source: str | None, axes=None) -> SourceIndex | None:
    if source is None:
        return None
    try:
        return SourceIndex(source, axes)
    except SyntaxError:
        return None


def audit_source(source: str, namespace: dict | None = None,
                 filename: str = "<audit>") -> list[AuditFinding]:
    """Run ``source`` once under tracing and return its broadcasting findings. Exceptions the
    program raises propagate (use :func:`audit_program` to keep the findings made so far).

    >>> import numpy as np
    >>> src = "x = np.ones((4, 4))\\nr = x / x.sum(axis=1)\\nc = x / x.sum(axis=0)\\n"
    >>> [(f.line, f.kind, f.severity) for f in audit_source(src, {"np": np})]
    [(2, 'ambiguous-alignment', 'warning'), (3, 'broadcast', 'info')]
    """
    calls = call_recorders(source, filename)
    code, sites = instrument(source, filename, callee_name=callee_name(calls))
    _run(code, sites, _namespace(namespace, filename), calls)
    return audit_sites(sites, source, *recorded(calls))


def _namespace(namespace: dict | None, filename: str) -> dict:
    ns = {} if namespace is None else namespace
    ns.setdefault("__name__", "__main__")
    ns.setdefault("__file__", filename)
    ns.setdefault("__builtins__", builtins)
    return ns


def _run(code, sites, namespace, calls=()) -> None:
    with contextlib.ExitStack() as stack:
        for recorder in calls:
            stack.enter_context(recorder)
        callee = callee_filter(calls)
        if callee is not None:
            namespace[CALLEE_NAME] = callee
        run_traced(code, sites, namespace)


def audit_program(path: str, argv: list[str] | None = None) -> AuditReport:
    """Audit the program in file ``path`` as ``python path`` would run it (``__main__``,
    ``sys.argv``, its folder on ``sys.path``; what it prints goes to stderr). A missing file
    or a syntax error raises ``UsageError``; an exception of the program is kept in
    ``report.error``."""
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}; "
                         f"give the path of a Python file, e.g. train.py") from None
    try:
        calls = call_recorders(source, path)
        code, sites = instrument(source, path, callee_name=callee_name(calls))
    except SyntaxError as err:
        raise UsageError(f"{path}:{err.lineno}:{err.offset}: syntax error: {err.msg}; the audit "
                         f"needs a program that Python can run") from None
    error = _run_as_main(code, sites, path, argv, calls)
    findings = tuple(audit_sites(sites, source, *recorded(calls)))
    return AuditReport(path, source, findings, sum(s.ran for s in sites), error)


def _run_as_main(code, sites, path: str, argv, calls=()) -> ProgramError | None:
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [path] + list(argv or [])
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the report's
            _run(code, sites, _namespace({}, path), calls)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return ProgramError("SystemExit", str(stop.code), None)
    except Exception as err:  # the program's own failure: reported, not re-raised
        return ProgramError(type(err).__name__, str(err).splitlines()[0] if str(err) else "",
                            _last_line(err.__traceback__, path))
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return None


def _last_line(tb, path: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
