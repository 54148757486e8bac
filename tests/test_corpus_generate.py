"""Generation is deterministic and the committed corpus is not stale."""
from __future__ import annotations

import json

import pytest

from broadcasting.cli import main
from broadcasting.corpus.files import GENERATED_BY, GENERATED_WITH, MANIFEST, comparable_manifest, sha256_of
from broadcasting.corpus.generate import generate_corpus, kind_bytes

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


def test_versions_live_only_in_the_manifests_labelled_entry():
    """Nothing a byte comparison sees depends on the machine: library versions are recorded in
    ``generated_with`` only, never in the case files or the README."""
    m = _manifest()
    versions = [v for v in m[GENERATED_WITH].values() if v != "not installed"]
    assert {"hypothesis", "numpy", "torch"} <= set(m[GENERATED_WITH]) and versions
    for path in [CORPUS / "README.md", *CORPUS.glob("*.jsonl")]:
        text = path.read_text()
        assert not any(v in text for v in versions if len(v) > 3), f"{path.name} names a version"


def test_generate_removes_only_files_it_writes(tmp_path):
    """A manifest naming ``../x`` or an absolute path must not make generate delete it."""
    victim_outside = tmp_path / "keep.txt"
    victim_outside.write_text("mine")
    out = tmp_path / "c"
    generate_corpus(out, kinds=("promotion",))
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"]["../keep.txt"] = {"cases": 1, "sha256": "0" * 64}
    manifest["files"][str(victim_outside)] = {"cases": 1, "sha256": "0" * 64}
    (out / MANIFEST).write_text(json.dumps(manifest))
    generate_corpus(out, kinds=("promotion",))
    assert victim_outside.read_text() == "mine"


def test_promotion_kind_regenerates_byte_for_byte():
    """The fast kind (no hypothesis draws) in the default run; all kinds in the slow test."""
    data, count = kind_bytes("promotion", _manifest()["seed"])
    assert data == (CORPUS / "promotion.jsonl").read_bytes()


@pytest.mark.slow
def test_generate_reproduces_the_committed_corpus(tmp_path):
    m = _manifest()
    assert main(["corpus", "generate", "--out", str(tmp_path), "--seed", str(m["seed"])]) == 0
    for name in list(m["files"]) + ["README.md"]:
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), \
            f"corpus/{name} is stale: run `broadcasting corpus generate`"
    fresh = json.loads((tmp_path / MANIFEST).read_text())
    assert comparable_manifest(fresh) == comparable_manifest(m)  # versions may differ by machine


def test_generate_refuses_a_directory_of_user_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["corpus", "generate", "--out", str(tmp_path)]) == 2
    assert "refusing" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("args, said", [(["--seed", "-1"], "--seed -1: a corpus seed is an integer >= 0"),
                                        (["-j", "0"], "-j 0: give at least 1 worker")])
def test_generate_bad_seed_or_jobs_is_one_line_exit_2(tmp_path, capsys, args, said):
    out = tmp_path / "corpus"
    assert main(["corpus", "generate", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()
