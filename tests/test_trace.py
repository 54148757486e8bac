"""The tracer: sites, positions, recorded operands, same results as the untraced program."""
import numpy as np
import pytest
import torch

from broadcasting.trace import instrument, trace_source

SOURCE = '''
import numpy as np
x = np.ones(3, dtype=np.float32)
W = np.ones((2, 3))
y = x * W * 2.0   # chain
s = "=" * 3
z = [w * 2 for w in (x, W)]
f = lambda a: a @ W.T
q = f(x)
v = x
x *= np.float32(3)
c = (x < 2) == (x  >  1)
é = 1; t = é * x
'''


def test_sites_positions_and_operands():
    t = trace_source(SOURCE)
    got = [(s.op, s.line, s.col, s.op_line, s.op_col, s.text) for s in t.sites]
    assert got[:3] == [("*", 5, 5, 5, 11, "x * W * 2.0"), ("*", 5, 5, 5, 7, "x * W"),
                       ("*", 6, 5, 6, 9, '"=" * 3')]
    assert got[-1] == ("*", 13, 12, 13, 14, "é * x")  # columns count characters, not bytes
    inner = t.sites[1].executions
    assert [(e.left.shape, e.left.dtype, e.right.shape) for e in inner] == [((3,), "float32", (2, 3))]
    assert t.sites[3].counts and sum(t.sites[3].counts.values()) == 2
    assert t.sites[2].executions[0].left.kind == "other"


def test_same_values_and_in_place_semantics():
    plain, traced = {}, {}
    exec(SOURCE, plain)
    trace_source(SOURCE, traced)
    for name in ("y", "q", "x", "c", "t"):
        np.testing.assert_array_equal(plain[name], traced[name])
        assert plain[name].dtype == traced[name].dtype
    assert traced["v"] is traced["x"] and traced["v"][0] == 3  # `x *= …` stayed in place
    augmented = [s for s in trace_source(SOURCE).sites if s.augmented]
    assert [(s.op, s.op_col) for s in augmented] == [("*", 3)]


def test_torch_and_numbers():
    t = trace_source("c = a * b + 1.5\nd = np.float64(2) * a", {"a": torch.ones(2, 1), "b": torch.ones(3),
                                                                "np": np})
    mul = next(s for s in t.sites if s.text == "a * b")
    e = mul.executions[0]
    assert (e.left.kind, e.left.shape, e.right.shape) == ("torch", (2, 1), (3,))
    assert t.sites[-1].executions[0].left.kind == "number"  # numpy scalars are numbers
    assert t.namespace["c"].shape == (2, 3)


def test_never_ran_and_errors_keep_line_numbers():
    t = trace_source("def f(a, b):\n    return a * b\n")
    assert not t.sites[0].ran
    with pytest.raises(ValueError) as info:
        trace_source("import numpy as np\n\nnp.ones(2) * np.ones(3)\n")
    program_frames = [e for e in info.traceback if e.frame.code.raw.co_filename == "<traced>"]
    assert [e.lineno + 1 for e in program_frames] == [3]  # the program's own line, not shifted
    with pytest.raises(SyntaxError):
        instrument("a = (1 *\n")


def test_executions_are_cached_per_operand_kind_shape_and_dtype():
    from broadcasting.trace import Execution, Operand
    src = "for x in xs:\n    y = x * w\n"
    xs = [np.ones(3, np.float32), np.ones(3, np.float32), np.ones(3), np.ones(3, np.int64), np.ones((2, 3), np.float32)]
    t = trace_source(src, {"xs": xs, "w": np.ones(3, np.float32)})
    counts = t.sites[0].counts
    assert list(counts.values()) == [2, 1, 1, 1]
    f32 = Operand("numpy", "ndarray", (3,), "float32")
    fresh = Execution(f32, f32)
    assert fresh in counts and hash(fresh) == hash(next(iter(counts))) and counts[fresh] == 2
    assert [e.left.dtype for e in counts] == ["float32", "float64", "int64", "float32"]
    assert Execution(f32, f32) != Execution(f32, Operand("number", "int"))


CALLS = '''
import sys
class Base:
    def who(self):
        return "base"
class Child(Base):
    def who(self):
        return "child of " + super().who()
def here():
    frame = sys._getframe()
    a = 2
    return sorted(locals()), frame.f_code.co_name
order = []
def f(tag):
    order.append(tag)
    return lambda *args: order.append(("call", args))
f("callee")(f("arg") and 1, len([1,
                                 2]))
who = Child().who()
names, frame_name = here()
'''


def test_callee_filter_sees_each_call_and_changes_nothing():
    """``instrument(callee_name=…)``: every call's callee passes through the filter first; the
    call is still made from the program's frame (zero-argument ``super()``, ``locals()``,
    ``sys._getframe()``), the callee is evaluated before the arguments, and a call keeps its
    position (``co_positions``: what the audit's reduction recorder keys on)."""
    from broadcasting.trace import CALLEE_NAME, run_traced
    seen = []
    code, sites = instrument(CALLS, "<calls>", callee_name=CALLEE_NAME)
    ns = run_traced(code, sites, {CALLEE_NAME: lambda f: seen.append(f) or f})
    plain = {}
    exec(compile(CALLS, "<calls>", "exec"), plain)
    for name in ("who", "names", "frame_name", "order"):
        assert ns[name] == plain[name]
    assert ns["who"] == "child of base" and ns["names"] == ["a", "frame"]
    assert ns["order"] == ["callee", "arg", ("call", (1, 2))]
    assert len in seen and ns["here"] in seen and ns["Child"] in seen
    assert super not in seen  # super() is left as written

    def call_positions(code):
        out = set()
        for const in code.co_consts:
            if hasattr(const, "co_positions"):
                out |= call_positions(const)
        import dis
        for ins in dis.get_instructions(code):
            if ins.opname == "CALL":
                out.add((ins.positions.lineno, ins.positions.col_offset,
                         ins.positions.end_lineno, ins.positions.end_col_offset))
        return out

    plain_calls = call_positions(compile(CALLS, "<calls>", "exec"))
    assert plain_calls <= call_positions(code)  # every call of the program is where it was
