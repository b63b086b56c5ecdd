"""Fuzzing what the grader reads from students (issue 22): the reply protocol (arbitrary JSON where a probe's value
belongs, arbitrary bytes on the result pipe) and the submission parser (arbitrary bytes, mutated real notebooks and
zips). Each property: the grader never raises anything but its own Ungradable, and stays fast. Example counts are
kept small so the file runs in seconds (LMCOURSE_FUZZ_EXAMPLES raises them); Hypothesis's database replays any failure
it finds."""

from __future__ import annotations

import io
import json
import os
import time
import warnings
import zipfile
from pathlib import Path

import grade_fixtures as gf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.inputtransformer2 import TransformerManager

from autograder.grade import answers, magics, pool, scoring
from autograder.grade.sandbox import Limits
from autograder.grade.submissions import Ungradable, parse
from autograder.runtime.checks import NONFINITE, Checks, Mistake, Question
from autograder.runtime.checks import Test as CheckTest

# a deeper run: LMCOURSE_FUZZ_EXAMPLES=2000 pytest tests/autograder/test_grade_fuzz.py
FAST = settings(max_examples=int(os.environ.get("LMCOURSE_FUZZ_EXAMPLES", "100")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
NOTEBOOK = (gf.ROOT / "examples" / "submissions" / "loss" / "correct.ipynb").read_bytes()

# every kind of test the checks schema has, public and hidden, with value, exception and non-finite mistakes
CHECKS = Checks("fuzz", [
    Question("q1", 3, [
        CheckTest("num", "f(1)", 4.0, mistakes=[Mistake("mean-instead-of-sum", 2.0, "mean!"),
                                                Mistake("log-softmax-overflow", NONFINITE, "overflow"),
                                                Mistake("wrong-type", {"raises": "TypeError: x"}, "types")]),
        CheckTest("arr", "g(1)", [[1.0, 0.0]], kind="array", shape=[1, 2], dtype="float32", hidden=True,
                  mistakes=[Mistake("row-for-x0", [[1.0, 0.0], [0.0, 1.0]], "x0 row")]),
        CheckTest("ex", "h(1)", ["a", "b"], kind="exact", hidden=True, failure_message="own words")]),
    Question("q2", 1, [CheckTest("fmt", "ans", ["A", "B", "C"], kind="choice-format"),
                       CheckTest("key", "ans", "B", kind="choice", hidden=True)], kind="mcq"),
])
NAMES = [t.name for q in CHECKS.questions for t in q.tests]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30)
plain_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["number", "array", "list", "str", "bool", "none", "other", "error"]) | json_values},
    optional={"value": json_values, "shape": json_values, "dtype": json_values, "repr": json_values,
              "error": json_values})
plains = plain_like | json_values
replies = st.fixed_dictionaries({}, optional={
    "answers": st.dictionaries(st.sampled_from(NAMES), plains) | json_values,
    "report": st.fixed_dictionaries({}, optional={"status": st.integers() | json_values, "cpu": json_values,
                                                  "timed_out": json_values, "error": json_values}) | json_values,
    "cell_errors": st.lists(st.fixed_dictionaries({"i": json_values, "etype": json_values, "error": json_values})
                            | json_values, max_size=3),
    "done": json_values, "stdout": json_values, "stdout_bytes": json_values, "result_overflow": json_values,
}) | json_values


# ------------------------------------------------------------------ the reply protocol
@FAST
@given(replies)
def test_fuzz_any_json_reply_is_scored_and_annotated(reply: object) -> None:
    res = scoring.score(CHECKS, reply, 61)
    answers.annotate(res, CHECKS, reply)
    lm = scoring.summary(res)
    assert 0 <= lm["total"] <= lm["possible"] and isinstance(lm["status"], str)
    assert all(isinstance(a, (str, type(None))) for a in lm["answers"].values())
    json.dumps(res, allow_nan=False)  # a result is plain JSON, whatever came in


@FAST
@given(st.dictionaries(st.sampled_from(NAMES), plains))
def test_fuzz_hidden_feedback_holds_only_the_tests_own_words(probes: dict) -> None:
    res = scoring.score(CHECKS, {"answers": probes, "done": True, "report": {"status": 0}}, 61)
    for q in res["tests"][1:]:
        for line in q["output"].splitlines():
            name = line.split(":", 1)[0]
            if name in ("arr", "ex", "key") and line != f"{name}: passed":
                words = line.removeprefix(f"{name}: failed").removeprefix(" — ").removeprefix(".")
                assert words in ("", "own words", "x0 row", "not attempted yet.", "not attempted yet. own words") \
                    or words.startswith("the result ") or line == f"{name}: did not run (the process stopped " \
                    "first).", line  # the test's words or the catalogue's (or, before hidden probing, "did not run")


@FAST
@given(st.lists(st.binary(max_size=200) | st.sampled_from([b'{"ev": "ready"}\n', b"\n", b'{"ev": "probe", "seq": '])
                | st.builds(lambda v: (json.dumps({"ev": "probe", "seq": None, "plain": v}) + "\n").encode(),
                            json_values), max_size=20))
def test_fuzz_any_bytes_on_the_result_pipe_never_raise(chunks: list[bytes]) -> None:
    probes = [{"name": n, "probe": "x", "hidden": False} for n in NAMES]
    s = pool.Session({"probes": probes, "cells": [], "variant": "default"}, Limits(), pid=0)
    for c in chunks:
        s.feed_result(c)
        if s.phase == "probing" and c.startswith(b'{"ev": "probe"'):  # answer the probe asked, with the nonce
            s.feed_result(c.replace(b'"seq": null', b'"seq": "' + s.nonce.encode() + b'"'))
    scoring.score(CHECKS, s.reply(), 61)


# ------------------------------------------------------------------ the submission parser
def _parse_ok(name: str, data: bytes) -> None:
    t0 = time.process_time()
    try:
        p = parse(name, data)
        assert all(isinstance(c, str) for c in p.cells)
    except Ungradable as e:
        assert e.status and name.split(":")[0] in str(e)
    assert time.process_time() - t0 < 5


@FAST
@given(st.binary(max_size=400), st.sampled_from(["s.ipynb", "s.py", "s.zip", "s.txt"]))
def test_fuzz_any_bytes_are_parsed_or_refused(data: bytes, name: str) -> None:
    _parse_ok(name, data)


def _paths(value: object, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*here, i))
    return out


@FAST
@given(st.data())
def test_fuzz_mutated_real_notebooks_are_parsed_or_refused(data: st.DataObject) -> None:
    nb = json.loads(NOTEBOOK)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(nb)))
        if not path:
            nb = data.draw(json_values)
            break
        parent = nb
        for k in path[:-1]:
            parent = parent[k]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(json_values)
        else:
            del parent[path[-1]]
    _parse_ok("s.ipynb", json.dumps(nb).encode())


member_names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30)  # no NUL


@FAST
@given(st.lists(st.tuples(st.sampled_from(["a.ipynb", "x/b.ipynb", "../c.ipynb", ".d.ipynb"]) | member_names,
                          st.binary(max_size=50) | st.just(NOTEBOOK)), max_size=4),
       st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]),
       st.integers(0, 2000), st.binary(min_size=1, max_size=8))
def test_fuzz_zips_and_corrupted_zips_are_parsed_or_refused(members: list, method: int, at: int,
                                                           garbage: bytes) -> None:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression=method) as z:
        warnings.simplefilter("ignore")  # duplicate member names: a zip may hold them
        for member, content in members:
            z.writestr(member, content)
    whole = buf.getvalue()
    _parse_ok("s.zip", whole)
    _parse_ok("s.zip", whole[:at] + garbage + whole[at + len(garbage):])


# ------------------------------------------------------------------ IPython syntax, as IPython turns it into Python
line = st.sampled_from(["x = 1", "!echo hi", "!!ls", "%time f()", "%%time", "y = !ls -l", "z = %pwd", "obj?",
                        "a.b??", "print(x)?", "/f a b", ",g c d", ";h e", "for i in r:", "if x:", "else:", "    pass",
                        "  !echo $i", "    %time g()", "s = '''!not", "magic'''", "x = [1,", "2]", "!echo (",
                        ")", "a \\", "# !comment", "", "x = 5 % 3 != 2", ">>> x = 1", "... y", "In [1]: q"])


@FAST
@given(st.lists(st.tuples(st.sampled_from(["", "    ", "\t"]), line), max_size=12))
def test_fuzz_magics_turn_into_what_ipython_runs(lines: list) -> None:
    cell = "\n".join(indent + text for indent, text in lines)
    try:
        want = TransformerManager().transform_cell(cell)
    except Exception:  # IPython refuses the cell: the cell must fail here too (raise, or not compile)
        want = None
    try:
        got = magics.to_python(cell)
    except Exception:
        got = None
    if want is None and got is not None:
        with pytest.raises(SyntaxError):
            compile(got, "cell", "exec")
    else:
        assert got == want


def test_magics_cost_is_linear_where_ipythons_is_not() -> None:
    cell = "!echo hi there\n" * 2000  # 30 KB; IPython itself: RuntimeError after 500 transforms, ~35 s
    t0 = time.process_time()
    try:
        magics.to_python(cell)
    except RuntimeError:
        pass
    assert time.process_time() - t0 < 3
    assert magics.to_python("!echo hi\n" * 499).count("get_ipython().system(") == 499


def test_fuzz_parse_bounds_a_notebook_of_two_thousand_shell_lines(tmp_path: Path) -> None:
    nb = json.loads(NOTEBOOK)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "!echo hi there\n" * 3200})  # 48 KB
    t0 = time.process_time()
    parsed = parse("s.ipynb", json.dumps(nb).encode())
    assert time.process_time() - t0 < 5 and parsed.cells[-1].startswith("!echo")  # as IPython: not transformed
