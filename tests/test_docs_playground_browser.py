"""The Playground in a real browser: ``broadcasting docs build --playground`` (Pyodide fetched with
npm, cached under ~/.cache/broadcasting), ``mkdocs build``, the site served on 127.0.0.1, and
headless Chromium typing into ``#bc-input`` and reading ``#bc-output``: the view of an
expression, the command line's one-line error, a link's fragment, the example buttons, no console
errors; and the pages that say why the playground cannot start (no runtime, ``file://``).

Timings (first result after navigation, each further explanation) are printed, not asserted
beyond a sanity bound: ``benchmarks/bench_playground.py`` reports them.

Needs Debian's ``chromium`` and ``chromium-driver``, the ``docs`` extra, and ``npm`` (or the
runtime already in the cache): ``.ci/install-browser`` installs them. Without them the test is
skipped with a loud ``BROWSER TEST NOT RUN`` warning.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

import chromium

import broadcasting as bc
from broadcasting.cli import main
from broadcasting.docs import PATTERNS
from broadcasting.docs.playground import DEFAULT, PYODIDE_VERSION, RUNTIME_DIR
from broadcasting.docs.runtime import RUNTIME_FILES, cache_dir

ROOT = Path(__file__).resolve().parents[1]
FIRST_RESULT_BOUND_S = 60  # a sanity bound only: the target (10 s) is reported, not asserted
GOOD, BAD, LINKED = "a(3) * B(2,3)", "a(3) * B(2,4)", "x(2) @ W(2,3)"


def _missing() -> str | None:
    reason = chromium.missing(("selenium", "mkdocs", "material", "latex2mathml"))
    if reason:
        return reason
    cached = cache_dir() / "node_modules" / "pyodide"
    if shutil.which("npm") is None and not all((cached / f).is_file() for f in RUNTIME_FILES):
        return "npm is not installed and Pyodide is not cached (apt-get install npm; see .ci/install-browser)"
    return None


def _skip_loudly(reason: str):
    chromium.skip_loudly(reason, "BROWSER TEST NOT RUN (playground)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _run(*argv: str) -> None:
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The site, built as the README says: docs build --playground, then mkdocs build."""
    reason = _missing()
    if reason:
        _skip_loudly(reason)
    work = tmp_path_factory.mktemp("playground")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns(RUNTIME_DIR))
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    hooks = work / "broadcasting" / "docs"  # mkdocs.yml names its hook relative to itself
    hooks.mkdir(parents=True)
    shutil.copy(ROOT / "broadcasting" / "docs" / "site_hooks.py", hooks / "site_hooks.py")
    _run("-m", "broadcasting", "docs", "build", "--playground", "--out", str(work / "docs"))
    _run("-m", "mkdocs", "build", "--strict", "-q", "-f", str(work / "mkdocs.yml"), "-d",
         str(work / "site"))
    return work / "site"


@pytest.fixture(scope="module")
def page(built):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/playground.html"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(page, tmp_path_factory):
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"), "--window-size=1100,1400")
    yield driver
    driver.quit()


def _errors(driver) -> list[str]:
    return chromium.console_errors(driver)


STATE = """const o = document.getElementById('bc-output');
return {state: o.dataset.state, expression: o.dataset.expression, text: o.innerText,
        html: o.innerHTML, input: document.getElementById('bc-input').value,
        hash: decodeURIComponent(location.hash.slice(1)),
        stats: window.bcPlayground ? {first: bcPlayground.firstResultMs, last: bcPlayground.lastMs,
                                      phases: bcPlayground.phases} : null};"""


def _settled(driver, expression: str | None = None, timeout: float = 30) -> dict:
    """The output once it shows ``expression`` and the address holds it (or, with no
    expression, once anything but the loading message shows)."""
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        s = d.execute_script(STATE)
        ok = s["state"] != "loading" and (expression is None or
                                          s["expression"] == expression == s["hash"])
        return s if ok else False
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(done)


def _open(driver, url: str) -> dict:
    driver.get("about:blank")  # a fresh load, even when only the fragment differs
    driver.get(url)
    return _settled(driver, timeout=FIRST_RESULT_BOUND_S)


def _type(driver, text: str) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    box = driver.find_element(By.ID, "bc-input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)
    return _settled(driver, text)


def _cli_error(expression: str) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["explain", expression]) == 2
    return err.getvalue().strip()


def test_typing_shows_the_view_then_the_one_line_error(browser, page):
    first = _open(browser, page)
    assert first["state"] == "ready" and first["expression"] == DEFAULT, first["text"][:300]
    print(f"\nplayground first result: {first['stats']['first'] / 1000:.2f} s after navigation "
          f"(fresh browser profile; phases, ms since navigation: {first['stats']['phases']})")
    good = _type(browser, GOOD)
    assert good["state"] == "ready" and "j,ij->ij" in good["text"] and "<svg" in good["html"]
    assert bc.explain((3,), (2, 3), names=("a", "B")).index in good["text"]
    assert "<math" in good["html"] and good["hash"] == GOOD
    print(f"playground explanation of {GOOD!r}: {good['stats']['last']:.1f} ms")
    bad = _type(browser, BAD)
    assert bad["state"] == "error" and bad["text"].strip() == _cli_error(BAD)
    assert "Traceback" not in bad["text"] and len(bad["text"].strip().splitlines()) == 1
    assert "<svg" not in bad["html"] and bad["hash"] == BAD
    assert _errors(browser) == []


def test_a_link_with_an_expression_opens_its_view(browser, page):
    shown = _open(browser, page + "#" + quote(LINKED, safe=""))
    e = bc.explain((2,), (2, 3), op="@", names=("x", "W"))
    assert shown["state"] == "ready" and shown["input"] == LINKED == shown["expression"]
    assert e.einsum in shown["text"] and e.index in shown["text"] and "<svg" in shown["html"]
    print(f"playground first result, browser cache warm: {shown['stats']['first'] / 1000:.2f} s")
    assert _errors(browser) == []


def test_example_buttons_show_the_gallery_and_the_seed_chain(browser, page):
    from selenium.webdriver.common.by import By
    _open(browser, page)
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.bc-example")
    assert [b.get_attribute("data-expr") for b in buttons] == [p.expression for p in PATTERNS]
    chain = max(PATTERNS, key=lambda p: len(p.shapes))  # the seed's dloss_dW chain
    buttons[PATTERNS.index(chain)].click()
    shown = _settled(browser, chain.expression)
    assert shown["state"] == "ready" and chain.explanation.einsum in shown["text"]
    times = browser.execute_script(
        "return [...document.querySelectorAll('button.bc-example')].map("
        "b => bcPlayground.show(b.dataset.expr))")
    assert len(times) == len(PATTERNS) and all(t >= 0 for t in times)
    print(f"playground explanation, each gallery example: median {sorted(times)[len(times) // 2]:.1f} "
          f"ms, max {max(times):.1f} ms")
    assert _errors(browser) == []


def test_the_runtime_is_the_pinned_pyodide_and_the_compiled_package(built):
    import json
    import zipfile
    folder = built / RUNTIME_DIR
    manifest = json.loads((folder / "runtime.json").read_text())
    assert manifest["pyodide"] == PYODIDE_VERSION and all((folder / f).is_file() for f in manifest["files"])
    cached = cache_dir() / "node_modules" / "pyodide"
    assert (folder / "pyodide.asm.wasm").read_bytes() == (cached / "pyodide.asm.wasm").read_bytes()
    names = zipfile.ZipFile(folder / manifest["package"]).namelist()
    assert "broadcasting/explain.py" in names
    assert any(n.startswith("broadcasting/__pycache__/explain.cpython-") for n in names)  # precompiled


def test_without_the_runtime_the_page_says_how_to_enable_it(browser, page, built):
    from selenium.webdriver.common.by import By
    manifest = built / RUNTIME_DIR / "runtime.json"
    hidden = manifest.rename(manifest.with_suffix(".away"))
    try:
        shown = _open(browser, page)
    finally:
        hidden.rename(manifest)
    note = browser.find_element(By.ID, "bc-note-missing")
    assert shown["state"] == "unavailable" and note.is_displayed()
    assert "broadcasting docs build --playground" in note.text and "npm" in note.text
    browser.get_log("browser")  # the 404 of the missing runtime is expected here


def test_from_a_file_url_the_page_says_to_serve_it(browser, built):
    from selenium.webdriver.common.by import By
    shown = _open(browser, (built / "playground.html").as_uri())
    note = browser.find_element(By.ID, "bc-note-file")
    assert shown["state"] == "unavailable" and note.is_displayed()
    assert "WebAssembly" in note.text and "python -m http.server" in note.text
    browser.get_log("browser")
