"""A notebook's code cells as Python: IPython syntax (``!ls``, ``x = !ls``, ``%time``,
``np.ones?``, ``%%bash``, ``%%writefile``) is turned into the calls IPython itself makes, by
IPython's own input transformer; a cell without such syntax is left byte for byte.

>>> plain_python("x = 1\\n")
'x = 1\\n'
>>> plain_python("files = !ls\\n")
"files = get_ipython().getoutput('ls')\\n"
"""
from __future__ import annotations

import json

from ..errors import UsageError

__all__ = ["code_cells", "plain_python", "ipython_shell"]


def code_cells(path) -> list[str]:
    """The sources of the code cells of the notebook at ``path``, in order."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(f"cannot read notebook {path}: {err}") from None
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == "code"]


def plain_python(source: str, namespace: dict | None = None) -> str:
    """``source`` as Python. When IPython syntax had to be transformed and ``namespace`` is
    given, an IPython shell whose namespace it is answers ``get_ipython()``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython: plain cells run, others fail with their SyntaxError
        return source
    transformed = TransformerManager().transform_cell(source)
    if transformed.rstrip("\n") == source.rstrip("\n"):
        return source
    if namespace is not None and "get_ipython" not in namespace:
        ipython_shell(namespace)
    return transformed


def ipython_shell(namespace: dict):
    """An IPython shell running in ``namespace`` (so ``%who``, ``x?`` and ``!cmd`` see it)."""
    import sys
    from IPython.core.interactiveshell import InteractiveShell
    module = sys.modules.get(namespace.get("__name__", "__main__"))
    if module is not None and module.__dict__ is namespace:
        shell = InteractiveShell(user_module=module)
    else:
        shell = InteractiveShell(user_ns=namespace)
    # display set-up means nothing outside a kernel (and needs matplotlib): a no-op here
    shell.register_magic_function(lambda line="": None, "line", "matplotlib")
    namespace["get_ipython"] = lambda: shell
    return shell
