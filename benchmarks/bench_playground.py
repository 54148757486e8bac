"""The Playground's speed in headless Chromium, and each explanation as a ratio to the same
Python function in CPython, measured in the same run.

    python benchmarks/bench_playground.py [--warm N] [--repeat N]

Builds the site with the playground (``broadcasting docs build --playground`` into a temporary
folder, then ``mkdocs build``), serves it on 127.0.0.1 and opens the Playground page:

- first result: ms from navigation to the first explanation shown, in a fresh browser profile
  (cold browser cache) and then with the browser's cache warm (min and median of N loads);
- each explanation: ``render_view`` in Pyodide plus putting the HTML in the page and laying it
  out (the reader also waits the input's debounce, printed), min of N per gallery example;
  the ratio is to ``render_view`` in CPython here (min of N, the same examples).

Targets (issue 17): first result <= 10 s with a warm disk cache; each explanation <= 150 ms.
Needs what tests/test_docs_playground_browser.py needs (chromium, chromedriver, npm, docs extra).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broadcasting.docs.playground import RUNTIME_DIR, examples, render_view  # noqa: E402

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--window-size=1100,1400")


def build_site(work: Path) -> Path:
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns(RUNTIME_DIR))
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    hooks = work / "broadcasting" / "docs"  # mkdocs.yml names its hook relative to itself
    hooks.mkdir(parents=True)
    shutil.copy(ROOT / "broadcasting" / "docs" / "site_hooks.py", hooks / "site_hooks.py")
    for argv in (["-m", "broadcasting", "docs", "build", "--playground", "--out", str(work / "docs")],
                 ["-m", "mkdocs", "build", "--strict", "-q", "-f", str(work / "mkdocs.yml"),
                  "-d", str(work / "site")]):
        proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"bench_playground: {' '.join(argv[:4])} failed: {proc.stderr.strip()[-300:]}")
    return work / "site"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def chromium(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def first_result_ms(driver, url: str) -> float:
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = driver.execute_script("return [document.getElementById('bc-output').dataset.state,"
                                      " window.bcPlayground && bcPlayground.firstResultMs]")
        if state[0] != "loading":
            if state[0] != "ready":
                sys.exit(f"bench_playground: the page shows {state[0]!r}, not a result")
            return state[1]
        time.sleep(0.05)
    sys.exit("bench_playground: no result after 120 s")


def browser_ms(driver, expressions, repeat: int) -> list[float]:
    return driver.execute_script(
        "const [xs, n] = arguments; return xs.map(x => { let best = Infinity;"
        " for (let k = 0; k < n; k++) best = Math.min(best, bcPlayground.show(x)); return best; });",
        list(expressions), repeat)


def cpython_ms(expressions, repeat: int) -> list[float]:
    out = []
    for x in expressions:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            render_view(x)
            best = min(best, time.perf_counter() - t)
        out.append(best * 1000)
    return out


def debounce_ms() -> str:
    script = (ROOT / "broadcasting" / "docs" / "playground.js").read_text(encoding="utf-8")
    return script.split("DEBOUNCE_MS = ", 1)[1].split(";", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm", type=int, default=3, help="loads with a warm browser cache")
    parser.add_argument("--repeat", type=int, default=5, help="runs per explanation (min)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = serve(build_site(Path(tmp)))
        url = f"http://127.0.0.1:{server.server_address[1]}/playground.html"
        driver = chromium(str(Path(tmp) / "profile"))
        try:
            cold = first_result_ms(driver, url)
            warm = [first_result_ms(driver, url) for _ in range(args.warm)]
            xs = [x for _, x in examples()]
            in_browser = browser_ms(driver, xs, args.repeat)
        finally:
            driver.quit()
            server.shutdown()
    native = cpython_ms(xs, args.repeat)
    print(f"first result, fresh profile (cold browser cache): {cold / 1000:6.2f} s   (target <= 10 s)")
    print(f"first result, warm browser cache, {args.warm} loads:   min {min(warm) / 1000:.2f} s, "
          f"median {statistics.median(warm) / 1000:.2f} s")
    print(f"each explanation (min of {args.repeat}; the input waits {debounce_ms()} ms of debounce first):")
    print(f"  {'expression':<82} {'Pyodide':>9} {'CPython':>9} {'ratio':>6}")
    for x, b, n in zip(xs, in_browser, native):
        print(f"  {x:<82} {b:7.1f}ms {n:7.2f}ms {b / n:5.1f}x")
    print(f"  median {statistics.median(in_browser):.1f} ms, max {max(in_browser):.1f} ms in the "
          f"browser (target <= 150 ms); median ratio to CPython "
          f"{statistics.median(b / n for b, n in zip(in_browser, native)):.1f}x")


if __name__ == "__main__":
    main()
