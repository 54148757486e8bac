"""Tamper fuzzer: claims edited in a copy of the committed corpus (its manifest updated, as an
outside checker would) must each fail their case (exit 1, the case listed); malformed files and
manifests must be refused with exit 2, naming file and line, in one line without a traceback.

Each run batches many independent edits, one per case, over a full copy of the corpus (a case's
id and seed follow from its line, so copies keep every line)."""
from __future__ import annotations

import copy
import hashlib
import json
import random
import shutil

import pytest

from broadcasting.cli import main
from broadcasting.corpus.files import encode_case

from corpus_helpers import CORPUS

NEIGHBOUR = {"float32": "float64", "float64": "float32", "int32": "int64", "int64": "int32",
             "complex64": "complex128", "complex128": "complex64", "bool": "uint8", "uint8": "bool",
             "int8": "uint8", "float16": "float32"}  # within the corpus dtypes (int16 is none)


def _relabel(eq: str, fn) -> str | None:
    lhs, out = eq.split("->")
    new = fn(lhs.split(","), out)
    return None if new is None or new == eq else new


def _swap_out(terms, out):
    return f"{','.join(terms)}->{out[::-1]}" if len(set(out)) > 1 else None


def _drop_out(terms, out):
    return f"{','.join(terms)}->{out[1:]}" if out else None


def _add_out(terms, out):
    extra = next((c for c in "".join(terms) if c not in out), None)
    return f"{','.join(terms)}->{out}{extra}" if extra else None


def _permute_term(terms, out):
    k = next((k for k, t in enumerate(terms) if len(set(t)) > 1), None)
    if k is None:
        return None
    terms = list(terms)
    terms[k] = terms[k][::-1]
    return f"{','.join(terms)}->{out}"


def _einops_of(eq):
    lhs, out = eq.split("->")
    return ", ".join(" ".join(t) for t in lhs.split(",")) + " -> " + " ".join(out)


def _on_einsum(fn):
    return lambda c: (dict(c, einsum=e) if "einsum" in c and (e := _relabel(c["einsum"], fn)) else None)


def _on_einops(fn):
    def edit(c):
        if "einops" not in c or "einsum" not in c:
            return None
        e = _relabel(c["einsum"], fn)
        return dict(c, einops=_einops_of(e)) if e else None
    return edit


def _on_adjoint(fn):
    def edit(c):
        if "adjoints" not in c:
            return None
        for k, eq in enumerate(c["adjoints"]):
            e = _relabel(eq, fn)
            if e:
                return dict(c, adjoints=c["adjoints"][:k] + [e] + c["adjoints"][k + 1:])
        return None
    return edit


def _result_shape(fn):
    return lambda c: (dict(c, result_shape=r) if "result_shape" in c and (r := fn(c["result_shape"]))
                      is not None and r != c["result_shape"] else None)


def _dtype_key(key):
    return lambda c: (dict(c, **{key: NEIGHBOUR[c[key]]}) if c.get(key) in NEIGHBOUR else None)


def _dtypes(which):
    def edit(c):
        d = c.get("dtypes")
        if not isinstance(d, list) or d[which] not in NEIGHBOUR:
            return None
        d = list(d)
        d[which] = NEIGHBOUR[d[which]]
        return dict(c, dtypes=d)
    return edit


def _uniform_dtypes(c):
    d = c.get("dtypes")
    if not isinstance(d, list) or c["kind"] == "promotion" or d[0] not in NEIGHBOUR:
        return None
    return dict(c, dtypes=[NEIGHBOUR[d[0]]] * len(d))


def _shapes(fn):
    """Another shape for one operand, still broadcastable with the others."""
    def edit(c):
        s = c.get("shapes")
        if not isinstance(s, list) or c["kind"] in ("promotion",):
            return None
        for k, shape in enumerate(s):
            new = fn(list(shape))
            if new is not None and new != shape:
                edited = dict(c, shapes=s[:k] + [new] + s[k + 1:])
                if c["kind"] == "errors" and _still_true(edited):
                    continue
                return edited
        return None
    return edit


def _still_true(case) -> bool:
    """An errors case whose new shapes give the very same exceptions and message (a leading 1
    on an operand the message does not name): a different true case, not a tampered claim —
    the shapes of an errors case are its input, and nothing it claims has changed."""
    from broadcasting.corpus.kinds import errors
    try:
        return errors.message(case["op"], case["shapes"]) == case["message"]
    except Exception:  # the new shapes broadcast: the error claim is now false
        return False


def _stretch(shape):  # a non-1 axis to 1 (broadcasts against anything)
    k = next((k for k, n in enumerate(shape) if n > 1), None)
    return None if k is None else shape[:k] + [1] + shape[k + 1:]


def _op(c):
    swap = {"*": "+", "+": "-", "-": "/", "/": "*", "@": "*"}
    return dict(c, op=swap[c["op"]]) if c.get("op") in swap and c["kind"] != "promotion" else None


def _flip_to_success(c):
    return dict(c, error={lib: "none" for lib in c["error"]}) if "error" in c else None


def _to_error(c):
    if "error" in c or c["kind"] not in ("elementwise", "matmul", "gradients"):
        return None
    return dict(c, error={"numpy": "ValueError", "bc": "BroadcastError", "torch": "RuntimeError"})


def _programs(key, fn):
    return lambda c: dict(c, **{key: fn(copy.deepcopy(c[key]))}) if c["kind"] == "programs" else None


#: name -> edit (a case -> the tampered case, or None where the edit does not apply)
EDITS = {
    "einsum: output labels swapped": _on_einsum(_swap_out),
    "einsum: output label dropped": _on_einsum(_drop_out),
    "einsum: output label added": _on_einsum(_add_out),
    "einsum: operand term permuted": _on_einsum(_permute_term),
    "einops: output swapped": _on_einops(_swap_out),
    "einops: operand term permuted": _on_einops(_permute_term),
    "adjoints: output swapped": _on_adjoint(_swap_out),
    "adjoints: operand term permuted": _on_adjoint(_permute_term),
    "adjoints: reversed": lambda c: (dict(c, adjoints=c["adjoints"][::-1])
                                     if "adjoints" in c and len(set(c["adjoints"])) > 1 else None),
    "index: op symbol": lambda c: (dict(c, index=c["index"].replace(" * ", " + ", 1))
                                   if " * " in c.get("index", "") else None),
    "result_shape: wrong size": _result_shape(lambda r: [r[0] + 1] + r[1:] if r else None),
    "result_shape: extra axis": _result_shape(lambda r: [1] + r),
    "result_shape: missing axis": _result_shape(lambda r: r[1:] if r else None),
    "numpy_dtype: neighbour": _dtype_key("numpy_dtype"),
    "torch_dtype: neighbour": _dtype_key("torch_dtype"),
    "dtypes: first operand": _dtypes(0),
    "dtypes: last operand": _dtypes(-1),
    "dtypes: all operands": _uniform_dtypes,
    "shapes: an axis stretched from 1": _shapes(_stretch),
    "shapes: a leading 1 added": _shapes(lambda s: [1] + s if len(s) < 6 else None),
    "shapes: a leading 1 dropped": _shapes(lambda s: s[1:] if s and s[0] == 1 else None),
    "op: changed": _op,
    "seed: changed": lambda c: dict(c, seed=c["seed"] + 1),
    "error: flipped to success": _flip_to_success,
    "error: one library": lambda c: dict(c, error=dict(c["error"], numpy="TypeError")) if "error" in c else None,
    "error: success flipped to error": _to_error,
    "message: changed": lambda c: dict(c, message=c["message"] + ".") if "message" in c else None,
    "forms: array to 0-d": lambda c: (dict(c, forms=["0-d" if f == "array" else f for f in c["forms"]])
                                      if "array" in c.get("forms", []) else None),
    "id: renamed": lambda c: dict(c, id=c["id"] + "0"),
    "extra claim key": lambda c: dict(c, result_dtype="float64"),
    "programs: hidden size": _programs("network", lambda n: dict(n, hidden=n["hidden"] + 1)),
    "programs: library": _programs("library", lambda v: "torch" if v == "numpy" else "numpy"),
    "programs: dtype": _programs("dtype", lambda v: NEIGHBOUR[v]),
    "programs: grad_shapes": _programs("grad_shapes", lambda g: dict(g, wout=g["wout"] + [1])),
    "programs: jacobian": _programs("jacobian", lambda j: j.replace("δ[k,l]", "δ[l,k]")),
    "programs: batch_einsum": _programs("batch_einsum", lambda e: None if e else "bi,bj->ij"),
    "programs: routes": _programs("routes", lambda r: r[:-1]),
}


def _lines():
    return {p.name: p.read_text().splitlines() for p in sorted(CORPUS.glob("*.jsonl"))}


def plan(per_edit: int, seed: int = 0) -> dict:
    """``{(file, line index): (edit name, tampered case)}``: for each edit and each kind it
    applies to, ``per_edit`` random cases, each case edited at most once."""
    rng = random.Random(seed)
    chosen: dict = {}
    files = _lines()
    for name, edit in EDITS.items():
        for fname, lines in files.items():
            order = list(range(len(lines)))
            rng.shuffle(order)
            got = 0
            for i in order:
                if got == per_edit:
                    break
                if (fname, i) in chosen:
                    continue
                case = json.loads(lines[i])
                new = edit(copy.deepcopy(case))
                if new is not None and new != case:
                    chosen[(fname, i)] = (name, case["id"], new)
                    got += 1
    return chosen


def write_copy(directory, lines_by_file: dict, manifest_edit=None):
    """A copy of the committed corpus with these lines, its manifest updated (sha256, counts)."""
    shutil.copytree(CORPUS, directory)
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    for fname, lines in lines_by_file.items():
        data = "".join(line + "\n" for line in lines).encode() if isinstance(lines, list) else lines
        (directory / fname).write_bytes(data)
        manifest["files"][fname] = {"cases": data.count(b"\n"), "sha256": hashlib.sha256(data).hexdigest()}
    text = json.dumps(manifest, indent=2)
    (directory / "MANIFEST.json").write_text(manifest_edit(text) if manifest_edit else text)
    return directory


def run_json(capsys, directory):
    code = main(["corpus", "run", "--corpus", str(directory), "--json", "-j", "2"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code in (0, 1) else None), out.err


def _fuzz(capsys, tmp_path, per_edit, seed=0):
    chosen = plan(per_edit, seed)
    files = _lines()
    for (fname, i), (_, _, new) in chosen.items():
        files[fname][i] = encode_case(new)
    code, report, err = run_json(capsys, write_copy(tmp_path / "c", files))
    assert code == 1, err
    failed = {f["id"] for f in report["failures"]}
    missed = sorted(f"{name}: {case_id}" for name, case_id, new in chosen.values()
                    if new["id"] not in failed)
    assert missed == []
    assert failed == {new["id"] for _, _, new in chosen.values()}  # nothing else fails
    return chosen


def test_every_edit_applies_to_some_kind_and_every_kind_is_edited():
    chosen = plan(1)
    assert {name for name, _, _ in chosen.values()} == set(EDITS)
    assert {f for f, _ in chosen} == set(_lines())


def test_tampered_claims_each_fail_their_case(capsys, tmp_path):
    chosen = _fuzz(capsys, tmp_path, per_edit=2)
    assert len(chosen) > 100


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tampered_claims_sweep(capsys, tmp_path, seed):
    _fuzz(capsys, tmp_path, per_edit=8, seed=seed)


def _bad_line(capsys, tmp_path, fname, lineno, line=None, data=None):
    files = _lines()
    if data is None:
        files[fname][lineno - 1] = line
        data = files[fname]
    code, _, err = run_json(capsys, write_copy(tmp_path / "c", {fname: data}))
    return code, err


def _one_line_refusal(code, err, where):
    assert code == 2
    assert where in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


MALFORMED = {
    "truncated": lambda line: line[: len(line) // 2],
    "not an object": lambda line: json.dumps(json.loads(line)["shapes"]),
    "a string": lambda line: '"case"',
    "missing id": lambda line: encode_case({k: v for k, v in json.loads(line).items() if k != "id"}),
    "missing seed": lambda line: encode_case({k: v for k, v in json.loads(line).items() if k != "seed"}),
    "seed a string": lambda line: encode_case(dict(json.loads(line), seed="7")),
    "shapes a string": lambda line: encode_case(dict(json.loads(line), shapes="2,3")),
    "a negative size": lambda line: encode_case(dict(json.loads(line), shapes=[[-2, 3], [3]])),
    "a size not an int": lambda line: encode_case(dict(json.loads(line), shapes=[[2.5, 3], [3]])),
    "dtypes not a list": lambda line: encode_case(dict(json.loads(line), dtypes="float64")),
    "unknown dtype": lambda line: encode_case(dict(json.loads(line), dtypes=["float64", "float99"])),
    "missing shapes": lambda line: encode_case({k: v for k, v in json.loads(line).items() if k != "shapes"}),
    "kind of another file": lambda line: encode_case(dict(json.loads(line), kind="matmul")),
    "blank": lambda line: "",
    "two cases on one line": lambda line: line + ", " + line,
    "a line of whitespace": lambda line: "  ",
    "NaN": lambda line: line.replace('"seed":', '"x":NaN,"seed":', 1),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_line_is_exit_2_with_file_and_line(capsys, tmp_path, name):
    line = _lines()["elementwise.jsonl"][6]
    code, err = _bad_line(capsys, tmp_path, "elementwise.jsonl", 7, MALFORMED[name](line))
    _one_line_refusal(code, err, "elementwise.jsonl:7")


def test_duplicate_id_is_exit_2_with_file_and_line(capsys, tmp_path):
    files = _lines()
    lines = files["errors.jsonl"]
    lines[4] = encode_case(dict(json.loads(lines[4]), id=json.loads(lines[1])["id"]))
    code, _, err = run_json(capsys, write_copy(tmp_path / "c", {"errors.jsonl": lines}))
    _one_line_refusal(code, err, "errors.jsonl:5")


@pytest.mark.parametrize("how", ["bom", "crlf"])
def test_bom_and_crlf_are_refused_with_file_and_line(capsys, tmp_path, how):
    lines = _lines()["matmul.jsonl"]
    text = "".join(line + ("\r\n" if how == "crlf" else "\n") for line in lines)
    data = (b"\xef\xbb\xbf" if how == "bom" else b"") + text.encode()
    code, _, err = run_json(capsys, write_copy(tmp_path / "c", {"matmul.jsonl": data}))
    _one_line_refusal(code, err, "matmul.jsonl:1")


@pytest.mark.parametrize("edit,where", [
    (lambda t: t[:-5], "MANIFEST.json"),
    (lambda t: "[]", "MANIFEST.json"),
    (lambda t: json.dumps(dict(json.loads(t), files={k: v for k, v in json.loads(t)["files"].items()
                                                      if k != "matmul.jsonl"})), "matmul.jsonl"),
    (lambda t: json.dumps(dict(json.loads(t), seed="0")), "seed"),
    (lambda t: json.dumps({k: v for k, v in json.loads(t).items() if k != "seed"}), "seed"),
])
def test_bad_manifest_is_exit_2(capsys, tmp_path, edit, where):
    code, _, err = run_json(capsys, write_copy(tmp_path / "c", {}, manifest_edit=edit))
    _one_line_refusal(code, err, where)
