"""Generation is deterministic and the committed corpus is not stale."""
from __future__ import annotations

import json

import pytest

from broadcasting.cli import main
from broadcasting.corpus.files import GENERATED_BY, MANIFEST, sha256_of
from broadcasting.corpus.generate import kind_bytes

from corpus_helpers import CORPUS


def _manifest():
    return json.loads((CORPUS / MANIFEST).read_text())


def test_manifest_lists_every_file_with_counts_and_checksums():
    m = _manifest()
    assert m["generated_by"] == GENERATED_BY and m["seed"] == 0
    assert sorted(p.name for p in CORPUS.glob("*.jsonl")) == sorted(m["files"])
    for name, entry in m["files"].items():
        assert sha256_of(CORPUS / name) == entry["sha256"]
        assert sum(1 for _ in open(CORPUS / name)) == entry["cases"]
    assert sum(e["cases"] for e in m["files"].values()) >= 10000
    assert (CORPUS / "README.md").read_text().startswith(f"<!-- {GENERATED_BY} -->")


def test_promotion_kind_regenerates_byte_for_byte():
    """The fast kind (no hypothesis draws) in the default run; all kinds in the slow test."""
    data, count = kind_bytes("promotion", _manifest()["seed"])
    assert data == (CORPUS / "promotion.jsonl").read_bytes()


@pytest.mark.slow
def test_generate_reproduces_the_committed_corpus(tmp_path):
    import hypothesis
    m = _manifest()
    assert hypothesis.__version__ == m["hypothesis"], "shapes are drawn with hypothesis: versions differ"
    assert main(["corpus", "generate", "--out", str(tmp_path), "--seed", str(m["seed"])]) == 0
    for name in list(m["files"]) + [MANIFEST, "README.md"]:
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), \
            f"corpus/{name} is stale: run `broadcasting corpus generate`"


def test_generate_refuses_a_directory_of_user_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["corpus", "generate", "--out", str(tmp_path)]) == 2
    assert "refusing" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
