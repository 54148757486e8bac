"""broadcasting derive: prints the backward function, --check compares with autograd, exit codes."""
import subprocess
import sys
import textwrap

import pytest

from broadcasting.cli import main

NET = """
import torch


def loss(x, W, wout, t):
    h = x @ W
    hact = torch.relu(h)
    score = hact @ wout
    prob = torch.sigmoid(score)
    return (prob - t) ** 2


def mlp(C, W, X, Y):
    emb = C[X].reshape(X.shape[0], -1)
    logits = torch.tanh(emb @ W)
    return torch.nn.functional.cross_entropy(logits, Y)


def scan(x):
    return torch.cumsum(x, 0).sum()
"""

NUMPY = """
import numpy as np


def norm(x, g):
    c = x - x.mean(axis=-1, keepdims=True)
    return (g * c / np.sqrt((c ** 2).mean(axis=-1, keepdims=True) + 1e-5)).sum()
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "net.py").write_text(NET)
    (tmp_path / "ln.py").write_text(NUMPY)
    return tmp_path


def test_prints_the_backward_function_and_checks(files, capsys):
    rc = main(["derive", str(files / "net.py"), "loss", "--shape", "x=2", "--shape", "W=2,3",
               "--shape", "wout=3", "--shape", "t=1", "--check"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "def loss_backward(grad_out, x, W, wout, t):" in out
    assert 'dW = torch.einsum("i,j->ij", x, dh)' in out
    assert "# check: largest difference from torch autograd" in out and "within 1e-10" in out
    namespace = {}
    exec(out, namespace)
    assert callable(namespace["loss_backward"])


def test_integer_arguments_and_cross_entropy(files, capsys):
    rc = main(["derive", str(files / "net.py"), "mlp", "--shape", "C=5,2", "--shape", "W=6,5",
               "--shape", "X=4,3", "--int", "X=5", "--shape", "Y=4", "--int", "Y=5", "--check"])
    out = capsys.readouterr().out
    assert rc == 0 and "index_put_" in out and "one_hot(Y, 5)" in out


def test_numpy_file_einops_style_checked_by_replay(files, capsys):
    rc = main(["derive", str(files / "ln.py"), "norm", "--shape", "x=3,4", "--shape", "g=4",
               "--style", "einops", "--check"])
    out = capsys.readouterr().out
    assert rc == 0 and "import numpy as np" in out and "einops.einsum(" in out


def test_native_style(files, capsys):
    rc = main(["derive", str(files / "net.py"), "loss", "--shape", "x=4,2", "--shape", "W=2,3",
               "--shape", "wout=3", "--shape", "t=4", "--style", "native", "--check"])
    out = capsys.readouterr().out
    assert rc == 0 and 'dW = x.T @ dh  # einsum "bi,bj->ij"' in out


def test_a_difference_exits_1(files, capsys):
    rc = main(["derive", str(files / "net.py"), "loss", "--shape", "x=2", "--shape", "W=2,3",
               "--shape", "wout=3", "--shape", "t=1", "--check", "--tolerance", "-1"])
    assert rc == 1 and "ABOVE" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["net.py", "scan", "--shape", "x=3"], "cumsum at "),
    (["net.py", "loss", "--shape", "x=2"], "give --shape for W, wout, t"),
    (["net.py", "nothing"], "defines no function 'nothing'"),
    (["missing.py", "loss"], "no such file"),
    (["net.py", "loss", "--shape", "x=2,a"], "expected NAME=SIZES"),
    (["net.py", "loss", "--shape", "x=2", "--shape", "W=3,3", "--shape", "wout=3",
      "--shape", "t=1"], "loss raised RuntimeError on the given shapes"),
    (["net.py", "loss", "--shape", "x=2", "--shape", "W=2,3", "--shape", "wout=3",
      "--shape", "t=1", "--wrt", "v"], "wrt='v'"),
])
def test_bad_input_exits_2_with_one_line(files, capsys, argv, message):
    argv = [str(files / argv[0])] + argv[1:]
    assert main(["derive"] + argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_help_has_an_example():
    out = subprocess.run([sys.executable, "-m", "broadcasting", "derive", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "broadcasting derive net.py loss --shape x=2" in out
