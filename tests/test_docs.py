"""Tests of broadcasting.docs: the committed docs/ is current, every page has what the issue asks,
its formulas and numbers come from the library and the corpus, and the site builds strictly."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import broadcasting as bc
from broadcasting.cli import main
from broadcasting.docs import PATTERNS, render
from broadcasting.docs.markup import VERSIONS, comparable, is_generated, js_header, md_header, svg_header
from broadcasting.docs.pages import corpus_facts

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SECTIONS = ("## Aligned shapes", "## Index formula", "## Matrix form", "## einsum and einops",
            "## numpy", "## torch, with the backward pass", "## Backward rule",
            "## Verified by the corpus")
REQUIRED = ("scalar-times-vector", "scalar-times-matrix", "hadamard", "row-vector-times-matrix",
            "column-times-matrix", "column-times-row", "accidental-outer-product",
            "size-one-stretch", "batch-times-matrix", "zero-size-axes", "vector-matmul-matrix",
            "batched-matmul", "notebook-chain-dloss-dW")


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    return render()


def _page(site, slug: str) -> str:
    (path,) = [p for p in site if p.startswith("patterns/") and p.endswith(f"-{slug}.md")]
    return site[path]


def test_committed_docs_are_current(site):
    stale = [rel for rel, text in site.items() if not (DOCS / rel).is_file()
             or comparable((DOCS / rel).read_text(encoding="utf-8")) != comparable(text)]
    extra = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*")
             if p.suffix in (".md", ".svg") and p.relative_to(DOCS).as_posix() not in site]
    assert not stale and not extra, (
        f"docs/ is stale: changed {stale}, no longer generated {extra}; run `broadcasting docs build`")


def test_every_generated_file_says_so_on_its_first_line(site):
    for rel, text in site.items():
        first = text.splitlines()[0]
        header = {".svg": svg_header(), ".js": js_header()}.get(Path(rel).suffix, md_header())
        assert first == header, rel
        assert "broadcasting docs build" in first


def test_the_issue_patterns_each_have_every_section(site):
    assert len(PATTERNS) >= 13 and {p.slug for p in PATTERNS} >= set(REQUIRED)
    for p in PATTERNS:
        page = _page(site, p.slug)
        positions = [page.index(s) for s in SECTIONS]
        assert positions == sorted(positions), p.slug
        assert f"](../diagrams/{p.slug}.svg)" in page and f"diagrams/{p.slug}.svg" in site


def test_pattern_formulas_come_from_explain(site):
    for p in PATTERNS:
        e = bc.explain(*p.shapes, op=p.op, names=p.names)
        page = _page(site, p.slug)
        assert e.index in page and f"`{e.einsum}`" in page and f"`{e.einops}`" in page
        assert f'data-latex="{e.latex}"' in page.replace("&quot;", '"')
        for formula, adjoint in zip(e.backward, e.adjoints):
            assert f"`{formula}`" in page and f"`{adjoint}`" in page
        for line in e.table():
            assert line in page


def test_row_vector_page_states_the_column_scaling(site):
    page = _page(site, "row-vector-times-matrix")
    assert "C = B \\, \\operatorname{diag}(a)" in page and "column scaling" in page


def test_code_samples_ran_and_agreed(site):
    for p in PATTERNS:
        outputs = re.findall(r"Output:\n\n```text\n(.*?)\n```", _page(site, p.slug), re.S)
        assert len(outputs) == 3, p.slug
        values_out, numpy_out, torch_out = outputs
        assert numpy_out.endswith(" True") and "False" not in numpy_out, (p.slug, numpy_out)
        # one torch.equal per operand: autograd == the backward einsum
        assert torch_out.split("]) ", 1)[1].split() == ["True"] * len(p.shapes), (p.slug, torch_out)


def test_pattern_pages_show_the_operands_and_the_result_as_values(site):
    import numpy as np
    from broadcasting.docs.patterns import values_svg
    for p in PATTERNS:
        arrays = [np.arange(1, int(np.prod(s)) + 1).reshape(s) for s in p.shapes]
        result = arrays[0]
        for a in arrays[1:]:
            result = result @ a if p.op == "@" else result * a
        (shown,) = re.findall(r"## With values.*?Output:\n\n```text\n(.*?)\n```",
                              _page(site, p.slug), re.S)
        expected = (str(result) if result.ndim >= 2 else str(result.tolist())) if result.size else "and no entries"
        assert shown.endswith(expected), (p.slug, shown)
        for name, a in zip(p.names, arrays):
            assert f"{name} =" in shown or a.size == 0
        drawn = site[f"diagrams/{p.slug}-values.svg"]
        assert f"](../diagrams/{p.slug}-values.svg)" in _page(site, p.slug) and drawn == values_svg(p)
        if result.size:  # the result's last cell shows its value
            last = ",".join(str(k - 1) for k in result.shape)
            if all(k <= 5 for k in result.shape):
                assert f"{p.names[-1]}[{last}] = {result.flat[-1]}" in drawn, p.slug


def test_corpus_counts_are_counted_from_the_corpus(site):
    facts = corpus_facts()
    if facts.problem:
        pytest.fail(f"the committed corpus cannot be read: {facts.problem}")
    from broadcasting.corpus import pattern_of
    computed = [c for c in facts.cases if c["kind"] in ("elementwise", "matmul", "gradients")]
    for p in PATTERNS:
        pattern = pattern_of(p.op, [list(s) for s in p.shapes])
        same_op = [c for c in computed if c.get("op") == p.op]
        n = sum(pattern_of(c["op"], c["shapes"]) == pattern for c in same_op)
        assert n > 0 or len(p.shapes) > 2, f"no corpus case verifies {p.slug} ({pattern})"
        if len(p.shapes) > 2:  # a chain: every left-to-right step is verified
            steps = re.findall(r"^\| \d+ \| .*? \| `(.*?)` \| (\d+) \|$", _page(site, p.slug), re.M)
            assert len(steps) == len(p.shapes) - 1 and all(int(c) > 0 for _, c in steps), steps
        said = (f"**{n}** of the corpus's {len(same_op)} computed `{p.op}` cases" if n else
                f"No case of the corpus ({len(same_op)} computed `{p.op}` cases) has exactly this")
        assert said in _page(site, p.slug)


def test_math_is_mathml_never_raw_latex(site):
    for rel, text in site.items():
        if not rel.endswith(".md"):
            continue
        prose = re.sub(r"```.*?```", "", re.sub(r'data-latex="[^"]*"', "", text), flags=re.S)
        prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans may show a $ literally
        assert "$" not in prose, rel
        assert not re.search(r"\\(frac|sum|operatorname|partial|delta|odot)", prose), rel
        for m in re.findall(r"<math .*?</math>", text):
            ET.fromstring(m)  # well-formed MathML


def test_svgs_are_valid_xml_with_a_title(site):
    for rel, text in site.items():
        if rel.endswith(".svg"):
            root = ET.fromstring(text)
            assert root.find("{http://www.w3.org/2000/svg}title").text, rel


def test_backprop_page_has_its_parts(site):
    page = site["backprop.md"]
    for part in ("## The chain rule, one `*` at a time", "## The Jacobian of h = x @ W",
                 "**Full**", "**Compact**", "**Vector-Jacobian product**",
                 "## The four routes agree", "## Answers to the notebook's open questions"):
        assert part in page
    assert "**no**" not in page  # every route agreed with autograd
    assert "[[1., 1., 1.],\n [2., 2., 2.]]" in page  # the notebook's compact J for x = [1, 2]


def test_index_lists_every_command_and_pattern(site):
    page = site["index.md"]
    assert "### `broadcasting explain`" in page and "### `broadcasting docs`" in page
    for k, p in enumerate(PATTERNS):
        assert f"(patterns/{k + 1:02d}-{p.slug}.md)" in page


def test_cli_build_is_deterministic_and_never_overwrites_a_users_file(tmp_path, capsys):
    out = tmp_path / "docs"
    assert main(["docs", "build", "--out", str(out)]) == 0
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["docs", "build", "--out", str(out)]) == 0
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first
    mine = out / "index.md"
    mine.write_text("# my own notes\n", encoding="utf-8")
    assert main(["docs", "build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "was not generated by `broadcasting docs build`" in err and len(err.splitlines()) == 1
    assert mine.read_text(encoding="utf-8") == "# my own notes\n"
    assert is_generated((out / "api.md").read_text(encoding="utf-8").splitlines()[0])


def test_build_keeps_a_page_whose_only_difference_is_the_versions_line(tmp_path):
    out = tmp_path / "docs"
    assert main(["docs", "build", "--out", str(out)]) == 0
    page = out / "numpy-vs-torch.md"
    text = page.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith(VERSIONS))
    elsewhere = text.replace(line, line.replace("numpy ", "numpy 1.0.0-other-machine-"))
    page.write_text(elsewhere, encoding="utf-8")
    assert main(["docs", "build", "--out", str(out)]) == 0
    assert page.read_text(encoding="utf-8") == elsewhere  # byte for byte, as committed
    page.write_text(elsewhere.replace("numpy and torch broadcast", "numpy broadcasts"), encoding="utf-8")
    assert main(["docs", "build", "--out", str(out)]) == 0
    assert page.read_text(encoding="utf-8") == text  # any other difference is rebuilt


def test_mkdocs_build_strict(tmp_path):
    if shutil.which("mkdocs") is None and not _has("mkdocs"):
        message = "MKDOCS BUILD NOT CHECKED: mkdocs is not installed (pip install '.[docs]')"
        warnings.warn(message)
        pytest.skip(message)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "site" / "patterns" / "04-row-vector-times-matrix.html").read_text()
    assert "<math" in html and "row-vector-times-matrix.svg" in html
    assert "cdn" not in html.lower() and "fonts.googleapis" not in html
    assert "unpkg.com" not in html and "javascripts/iframe-worker-shim.js" in html  # offline search
    assert '<a href="../start.html"' in html or 'href="../start.html"' in html  # .html links: file://
    assert "<title>Vector × matrix - broadcasting</title>" in html  # the H1, not the file name


def test_static_files_ship_the_math_font_and_the_search_shim():
    from broadcasting.docs import STATIC
    for rel in STATIC:
        assert (DOCS / rel).is_file(), rel
    assert (DOCS / "fonts/DejaVuMathTeXGyre.ttf").read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType
    css = (DOCS / "stylesheets/extra.css").read_text(encoding="utf-8")
    assert 'url("../fonts/DejaVuMathTeXGyre.ttf")' in css and 'font-family: "DejaVu Math TeX Gyre"' in css
    assert "overflow-x: auto" in css.split(".math-block", 1)[1].split("}", 1)[0]  # wide math scrolls


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ issue 16: a learner's path


def _nav_pages() -> list[str]:
    import yaml

    def flat(items):
        for item in items:
            if isinstance(item, str):
                yield item
            else:
                for value in item.values():
                    yield from (flat(value) if isinstance(value, list) else [value])
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["use_directory_urls"] is False  # links work from file://
    assert "offline" in config["plugins"]
    return list(flat(config["nav"]))


def test_nav_is_the_reading_path_and_lists_every_page(site):
    nav = _nav_pages()
    pages = sorted(p for p in site if p.endswith(".md"))
    assert sorted(set(nav) & set(pages)) == pages and len(nav) == len(set(nav))
    path = ["index.md", "start.md"] + [p for p in nav if p.startswith("patterns/")] + \
        ["backprop.md", "numpy-vs-torch.md", "corpus.md", "api.md"]
    assert [p for p in nav if p in path] == path
    gallery = [f"patterns/{k + 1:02d}-{p.slug}.md" for k, p in enumerate(PATTERNS)]
    assert [p for p in nav if p.startswith("patterns/")] == gallery


def test_site_hook_drops_only_the_generated_line_so_the_h1_is_the_title(site):
    import importlib.util
    spec = importlib.util.spec_from_file_location("hooks", ROOT / "broadcasting/docs/site_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    for rel, text in site.items():
        if rel.endswith(".md"):
            assert hooks.on_page_markdown(text).startswith("# "), rel
    assert hooks.on_page_markdown("<!-- a comment of mine -->\n# T\n").startswith("<!--")


def test_start_page_walks_from_the_rules_to_the_notebook_chain(site):
    page = site["start.md"]
    assert page.splitlines()[1] == "# Broadcasting from scratch"
    heads = ["## The two rules", "### Rule 1: a missing axis", "### Rule 2: a size-1 axis",
             "### Both rules at once", "## The copies are virtual", "## One example, every notation",
             "## The notebook's chain"]
    assert [page.index(h) for h in heads] == sorted(page.index(h) for h in heads)
    assert "(8,) (0, 8)\nTrue False" in page  # the strides of a broadcast view: 0 along the copy
    assert "[[ 10  40  90]\n [ 40 100 180]]" in page  # a * B with a = [1, 2, 3]
    assert "[[  0  -6  12]\n [  0 -12  24]]" in page  # the chain = outer(x, g)
    e = bc.explain((3,), (2, 3), names=("a", "B", "C"))
    assert e.index in page and f"`{e.einsum}`" in page and "a 1-D array is a column vector" in page
    for slug in ("start-rule-1", "start-rule-2", "start-both"):
        assert f"(diagrams/{slug}.svg)" in page and 'data-copy="new"' in site[f"diagrams/{slug}.svg"] \
            or 'data-copy="stretched"' in site[f"diagrams/{slug}.svg"]
    assert "C[1,2] = 180" in site["diagrams/start-rule-1.svg"]  # the diagram shows values


def test_no_value_depends_on_the_machine(site):
    """No round-off noise (``6.9e-18``), no addresses, versions only on the labelled line."""
    versions = [rel for rel, text in site.items() if VERSIONS in text]
    assert versions == ["numpy-vs-torch.md"]
    for rel, text in site.items():
        body = comparable(text)
        assert not re.search(r"\d\.\d+e-\d\d", body), rel  # round-off like 6.9e-18
        assert not re.search(r"0x[0-9a-f]{6,}", body), rel
        assert "2.13.0" not in body and "2.4.6" not in body, rel  # no library version elsewhere
    page = site["numpy-vs-torch.md"]
    line = next(x for x in page.splitlines() if x.startswith(VERSIONS))
    changed = page.replace(line, line.replace("numpy ", "numpy 0.0.0-"))  # another machine
    assert changed != page
    assert comparable(changed) == comparable(site["numpy-vs-torch.md"])


def test_math_has_no_stray_dot_after_partial_nor_escaped_underscore(site):
    for rel, text in site.items():
        if rel.endswith(".md"):
            for m in re.findall(r"<math .*?</math>", text):
                assert "&#x02202;</mo><mo>&#x000B7;" not in m, rel  # ∂ then ·
                assert "\\_" not in m and "\\&#x0005F;" not in m, rel
    assert "dloss&#x0005F;dh" in site["backprop.md"] or "X, G" in site["backprop.md"]


def test_matrix_brackets_are_stretchy(site):
    page = site["backprop.md"]
    tables = page.count("<mtable")
    assert tables >= 4
    assert page.count('<mo stretchy="true" fence="true">&#x0005B;</mo><mtable') == tables
    assert page.count('</mtable><mo stretchy="true" fence="true">&#x0005D;</mo>') == tables


def test_api_summaries_are_whole_sentences_and_code_spans_close(site):
    page = re.sub(r"```.*?```", "", site["api.md"], flags=re.S)
    for para in page.split("\n\n"):
        assert para.count("`") % 2 == 0, para[:200]
    summaries = [line.split("** — ", 1)[1] for line in page.splitlines() if line.startswith("- **`")]
    assert len(summaries) > 30
    for s in summaries:
        assert s.rstrip().endswith((".", ":", ")", "?")), s


def test_compact_jacobian_rule_and_the_batch(site):
    import numpy as np
    from broadcasting.docs.gradients import BATCH
    page = site["backprop.md"]
    assert "## The compact Jacobian, in general" in page and "**diagonal**" in page
    for case in ("### Worked case: `a * B` with respect to the copied `a`",
                 "### Worked case: an elementwise `relu`"):
        assert case in page
    X, W, wout, t = (np.array(BATCH[k]) for k in ("X", "W", "wout", "t"))
    h = X @ W
    s = 2 * (np.maximum(h, 0) @ wout - t)
    G = s[:, None] * wout * (h > 0)
    right, wrong = np.einsum("bi,bj->ij", X, G), np.outer(X.sum(0), G.sum(0))
    assert not np.array_equal(right, wrong)
    assert f"=\n{right}    (= torch's W.grad)" in page and f"=\n{wrong}\n" in page
    assert "≤ 1e-12" in page and "x_{i0}" not in page.split("x[:, None]")[0][-2000:]


def test_at_pages_do_not_say_copied_for_the_contracted_axis(site):
    page = _page(site, "vector-matmul-matrix")
    legend = page.split("## Aligned shapes", 1)[1].split("```", 1)[0]
    assert "summed away" in legend and "copied along it)" not in legend
    assert "copied along it" in _page(site, "row-vector-times-matrix")
    assert "(= xᵀW)" not in page.splitlines()[1]


def test_build_is_all_or_nothing(tmp_path, capsys):
    """An OS error part-way (here: a file where the diagrams folder must go) leaves the folder as
    it was — no page written, no temporary file left — and says so in one line, exit 2."""
    out = tmp_path / "site"
    out.mkdir()
    (out / "diagrams").write_text("in the way\n")
    assert main(["docs", "build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "nothing was written" in err and "diagrams" in err
    assert sorted(p.name for p in out.rglob("*")) == ["diagrams"]
    assert (out / "diagrams").read_text() == "in the way\n"


def test_build_refuses_a_special_file_in_place_of_a_page(tmp_path, capsys):
    import os
    out = tmp_path / "site"
    out.mkdir()
    os.mkfifo(out / "index.md")
    assert main(["docs", "build", "--out", str(out)]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["index.md"]
