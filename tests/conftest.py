"""Helpers shared by the test modules (fixtures pytest finds by name), and the folders of
programs that are data, not test modules: the programs the audit runs (tests/test_audit.py) and
the rewriter's round trips (tests/test_rewrite_programs.py) must not be executed by pytest (or
its --doctest-modules import) at collection time."""
import einops
import numpy as np
import pytest
import torch

from broadcasting.equation import parse_equation

collect_ignore_glob = ["audit_programs/bug_*.py", "audit_programs/clean_*.py",
                       "rewrite_programs/np_*.py", "rewrite_programs/torch_*.py"]


@pytest.fixture
def einsum_calls(monkeypatch):
    """Every einsum/outer call the rewritten program makes, checked by ``parse_equation``."""
    calls = []
    real = {"np": np.einsum, "torch": torch.einsum, "einops": einops.einsum,
            "np.outer": np.outer, "torch.outer": torch.outer}

    def check(equation, operands):
        parse_equation(equation, tuple(tuple(x.shape) for x in operands))
        calls.append(equation)

    def wrap(name, to_equation):
        def run(*args, **kwargs):
            equation, operands = to_equation(args)
            check(equation, operands)
            return real[name](*args, **kwargs)
        return run

    def einops_equation(args):
        ins, out = args[-1].split("->")
        eq = ",".join(t.replace(" ", "") for t in ins.split(",")) + "->" + out.replace(" ", "")
        return eq, args[:-1]

    monkeypatch.setattr(np, "einsum", wrap("np", lambda a: (a[0], a[1:])))
    monkeypatch.setattr(torch, "einsum", wrap("torch", lambda a: (a[0], a[1:])))
    monkeypatch.setattr(einops, "einsum", wrap("einops", einops_equation))
    monkeypatch.setattr(np, "outer", wrap("np.outer", lambda a: ("i,j->ij", a)))
    monkeypatch.setattr(torch, "outer", wrap("torch.outer", lambda a: ("i,j->ij", a)))
    return calls
