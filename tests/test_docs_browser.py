"""The built site in a real browser, opened from disk (``file://``) as a reader who downloaded it
would: headless Chromium visits every page of the nav in order, light and dark, at 1280 px and
at a phone's 390 px, and we check that

- the console shows no errors;
- every ``<math>`` is laid out as math with a size, every diagram loaded with a size;
- nothing is wider than the window except inside a scroll container (wide equations, code and
  tables scroll in their own box);
- matrix brackets stretch: a ``[`` around a matrix is as tall as the matrix (a math font is
  named and loads — the one shipped with the site, ``docs/fonts/``);
- the nav is the reading path (home, from scratch, the patterns, backprop, numpy vs torch,
  corpus, API), each nav entry's title is its page's H1, previous/next links follow the nav;
- search works offline.

Screenshots of every page (light and dark, both widths; the whole page light at 1280 px, the
first screen of the other views) go to ``$BROADCASTING_SCREENSHOTS`` or
``build/screenshots`` (git-ignored) for a person to look at.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``docs`` extra (mkdocs, selenium):
``.ci/install-browser`` installs them. One browser serves every check.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chromium

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (1280, 390)
HEIGHT = 900
#: the reading path: these pages, in this order (others, like the gallery, may sit between)
PATH = ("index.html", "start.html", "patterns/01-scalar-times-vector.html",
        "patterns/13-notebook-chain-dloss-dW.html", "backprop.html", "numpy-vs-torch.html",
        "corpus.html", "api.html")


def _missing() -> str | None:
    return chromium.missing()


def _skip_loudly(reason: str):
    chromium.skip_loudly(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reason = _missing()
    if reason:
        _skip_loudly(reason)
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"),
                            f"--window-size={WIDTHS[0]},{HEIGHT}")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("BROADCASTING_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


NAV = """
const links = [...document.querySelectorAll('nav.md-nav--primary a.md-nav__link[href]')]
  .filter(a => !a.getAttribute('href').startsWith('#'));
return links.map(a => ({href: a.href, title: a.innerText.trim()}));
"""

PROBE = """
const vw = document.documentElement.clientWidth;
const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
const imgs = [...document.querySelectorAll('article img')];
const maths = [...document.querySelectorAll('article math')];
const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
  const o = getComputedStyle(p).overflowX;
  if ((o === 'auto' || o === 'scroll' || o === 'hidden') && p.getBoundingClientRect().right <= vw + 1
      && p !== document.documentElement && p !== document.body) return true; } return false; };
const shown = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
  return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0; };
const wide = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.right <= vw + 1 || !shown(e) || e.closest('.md-search')) continue;  // closed overlay
  if (inScroller(e)) continue;  // scrolls inside its own box
  wide.push(e.tagName + '.' + [...e.classList].join('.') + ' ' + Math.round(r.right));
}
const fences = [...document.querySelectorAll('article mo[stretchy="true"]')]
  .filter(m => m.nextElementSibling && m.nextElementSibling.tagName.toLowerCase() === 'mtable')
  .map(m => [m.getBoundingClientRect().height, m.nextElementSibling.getBoundingClientRect().height]);
return {
  vw: vw, pageWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8),
  imgs: imgs.map(i => ({src: i.src, complete: i.complete, natural: i.naturalWidth, box: box(i)})),
  maths: maths.map(m => ({box: box(m), display: getComputedStyle(m).display})),
  fences: fences,
  h1: document.querySelector('article h1').innerText.replace(/\\s*¶$/, '').trim(),
  title: document.title,
  prev: (document.querySelector('a.md-footer__link--prev') || {}).href || null,
  next: (document.querySelector('a.md-footer__link--next') || {}).href || null,
  prose: (() => { const a = document.querySelector('article').cloneNode(true);
    a.querySelectorAll('pre, code, math').forEach(c => c.remove()); return a.textContent; })(),
};
"""


def _errors(driver) -> list[str]:
    return chromium.console_errors(driver)


def _scheme(driver, dark: bool) -> None:
    """Emulate the reader's colour preference and pin Material's scheme to it (as its toggle
    would), then let the colour transitions finish before measuring or taking a picture."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
    driver.execute_script("document.body.setAttribute('data-md-color-scheme', arguments[0])",
                          "slate" if dark else "default")
    time.sleep(0.05)


def _viewport(driver, width: int) -> None:
    """A viewport of exactly ``width`` CSS px (a window cannot be made as narrow as a phone);
    narrower than the tablet breakpoint, it is a phone's (touch, mobile layout)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": width < 600})
    time.sleep(0.05)


def _shoot(driver, path: Path, whole: bool, longest: int = 8000) -> Path:
    """A picture of the window, or of the ``whole`` page (up to ``longest`` px down)."""
    import base64
    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
    height = min(height, longest) if whole else HEIGHT
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": whole,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _open(driver, url: str) -> None:
    driver.get(url)
    # no colour transitions: a view is ready to measure and photograph as soon as it is set
    driver.execute_script("const s = document.createElement('style'); s.textContent = "
                          "'*, *::before, *::after { transition: none !important; }'; "
                          "document.head.appendChild(s);")
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all([document.fonts.ready, ...[...document.images].map(i => i.decode().catch(() => 0))])"
        ".then(() => done(true));")


def _check_view(info: dict, where: str) -> None:
    assert info["pageWidth"] <= info["vw"] + 1, (where, info["pageWidth"], info["wide"])
    assert not info["wide"], (where, info["wide"])
    drawn = [i for i in info["imgs"] if i["complete"] and i["natural"] > 0 and i["box"][0] > 0
             and i["box"][1] > 0]
    assert len(drawn) == len(info["imgs"]), (where, info["imgs"])
    for m in info["maths"]:
        assert m["box"][0] > 0 and m["box"][1] > 0, (where, m)
        assert "math" in m["display"], (where, m)  # laid out by the MathML engine
    for bracket, matrix in info["fences"]:
        assert bracket >= 0.9 * matrix, (where, "bracket not stretched", bracket, matrix)


@pytest.fixture(scope="module")
def nav(site, browser) -> list[dict]:
    _open(browser, (site / "index.html").as_uri())
    return browser.execute_script(NAV)


def test_nav_is_the_reading_path_of_html_files(site, nav):
    pages = [link["href"] for link in nav]
    assert all(h.startswith("file://") and h.endswith(".html") for h in pages), pages
    rel = [h[len(site.as_uri()) + 1:] for h in pages]
    assert len(set(rel)) == len(rel)
    positions = [rel.index(p) for p in PATH]
    assert positions == sorted(positions), rel
    assert rel[0] == "index.html" and rel[1] == "start.html" and rel[-1] == "api.html"
    gallery = [r for r in rel if r.startswith("patterns/")]
    assert gallery == sorted(gallery) and len(gallery) >= 13
    assert rel.index(gallery[-1]) < rel.index("backprop.html")


def test_every_page_from_file_light_and_dark_wide_and_narrow(site, browser, nav, shots):
    """One visit per page, four views each: the checks of the module docstring, and a
    screenshot of each view."""
    browser.get_log("browser")  # start clean
    hrefs = [link["href"] for link in nav]
    for k, link in enumerate(nav):
        _open(browser, link["href"])
        name = link["href"][len(site.as_uri()) + 1:-len(".html")].replace("/", "-")
        for dark in (False, True):
            _scheme(browser, dark)
            for width in WIDTHS:
                _viewport(browser, width)
                info = browser.execute_script(PROBE)
                where = f"{name} {width}px {'dark' if dark else 'light'}"
                _check_view(info, where)
                # the whole page light at 1280 px; the first screen of the other views
                whole = (width, dark) == (WIDTHS[0], False)
                path = _shoot(browser, shots / f"{name}-{width}-{'dark' if dark else 'light'}.png", whole)
                assert path.stat().st_size > 5_000, where
        _viewport(browser, WIDTHS[0])
        assert info["h1"] == link["title"], (name, info["h1"], link["title"])
        # the tab shows the H1 (the home page: the site's name, as Material does)
        assert info["title"].startswith(info["h1"]) or k == 0, (name, info["title"])
        assert info["prev"] == (hrefs[k - 1] if k else None), (name, info["prev"])
        assert info["next"] == (hrefs[k + 1] if k + 1 < len(hrefs) else None), (name, info["next"])
        # no raw LaTeX outside code: math is MathML, an escaped underscore never leaks
        assert "$$" not in info["prose"] and "\\frac" not in info["prose"], name
        assert "\\_" not in info["prose"], name
        assert _errors(browser) == [], name


def test_math_font_ships_with_the_site_and_stretches_brackets(site, browser):
    _open(browser, (site / "backprop.html").as_uri())
    font = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const f = new FontFace('shipped-math', 'url(fonts/DejaVuMathTeXGyre.ttf)');"
        "f.load().then(() => done(f.status), e => done('failed: ' + e));")
    assert font == "loaded"  # the file the CSS names loads from file://, no network
    family = browser.execute_script(
        "return getComputedStyle(document.querySelector('article math')).fontFamily")
    assert "DejaVu Math TeX Gyre" in family
    info = browser.execute_script(PROBE)
    assert len(info["fences"]) >= 4, "the backprop page writes matrices with brackets"
    tall = [(bracket, matrix) for bracket, matrix in info["fences"] if matrix > 40]
    assert len(tall) >= 2, info["fences"]  # matrices of two and more rows
    for bracket, matrix in tall:  # a bracket that did not stretch is one line high (~20 px)
        assert bracket >= 0.9 * matrix, (bracket, matrix)


def test_search_works_offline(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    _open(browser, (site / "start.html").as_uri())
    browser.get_log("browser")
    browser.execute_script("document.querySelector('label[for=__search]').click()")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.send_keys("einsum")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "li.md-search-result__item"))
    hits = browser.find_elements(By.CSS_SELECTOR, "li.md-search-result__item a")
    assert hits and all(h.get_attribute("href").split("#")[0].endswith(".html") for h in hits)
    assert _errors(browser) == []
