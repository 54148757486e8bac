"""Helpers for the corpus tests: small corpora built in a temporary directory."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from broadcasting.corpus import load
from broadcasting.corpus.files import encode_case

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def write_corpus(directory: Path, cases_by_kind: dict, lines_by_kind: dict | None = None) -> Path:
    """A corpus directory with these cases (or raw lines) and a matching manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, cases in cases_by_kind.items():
        lines = (lines_by_kind or {}).get(kind) or [encode_case(c) for c in cases]
        data = "".join(line + "\n" for line in lines).encode()
        (directory / f"{kind}.jsonl").write_bytes(data)
        files[f"{kind}.jsonl"] = {"cases": len(lines), "sha256": hashlib.sha256(data).hexdigest()}
    (directory / "MANIFEST.json").write_text(json.dumps({"version": "test", "seed": 0, "files": files}))
    return directory


def sample(per_kind: int = 40) -> dict:
    """The first ``per_kind`` committed cases of each kind."""
    out: dict = {}
    for case in load(CORPUS):
        out.setdefault(case["kind"], [])
        if len(out[case["kind"]]) < per_kind:
            out[case["kind"]].append(case)
    return out
