"""Everything the package and the default test run import is declared in pyproject.toml (a fresh
machine runs ``pip install ".[test]" && pytest``: nothing installed by hand may be needed)."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the package and the test modules themselves (a test may import helpers of another)
LOCAL = {"broadcasting"} | {path.stem for path in ROOT.glob("tests/*.py")}


def _top_level_imports(paths) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    return {_normal(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in specs}


def test_every_imported_distribution_is_declared():
    files = [*ROOT.glob("tests/*.py"), *ROOT.glob("broadcasting/**/*.py")]
    modules = _top_level_imports(files) - LOCAL - set(sys.stdlib_module_names) - {"__future__"}
    owners = packages_distributions()
    missing = {}
    for module in sorted(modules):
        dists = {_normal(d) for d in owners.get(module, [module])}
        if not dists & _declared():
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_check_sees_an_undeclared_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import IPython\nfrom numpy import ones\nimport os\n")
    assert _top_level_imports([probe]) == {"IPython", "numpy", "os"}
    assert "ipython" in _declared() and "numpy" in _declared()
