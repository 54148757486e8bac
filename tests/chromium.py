"""Headless Chromium for the docs' browser tests: what is missing, a loud skip, one driver,
the console's errors (shared by test_docs_browser and test_docs_playground_browser)."""
from __future__ import annotations

import shutil
import sys
import warnings

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run")


def missing(modules=("selenium", "mkdocs", "material")) -> str | None:
    """Why the browser tests cannot run here (a program or Python package missing), or None."""
    for exe in ("chromium", "chromedriver"):
        if shutil.which(exe) is None:
            return f"{exe} is not installed (apt-get install chromium chromium-driver; see .ci/install-browser)"
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            return f"python package {module} is missing (pip install '.[test]')"
    return None


def skip_loudly(reason: str, what: str = "BROWSER TEST NOT RUN"):
    message = f"{what}: {reason}"
    warnings.warn(message)
    print(message, file=sys.stderr)
    pytest.skip(message)


def start(profile_dir, *arguments: str):
    """A headless Chromium driver with a fresh profile, its console logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in FLAGS + arguments:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile_dir}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.set_page_load_timeout(60)
    return driver


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
