"""What the audit reports: one :class:`AuditFinding` per broadcast at a site, the exception that
stopped the program, and the whole :class:`AuditReport` as text or JSON."""
from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["AuditFinding", "AuditReport", "ProgramError", "WARNING", "INFO"]

WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class AuditFinding:
    """One broadcast at one operator site: where (1-based line/col of the operator), what
    (operator and operand shapes), how bad (``kind``, ``severity``) and what to do."""

    line: int
    col: int
    op: str
    shapes: tuple[tuple[int, ...], ...]
    kind: str
    severity: str
    message: str
    suggestion: str

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def to_dict(self) -> dict:
        """The JSON record: line, col, op, shapes, kind, severity, message, suggestion."""
        return {"line": self.line, "col": self.col, "op": self.op,
                "shapes": [list(s) for s in self.shapes], "kind": self.kind,
                "severity": self.severity, "message": self.message, "suggestion": self.suggestion}

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.severity} [{self.kind}] {self.message}"


@dataclass(frozen=True)
class ProgramError:
    """The exception that stopped the audited program: its type, message and line."""

    type_name: str
    message: str
    line: int | None

    def __str__(self) -> str:
        where = f" at line {self.line}" if self.line else ""
        return f"{self.type_name}{where}: {self.message}" if self.message else f"{self.type_name}{where}"


@dataclass(frozen=True)
class AuditReport:
    """Everything ``broadcasting audit`` prints: findings, counts and the program's exception."""

    filename: str
    source: str
    findings: tuple[AuditFinding, ...]
    sites_ran: int
    error: ProgramError | None = None

    @property
    def warnings(self) -> tuple[AuditFinding, ...]:
        return tuple(f for f in self.findings if f.is_warning)

    def __repr__(self) -> str:
        return (f"<AuditReport {self.filename}: {len(self.warnings)} warnings, "
                f"{len(self.findings) - len(self.warnings)} info{', raised' if self.error else ''}>")

    def to_json(self) -> str:
        """``{"findings": [...]}``, and ``"error"`` (type, message, line) when the program
        raised or exited with a non-zero status."""
        data = {"findings": [f.to_dict() for f in self.findings]}
        if self.error is not None:
            data["error"] = {"type": self.error.type_name, "message": self.error.message,
                             "line": self.error.line}
        return json.dumps(data, ensure_ascii=False, indent=2)

    def format_text(self, show_info: bool = True, show_scalars: bool = True) -> str:
        """Findings grouped by line: the source line, a caret under each operator, then each
        finding with its suggestion; a summary (of all findings) last."""
        lines = self.source.splitlines()
        shown = [f for f in self.findings if f.is_warning or (
            show_info and (show_scalars or f.kind != "scalar"))]
        out = []
        for line in sorted({f.line for f in shown}):
            here = [f for f in shown if f.line == line]
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            out += [f"{self.filename}:{line}:", f"  {line:>4} | {text}",
                    f"  {'':>4} | {_carets(f.col for f in here)}"]
            for f in here:
                out.append(f"    {f.severity} [{f.kind}] col {f.col}: {f.message}")
                out.append(f"      fix: {f.suggestion}")
            out.append("")
        out.append(self.summary())
        return "\n".join(out)

    def summary(self) -> str:
        n_warn = len(self.warnings)
        text = (f"{n_warn} warning{'s' * (n_warn != 1)}, {len(self.findings) - n_warn} info "
                f"({self.sites_ran} operator sites ran)")
        if self.error:
            text += (f"\nthe program raised {self.error}; the audit covers what ran before it")
        return text


def _carets(cols) -> str:
    cols = sorted(set(cols))
    chars = [" "] * (cols[-1] if cols else 0)
    for c in cols:
        chars[c - 1] = "^"
    return "".join(chars)


# -- judging one site ---------------------------------------------------------------------
