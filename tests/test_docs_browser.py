"""The built site in a real browser: headless Chromium opens the index, a pattern page and the
backprop page, and we check that the diagrams loaded, the math is typeset (MathML laid out as
math, with a size) and the console shows no errors. Screenshots, light and dark, go to a
temporary folder (printed; kept by pytest under its basetemp).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``docs`` extra (mkdocs, selenium):
``.ci/install-browser`` installs them.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("", "patterns/04-row-vector-times-matrix/", "backprop/")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--window-size=1100,1400")


def _missing() -> str | None:
    for exe in ("chromium", "chromedriver"):
        if shutil.which(exe) is None:
            return f"{exe} is not installed (apt-get install chromium chromium-driver; see .ci/install-browser)"
    for module in ("selenium", "mkdocs", "material"):
        try:
            __import__(module)
        except ImportError:
            return f"python package {module} is missing (pip install '.[docs]')"
    return None


def _skip_loudly(reason: str):
    message = f"BROWSER TEST NOT RUN: {reason}"
    warnings.warn(message)
    print(message, file=sys.stderr)
    pytest.skip(message)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    reason = _missing()
    if reason:
        _skip_loudly(reason)
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


PROBE = """
const imgs = [...document.querySelectorAll('article img')].filter(i => i.src.endsWith('.svg'));
const inline = [...document.querySelectorAll('article svg[role=img]')];
const maths = [...document.querySelectorAll('article math')];
const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
return {
  imgs: imgs.map(i => ({src: i.src, complete: i.complete, natural: i.naturalWidth, box: box(i)})),
  inline: inline.map(box),
  maths: maths.map(m => ({box: box(m), display: getComputedStyle(m).display})),
  text: document.querySelector('article').innerText,
};
"""


def _open(driver, url: str) -> dict:
    driver.get(url)
    driver.execute_script("return document.fonts ? document.fonts.ready : true")
    return driver.execute_script(PROBE)


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _shoot(driver, folder: Path, name: str, dark: bool) -> Path:
    scheme = "dark" if dark else "light"
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.get(driver.current_url)
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    # Material follows the media query unless a reader toggled it before (kept in storage);
    # pin the page's scheme to the emulated one, as the toggle would
    driver.execute_script("document.body.setAttribute('data-md-color-scheme', arguments[0])",
                          "slate" if dark else "default")
    time.sleep(0.6)  # let the theme's colour transitions finish before the picture
    path = folder / f"{name}-{scheme}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_diagrams_and_math_without_console_errors(site, browser, shots, page):
    info = _open(browser, site + page)
    drawn = [i for i in info["imgs"] if i["complete"] and i["natural"] > 0 and i["box"][0] > 0]
    assert info["imgs"] and len(drawn) == len(info["imgs"]), info["imgs"]
    assert info["maths"], "no <math> element on the page"
    for m in info["maths"]:
        assert m["box"][0] > 0 and m["box"][1] > 0, m
        assert "math" in m["display"], m  # laid out by the MathML engine, not as plain text
    assert "$$" not in info["text"] and "\\frac" not in info["text"] and "\\sum" not in info["text"]
    assert _errors(browser) == []
    name = page.strip("/").replace("/", "-") or "index"
    for dark in (False, True):
        assert _shoot(browser, shots, name, dark).stat().st_size > 10_000
    assert _errors(browser) == []
