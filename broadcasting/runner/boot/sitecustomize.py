"""Put on ``PYTHONPATH`` by ``broadcasting rewrite/audit --run CMD``: every Python process the
command starts traces the named files (``broadcasting.runner.child.install_from_env``). The
package is imported from the folder named in ``BROADCASTING_PACKAGE_ROOT``, which is then taken
off ``sys.path`` again (the program sees its own path), and the ``sitecustomize`` this one
shadows (if any) still runs."""
import importlib.machinery
import importlib.util
import os
import sys


def _run_shadowed() -> None:
    """Run the ``sitecustomize`` this file shadows, if there is one (this module stays the one
    in ``sys.modules``: the import of it is still in progress)."""
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def _install() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.environ.get("BROADCASTING_PACKAGE_ROOT", "")
    sys.path.insert(0, root)
    try:
        from broadcasting.runner.child import install_from_env
    except ImportError:  # another interpreter that cannot import the package: run untraced
        install_from_env = None
    finally:
        sys.path.remove(root)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    _run_shadowed()
    if install_from_env is not None:
        install_from_env()


if __name__ == "sitecustomize":  # as Python's site hook only (not when a tool imports the file)
    _install()
