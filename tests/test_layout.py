"""The package's layout: no import cycles (lazy imports and ``importlib`` strings included), no
``_private`` name imported from another module, core modules never import a feature package,
and ``import broadcasting`` loads the core only (no numpy, torch, libcst, tracer or features).

The graph is read from the source with ``ast`` (the logic of the project's
``tools/import_graph.py``, kept here so that the test needs nothing beside the checkout)."""
import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "broadcasting"

#: modules below ``trace`` (``shapes -> plan -> notation / explicit -> explain``) and the tables
#: they share; they import nothing above them
CORE = ("errors", "shapes", "ops", "equation", "labels", "plan", "backends", "notation",
        "explicit", "diagram", "jacobian", "explain")
#: the feature packages, above ``trace``; ``cli`` above them all
FEATURES = ("trace", "runner", "output", "rewrite", "audit", "derive", "corpus", "docs", "examples", "cli",
            "cli_help", "__main__")


def _modules(pkg: Path) -> dict:
    mods = {}
    for path in sorted(pkg.rglob("*.py")):
        parts = ["broadcasting", *path.relative_to(pkg).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _owner(name: str, mods: dict) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _resolve(mod: str, level: int, name: str | None, is_pkg: bool) -> str:
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports_of(mod: str, path: Path, mods: dict):
    """(imported module, private name or None, line) for every import in ``mod``."""
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            src = _resolve(mod, node.level, node.module, is_pkg) if node.level else (node.module or "")
            if not src.startswith("broadcasting"):
                continue
            for alias in node.names:
                full = f"{src}.{alias.name}"
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                yield (_owner(full if full in mods else src, mods),
                       alias.name if private and full not in mods else None, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("broadcasting"):
                    yield _owner(alias.name, mods), None, node.lineno
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                in ("import_module", "__import__"):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    name = arg.value
                    if name.startswith("."):
                        name = _resolve(mod, len(name) - len(name.lstrip(".")), name.lstrip("."), is_pkg)
                    if name.startswith("broadcasting"):
                        yield _owner(name, mods), None, node.lineno


def _graph(pkg: Path = PKG):
    mods = _modules(pkg)
    edges, private = {}, []
    for mod, path in mods.items():
        out = edges.setdefault(mod, set())
        for target, name, line in _imports_of(mod, path, mods):
            if target is None or target == mod:
                continue
            if not target.startswith(mod + "."):  # a package re-exporting its children
                out.add(target)
            if name is not None:
                private.append(f"{path.relative_to(pkg.parent)}:{line} imports {name} from {target}")
    return edges, private


def _cycles(edges: dict) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            strong(v)
    return out


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycles():
    edges, _ = _graph()
    assert _cycles(edges) == []


def test_no_private_name_is_imported_from_another_module():
    _, private = _graph()
    assert private == []


def test_core_modules_import_no_feature_package():
    edges, _ = _graph()
    upward = [f"{m} -> {t}" for m, targets in edges.items() if _top(m) in CORE
              for t in targets if _top(t) not in CORE]
    assert upward == []


def test_every_module_is_placed_in_the_layers():
    edges, _ = _graph()
    unplaced = sorted({_top(m) for m in edges} - set(CORE) - set(FEATURES) - {""})
    assert unplaced == []


def test_the_graph_sees_lazy_imports_importlib_strings_and_private_names(tmp_path):
    # the checks above would pass vacuously if the graph missed what they are about
    pkg = tmp_path / "broadcasting"
    (pkg / "feature").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("def f():\n    from .feature.cli import _helper\n")
    (pkg / "feature" / "__init__.py").write_text("")
    (pkg / "feature" / "cli.py").write_text(
        "import importlib\n_helper = 1\nimportlib.import_module('broadcasting.core')\n")
    edges, private = _graph(pkg)
    assert _cycles(edges) == [["broadcasting.core", "broadcasting.feature.cli"]]
    assert private == ["broadcasting/core.py:2 imports _helper from broadcasting.feature.cli"]


HEAVY = ("numpy", "torch", "libcst", "broadcasting.trace", "broadcasting.audit",
         "broadcasting.rewrite", "broadcasting.corpus", "broadcasting.docs")


def test_import_broadcasting_loads_the_core_only():
    code = f"import sys, broadcasting\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], check=True, cwd=PKG.parent,
                         capture_output=True, text=True)
    assert run.stdout.strip() == "[]"
    import broadcasting as bc
    assert bc.strict.__module__ == "broadcasting.audit.strict"
    assert bc.audit_source.__module__ == "broadcasting.audit.judge"


def test_the_runners_child_imports_the_recorders_not_the_judge():
    """The audit's child process selects its call recorders from ``audit.recorders``: importing
    it (and the ``audit`` package) loads neither the judge nor the report (start-up time)."""
    code = ("import sys, broadcasting.audit.recorders, broadcasting.runner.child\n"
            "print(sorted(m for m in ('broadcasting.audit.judge', 'broadcasting.audit.report', "
            "'numpy', 'torch') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], check=True, cwd=PKG.parent,
                         capture_output=True, text=True)
    assert run.stdout.strip() == "[]"
    from broadcasting import audit
    assert audit.AuditReport.__module__ == "broadcasting.audit.report"
    assert "audit_source" in dir(audit)
