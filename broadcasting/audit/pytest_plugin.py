"""The pytest plugin: run a test suite under the audit or under ``strict("outer")``.

- ``pytest --broadcasting=audit``: every test runs with torch's operations watched (operators,
  functions, losses, ``expand_as``, distributions' broadcasts, anywhere in the tested code);
  each finding the audit would warn about is listed per test in the terminal summary
  (file:line:col, kind, shapes, fix) and the run fails (exit status 1) when there is one.
  The tests themselves pass or fail as usual.
- ``pytest --broadcasting=strict-outer``: every test runs inside ``bc.strict("outer")``: a
  test that broadcasts by mistake fails with the BroadcastError.

Registered through the ``pytest11`` entry point (``broadcasting = "broadcasting.audit.pytest_plugin"``)
and off unless asked for. Importing this module imports neither torch nor the audit.
numpy operators are not seen here (numpy has no hook for them): ``broadcasting audit FILE.py``
traces them in a program.
"""
from __future__ import annotations

import pytest

CHOICES = ("audit", "strict-outer")
_FOUND = pytest.StashKey[dict]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("broadcasting", "silent broadcasting bugs (broadcasting package)")
    group.addoption("--broadcasting", choices=CHOICES, default=None, dest="broadcasting",
                    help="audit: report the audit's warnings per test and fail the run on "
                         "one; strict-outer: run every test inside bc.strict('outer')")


def pytest_configure(config) -> None:
    config.stash[_FOUND] = {}


def _guard(config):
    choice = config.getoption("broadcasting", None)
    if choice is None:
        return None, None
    from .strict import collecting, strict
    if choice == "strict-outer":
        return strict("outer"), None
    found: list = []
    return collecting(found), found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    guard, found = _guard(item.config)
    if guard is None:
        yield
        return
    with guard:
        yield
    if found:
        item.config.stash[_FOUND].setdefault(item.nodeid, []).extend(found)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    found = config.stash.get(_FOUND, {})
    if config.getoption("broadcasting", None) != "audit":
        return
    terminalreporter.section("broadcasting audit")
    for nodeid, items in found.items():
        terminalreporter.write_line(nodeid)
        for live in dict.fromkeys(items):
            f = live.finding
            terminalreporter.write_line(f"  {live.filename}:{f.line}:{f.col}: warning [{f.kind}] "
                                        f"shapes {', '.join(map(str, f.shapes))}: {f.message}")
            terminalreporter.write_line(f"    fix: {f.suggestion}")
    count = sum(len(dict.fromkeys(v)) for v in found.values())
    terminalreporter.write_line(f"{count} broadcasting warning{'s' * (count != 1)} in "
                                f"{len(found)} test{'s' * (len(found) != 1)}")


def pytest_sessionfinish(session, exitstatus) -> None:
    if session.config.getoption("broadcasting", None) == "audit" and \
            session.config.stash.get(_FOUND, {}) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
