"""No single submission breaks the grader (issue 22, part A), fast units: replies the grader reads as data, file names
any file system allows, hidden tests that say nothing the student's code chose, CSV cells no spreadsheet evaluates.
The end-to-end batch (hostile files next to innocent ones) is tests/autograder/test_grade_hostile_batch.py."""

from __future__ import annotations

import codecs
import csv
import json
import os
import signal
from pathlib import Path

import pytest

from autograder.course import outputs
from autograder.grade import answers, batch, files, pool, scoring
from autograder.grade.sandbox import Limits
from autograder.grade.submissions import collect
from autograder.runtime.checks import Checks, Mistake, Question
from autograder.runtime.checks import Test as CheckTest

CHECKS = Checks("toy", [Question("q1", 2, [CheckTest("q1 a", "f(1)", 1.0), CheckTest("q1 b", "f(2)", 2.0)]),
                        Question("q2", 1, [CheckTest("q2 format", "q2_answer", ["A", "B"], kind="choice-format"),
                                           CheckTest("q2 answer", "q2_answer", "B", kind="choice", hidden=True)],
                                 kind="mcq")])
HIDDEN = Checks("toy", [Question("q1", 1, [
    CheckTest("pub", "f([1.0])", 1.0),
    CheckTest("hid", "f(HIDDEN)", [1.0, 2.0], kind="array", hidden=True, shape=[2], dtype="float",
         failure_message="f must return one value per input.",
         mistakes=[Mistake("mean-instead-of-sum", [0.5, 1.0], "the loss is a sum, not a mean.")])])])


def _reply(answers_: object, **extra: object) -> dict:
    return {"answers": answers_, "done": True, "cell_errors": [], "stdout": "",
            "report": {"status": 0, "timed_out": False, "cpu": 0.1}, **extra}


# ------------------------------------------------------------------ replies are data
def test_annotate_keeps_mcq_answers_and_finds_unattempted_questions() -> None:
    result = {"extra_data": {"lmcourse": {}}}
    stub = {"type": "error", "error": "NotImplementedError: q1: do it"}
    probes = {"q1 a": stub, "q1 b": stub,
              "q2 format": {"type": "str", "value": " b "},  # the reply's answers: the probes the grader asked for
              "q2 answer": {"type": "str", "value": "LEAKED 3.21"}}  # changed during the hidden probes: not shown
    answers.annotate(result, CHECKS, {"answers": probes})
    assert result["extra_data"]["lmcourse"] == {"answers": {"q2": " b "}, "unattempted": ["q1"]}
    probes["q1 b"] = {"type": "error", "error": "NameError: name 'f' is not defined"}  # its cell did not run:
    answers.annotate(result, CHECKS, {"answers": probes})  # does-not-run (compare names it), not unattempted
    assert result["extra_data"]["lmcourse"]["unattempted"] == []
    probes["q1 b"] = {"type": "error", "error": "NameError: name 'troch' is not defined"}  # an attempt, a typo
    probes["q2 format"] = probes["q2 answer"] = {"type": "other", "repr": "ellipsis object"}
    answers.annotate(result, CHECKS, {"answers": probes})
    assert result["extra_data"]["lmcourse"] == {"answers": {"q2": None}, "unattempted": ["q2"]}


@pytest.mark.parametrize("plain", [
    {"type": "str"},  # an MCQ reply without its value (was KeyError in annotate)
    {"type": "other", "repr": [1, 2]},  # a repr that is a list (was TypeError: unhashable in _left_blank)
    {"type": "str", "value": ["A"]}, {"type": "error", "error": {"x": 1}}, {"type": ["none"]}, [], "B", None, 3,
    {"type": "array", "shape": "x", "value": [[1], 2]}, {"type": "list", "value": {"a": 1}},
])
def test_every_plain_value_is_scored_and_annotated_without_raising(plain: object) -> None:
    reply = _reply({"q1 a": plain, "q1 b": plain, "q2 format": plain, "q2 answer": plain})
    res = scoring.score(CHECKS, reply, 61)
    answers.annotate(res, CHECKS, reply)
    lm = scoring.summary(res)
    assert lm["total"] == 0 and lm["answers"]["q2"] in (None, "B") and json.dumps(res)


@pytest.mark.parametrize("reply", [
    None, [], "x", {"answers": []}, {"answers": {"q1 a": 1}, "report": []}, {"cell_errors": [1, {"etype": 2}]},
    {"report": {"status": 40 << 0}, "done": True},  # killed by a real-time signal: no name in signal.Signals
    {"report": {"status": 2**70}}, {"report": {"status": signal.SIGKILL, "cpu": "lots"}}, {"stdout": ["x"]},
    {"report": {"error": ["worker"]}}, {"done": "yes", "result_overflow": 1},
])
def test_a_malformed_reply_is_a_row_not_an_exception(reply: object) -> None:
    res = scoring.score(CHECKS, reply, 61)
    answers.annotate(res, CHECKS, reply)
    assert scoring.summary(res)["total"] == 0 and scoring.summary(res)["status"]


# ------------------------------------------------------------------ hidden tests
@pytest.mark.parametrize("plain", [
    {"type": "error", "error": "LEAKED [3.21, 2.66]: boom"},  # an exception class the student named
    {"type": "str", "value": "LEAKED ([4, 2, 0, 3], 6)"},  # a returned string
    {"type": "array", "shape": [4], "dtype": "LEAKED 3.21", "value": [3.0, 2.0, 1.0, 0.0]},  # shape, dtype
    {"type": "array", "shape": [2], "dtype": "LEAKED 3.21", "value": [1.0, 2.0]},  # right values, odd dtype
    {"type": "other", "repr": "LEAKED object"}, {"type": "number", "value": 3.21},
])
def test_hidden_tests_say_only_pass_fail_their_words_and_the_catalogue_mistake(plain: dict) -> None:
    reply = _reply({"pub": {"type": "error", "error": "ValueError: public input 7.5"}, "hid": plain})
    res = scoring.score(HIDDEN, reply, 61)
    text = json.dumps(res)
    assert "LEAKED" not in text and "3.21" not in text and "(4,)" not in text and "(2,)" not in text
    line = res["tests"][1]["output"].splitlines()[1]
    assert line.startswith("hid: failed") and line.endswith("f must return one value per input.")
    assert "public input 7.5" in res["tests"][0]["output"]  # a public test's feedback still quotes the student


def test_a_hidden_mistake_is_named_in_the_tests_own_words() -> None:
    reply = _reply({"pub": {"type": "number", "value": 1.0},
                    "hid": {"type": "array", "shape": [2], "dtype": "float64", "value": [0.5, 1.0]}})
    res = scoring.score(HIDDEN, reply, 61)
    assert res["tests"][1]["output"].splitlines()[1] == "hid: failed — the loss is a sum, not a mean."
    assert scoring.summary(res)["mistakes"] == [{"question": "q1", "test": "hid", "mistake": "mean-instead-of-sum"}]


def test_no_timing_signal_or_post_hidden_output_size_in_a_result() -> None:
    crashed = _reply({"pub": {"type": "number", "value": 1.0}}, done=False, stdout="before\n", stdout_bytes=7,
                     report={"status": 37, "timed_out": False, "cpu": 0.2}, wall=3.217)
    res = scoring.score(HIDDEN, crashed, 61)
    lm = scoring.summary(res)
    assert "wall_s" not in lm and "3.217" not in json.dumps(res) and "37" not in res["output"]
    assert lm["status"] == "crashed" and "SIG" not in res["output"]
    assert "not shown" in res["output"]  # said whether or not anything was printed after the first hidden probe


# ------------------------------------------------------------------ file names
NAMES = ["a.ipynb", "s001/a_b.ipynb", "x__y.ipynb", "x/y.ipynb", "José.ipynb", "=HYPERLINK(\"x\").ipynb",
         "-2+3.ipynb", "@SUM(A1).ipynb", "a" * 249 + ".ipynb", os.fsdecode(b"\xff\xfe bad.ipynb"),
         "esc\x1b[31mred.ipynb", "tab\tcr\r.ipynb", "back\\slash.ipynb", "\u202egnp.ipynb", "a~b.ipynb"]


def test_every_name_maps_to_a_bounded_unique_result_file_and_an_encodable_printable_name(tmp_path: Path) -> None:
    shown = [files.display_name(n) for n in NAMES]
    paths = [files.result_path(tmp_path, s) for s in shown]
    assert len(set(shown)) == len(set(paths)) == len(NAMES)
    for name, s, p in zip(NAMES, shown, paths, strict=True):
        assert s.isprintable() and s.encode("utf-8") and codecs.escape_decode(s.encode())[0] == os.fsencode(name)
        assert len(p.name.encode()) < 100 and "/" not in p.name
        (tmp_path / "results").mkdir(exist_ok=True)
        outputs.write_atomic(p, "{}")  # no File name too long, for it or its temporary name
    assert files.result_path(tmp_path, "s001/a_b.ipynb").name == "s001__a_b.ipynb.json"  # ordinary: readable


def test_original_name_undoes_display_name_and_long_names_get_short_temporaries(tmp_path: Path) -> None:
    """The class folder stores the student's file under its original name (term/collect.py) and finds it again from
    the reported one; writing it beside a 255-byte name must not make a temporary name over the limit."""
    for name in NAMES:
        assert files.original_name(files.display_name(name)) == name
    long = tmp_path / ("a" * 249 + ".ipynb")
    assert len(outputs.temporary_path(long).name.encode()) < 100
    outputs.write_atomic(long, "{}")
    assert long.read_text() == "{}"


def test_collect_names_files_by_their_display_name(tmp_path: Path) -> None:
    raw = [b"\xff\xfe.ipynb", b"esc\x1b[2J.ipynb", b"b" * 249 + b".ipynb"]
    for r in raw:
        Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + r)).write_bytes(b"{}")
    names = sorted(s.name for s in collect([tmp_path]))
    assert names == sorted(files.display_name(os.fsdecode(r)) for r in raw)
    assert all(n.isprintable() for n in names)


def test_finished_results_with_fields_the_reports_cannot_read_are_graded_again(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    good = {"key": "k", "status": "Completed", "file": "a", "total": 1, "percent": 1.0, "questions": {"q": 1}}
    for lm, finished in ((good, True), ({**good, "total": "1"}, False), ({**good, "mistakes": {}}, False)):
        path.write_text(json.dumps({"extra_data": {"lmcourse": lm}}))
        assert batch._finished(path, "k") is finished


# ------------------------------------------------------------------ CSV
def test_csv_cells_never_start_like_a_formula(tmp_path: Path) -> None:
    outputs.write_csv(tmp_path / "x.csv", ["file", "q"], [["=1+1", "@SUM(A1)"], ["-2", "+3"], ["\tx", "\rx"]])
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert not [c for c in cells if c.startswith(outputs.FORMULA_START)]


# ------------------------------------------------------------------ the grader's memory for answers
def _session(n: int = 3) -> pool.Session:
    probes = [{"name": f"t{i}", "probe": f"f({i})", "hidden": False} for i in range(n)]
    s = pool.Session({"probes": probes, "cells": [], "variant": "default"}, Limits(), pid=0)
    s.feed_result(b'{"ev": "ready"}\n')
    return s


def _answer(s: pool.Session, plain_json: bytes) -> bytes:
    return b'{"ev": "probe", "seq": "' + s.nonce.encode() + b'", "plain": ' + plain_json + b"}\n"


def test_an_answer_of_millions_of_containers_is_refused_unparsed() -> None:
    import tracemalloc

    s = _session()
    flood = b"[" + b"{}," * 1_300_000 + b"{}]"  # ~4 MB, 1.2 GB parsed across two submissions before the cap
    tracemalloc.start()
    s.feed_result(_answer(s, flood))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert s.answers == {"t0": pool.TOO_LARGE} and s.asked == 1 and peak < 12e6  # the line itself, nothing parsed
    s.feed_result(_answer(s, b'{"type": "number", "value": 1.0}'))
    assert s.answers["t1"] == {"type": "number", "value": 1.0}  # the next probe is read as usual


def test_answers_kept_per_submission_are_capped_in_items() -> None:
    s = _session(3)
    big = b"[" + b"0," * (pool.MAX_ITEMS - 10) + b"0]"  # under the per-line cap
    s.feed_result(_answer(s, b'{"type": "list", "value": ' + big + b"}"))
    s.feed_result(_answer(s, b'{"type": "list", "value": ' + big + b"}"))  # past what one submission may keep
    s.feed_result(_answer(s, b'{"type": "number", "value": 2.0}'))
    assert isinstance(s.answers["t0"]["value"], list) and s.answers["t1"] == pool.TOO_LARGE
    assert s.answers["t2"] == {"type": "number", "value": 2.0}
    assert s.items_kept <= pool.MAX_ITEMS_KEPT + 2 * pool.MAX_ITEMS


def _formula_cells(folder: Path) -> list[str]:
    """Every cell of every CSV under `folder` that a spreadsheet would evaluate."""
    bad = []
    for path in folder.rglob("*.csv"):
        with open(path, newline="", encoding="utf-8") as f:
            bad += [f"{path.name}: {c!r}" for row in csv.reader(f) for c in row if c.startswith(outputs.FORMULA_START)]
    return bad


def test_quiz_csvs_quote_what_students_typed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from autograder.cli import main

    roster = Path(__file__).parents[2] / "examples" / "roster.csv"
    r = CliRunner().invoke(main, ["quiz", "--roster", str(roster), "--seed", "7", "--format", "json", "--out",
                                  str(tmp_path / "quiz")])
    assert r.exit_code == 0, r.output
    key = json.loads((tmp_path / "quiz" / "key.json").read_text())
    item, code = next(iter(key["students"]["s001"]["variants"].items()))
    responses = tmp_path / "responses.csv"
    outputs.write_atomic(responses, "student,item,answer,variant\n"
                         f"s001,{item},=1+1,{code}\ns002,{item},@SUM(A1),\n"
                         f"\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",{item},-2+3,{code}\n")
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(tmp_path / "quiz" / "key.json"), "--responses",
                                  str(responses), "--out", str(tmp_path / "grades")])
    assert r.exit_code == 0, r.output
    written = _formula_cells(tmp_path / "quiz") + _formula_cells(tmp_path / "grades")
    assert not written, written
    with open(tmp_path / "grades" / "scored_responses.csv", newline="", encoding="utf-8") as f:
        answers_ = {row["student"]: row["answer"] for row in csv.DictReader(f)}
    assert answers_["s001"] == "'=1+1" and answers_["'=HYPERLINK(\"http://evil\",\"x\")"] == "'-2+3"


def test_variants_csv_is_safe_in_a_spreadsheet_and_reads_back_unchanged() -> None:
    from autograder.build.assignment import _variants_csv
    from autograder.grade.bundle import _read_mapping

    mapping = {"-s1": "v1", "=s2": "v2", "@s3": "v3", "s4": "v4"}
    text = _variants_csv(mapping)
    assert not [c for row in csv.reader(text.splitlines()) for c in row if c.startswith(outputs.FORMULA_START)]
    assert _read_mapping(text, Path("variants.csv")) == mapping


# ------------------------------------------------------------------ the grader's cost of parsing
def _notebook(cells: list[str], **meta: object) -> bytes:
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": c} for c in cells], "metadata": meta, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


@pytest.mark.parametrize("data,status", [
    (_notebook(["x = 1"], junk=[{}] * 1_500_000), "too-large"),  # 4.5 MB of JSON that parses to ~100 MB
    (_notebook(["x = 1"] * 12_000), "too-large"),  # cells nbformat would validate one by one
    (_notebook(["x = 1\n" * 400_000]), "too-large"),  # 2.4 MB of code in one cell
])
def test_parsing_cost_is_capped_before_the_expensive_step(data: bytes, status: str) -> None:
    import time
    import tracemalloc

    from autograder.grade.submissions import Ungradable, parse

    tracemalloc.start()
    t0 = time.process_time()
    with pytest.raises(Ungradable) as e:
        parse("s.ipynb", data)
    took, peak = time.process_time() - t0, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert e.value.status == status and "s.ipynb" in str(e.value) and took < 2 and peak < 8 * len(data) + 50e6


def test_a_zip_of_thousands_of_members_is_refused_before_zipfile_lists_them() -> None:
    import io
    import zipfile

    from autograder.grade.submissions import Ungradable, parse

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(12_000):
            z.writestr(f"m{i}", b"")
    with pytest.raises(Ungradable, match="members") as e:
        parse("s.zip", buf.getvalue())
    assert e.value.status == "invalid-zip"


def _central(data: bytes, offset: int, value: int) -> bytes:
    """The zip with the 2-byte field at `offset` of its (only) central directory entry set to `value`."""
    i = data.index(b"PK\x01\x02") + offset
    return data[:i] + value.to_bytes(2, "little") + data[i + 2:]


@pytest.mark.parametrize("offset,value", [
    (6, 64),  # "version needed to extract" 6.4: zipfile raises NotImplementedError
    (10, 99),  # compression method 99 (AES): NotImplementedError when the member is opened
    (8, 1),  # the member is encrypted: RuntimeError, a password is required
])
def test_a_zip_zipfile_cannot_read_is_invalid_zip(offset: int, value: int) -> None:
    import io
    import zipfile

    from autograder.grade.submissions import Ungradable, parse

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.ipynb", _notebook(["x = 1"]))
    data = _central(buf.getvalue(), offset, value)
    with pytest.raises(Ungradable) as e:
        parse("s.zip", data)
    assert e.value.status == "invalid-zip" and "s.zip" in str(e.value)
