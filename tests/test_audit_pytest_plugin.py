"""The pytest plugin (``--broadcasting=audit|strict-outer``), run with ``pytester``."""
import pathlib
import subprocess
import sys
import tomllib

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "broadcasting.audit.pytest_plugin"


def _installed() -> bool:
    """Whether the installed package registers the plugin (its pytest11 entry point): then
    pytest loads it by itself, and ``-p`` would register it a second time."""
    from importlib.metadata import entry_points
    return any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))


#: how a pytester run gets the plugin: by its entry point once installed, else by ``-p``
PLUGIN_ARGS = () if _installed() else ("-p", PLUGIN)
TESTS = '''
import torch

def test_bug():
    pred, y = torch.ones(4, 1), torch.ones(4)
    assert ((pred - y) ** 2).mean() == 0

def test_clean_idioms():
    x, b = torch.ones(4, 4), torch.ones(4)
    scores, mask = torch.zeros(2, 2, 3, 3), torch.ones(2, 1, 1, 3)
    lengths = torch.tensor([1, 3])
    assert (x + b).shape == (4, 4)
    assert (scores + mask).shape == (2, 2, 3, 3)
    assert (torch.arange(3)[None, :] < lengths[:, None]).sum() == 4
'''


def _run(pytester, *args):
    pytester.makepyfile(test_model=TESTS)
    return pytester.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", *args)


def test_audit_reports_findings_per_test_and_fails_the_run(pytester):
    result = _run(pytester, "--broadcasting=audit")
    result.assert_outcomes(passed=2)
    assert result.ret == 1
    text = result.stdout.str()
    section = text[text.index("broadcasting audit"):]
    assert "test_model.py::test_bug" in section and "test_clean_idioms" not in section
    assert "test_model.py:5:14: warning [accidental-outer-product] shapes (4, 1), (4,)" in section
    assert "fix: if elementwise was meant, use pred[:, 0]" in section
    assert "1 broadcasting warning in 1 test" in section


def test_audit_of_clean_tests_passes(pytester):
    result = _run(pytester, "--broadcasting=audit", "-k", "clean")
    result.assert_outcomes(passed=1, deselected=1)
    assert result.ret == 0
    assert "0 broadcasting warnings in 0 tests" in result.stdout.str()


def test_strict_outer_fails_the_buggy_test_only(pytester):
    result = _run(pytester, "--broadcasting=strict-outer")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_model.py::test_bug - *BroadcastError*"])


def test_off_unless_asked_for(pytester):
    result = _run(pytester)
    result.assert_outcomes(passed=2)
    assert result.ret == 0 and "broadcasting audit" not in result.stdout.str()


def test_bad_choice_is_a_usage_error(pytester):
    result = _run(pytester, "--broadcasting=loud")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "invalid choice: 'loud'" in result.stderr.str()


def test_entry_point_declared_in_pyproject():
    root = pathlib.Path(__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"broadcasting": PLUGIN}


def test_importing_the_plugin_imports_no_torch():
    code = f"import sys, {PLUGIN}\nassert 'torch' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=pathlib.Path(__file__).parent.parent)
