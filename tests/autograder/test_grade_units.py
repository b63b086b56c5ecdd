"""Fast unit tests of `lmcourse grade`'s trusted side: reading submissions, variants, scoring, sharding, outputs."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import zipfile
from pathlib import Path

import grade_fixtures as gf
import pytest

from autograder.course import outputs
from autograder.grade import batch, pool, report, scoring
from autograder.grade.bundle import Bundle, BundleError
from autograder.grade.sandbox import Limits
from autograder.grade.submissions import Submission, Ungradable, collect, parse
from autograder.runtime.checks import Checks, Mistake, Question, to_plain
from autograder.runtime.checks import Test as CheckTest


def _nb(cells: list[str], meta: dict | None = None) -> bytes:
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": c} for c in cells], "metadata": meta or {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


def _checks(variant: str = "default", expect: float = 4.0) -> Checks:
    t1 = CheckTest("t1", "f([1.2, 0.5, 2.3])", expect, mistakes=[Mistake("mean-instead-of-sum", expect / 3, "mean!")])
    t2 = CheckTest("t2", "f([1.0])", 1.0, hidden=True)
    t3 = CheckTest("t3", "answer", "B", kind="choice", hidden=True)
    return Checks("toy", [Question("q1", 2.0, [t1, t2], forbidden=["lmcore.losses.total_loss"]),
                          Question("q2", 1.0, [t3], kind="mcq")], variant=variant)


def _bundle(tmp: Path, variants: dict[str, float], mapping: str | None = None) -> Path:
    path = tmp / "autograder.zip"
    with zipfile.ZipFile(path, "w") as z:
        for v, expect in variants.items():
            z.writestr(f"lmcourse/checks/{v}.json", _checks(v, expect).to_json())
        if mapping is not None:
            z.writestr("lmcourse/variants.csv", mapping)
    return path


# ------------------------------------------------------------------ submissions
def test_notebook_cells_and_magics() -> None:
    p = parse("a.ipynb", _nb(["%matplotlib inline\nx = 1", "!pip install foo", "y = x + 1"],
                             {"lmcourse": {"student_id": "s9", "variant": "v3"}}))
    assert len(p.cells) == 3 and "get_ipython()" in p.cells[0] and "x = 1" in p.cells[0]
    compile(p.cells[1], "c", "exec")
    assert (p.student_id, p.variant) == ("s9", "v3")


def test_variant_line_is_read_when_metadata_lacks_it() -> None:
    assert parse("a.ipynb", _nb(['LMCOURSE_VARIANT = "v7"  # do not edit'])).variant == "v7"


def test_py_files_split_at_cell_markers() -> None:
    assert parse("a.py", b"x = 1\n# %%\ny = 2\n# %% [markdown]\nz = 3\n").cells == ["x = 1\n", "\ny = 2\n", "\nz = 3\n"]
    assert parse("empty.py", b"").cells == []


@pytest.mark.parametrize("name,data,status", [
    ("bad.ipynb", b'{"cells": [', "invalid-notebook"),
    ("bad.ipynb", b"\xff\xfe\x00garbage", "invalid-notebook"),
    ("empty.ipynb", b"", "invalid-notebook"),
    ("list.ipynb", b"[1, 2, 3]", "invalid-notebook"),
    ("essay.docx", b"PK\x03\x04", "unsupported-file"),
    ("noext", b"x = 1", "unsupported-file"),
    ("not.zip", b"definitely not a zip", "invalid-zip"),
])
def test_ungradable_files_name_file_and_problem(name: str, data: bytes, status: str) -> None:
    with pytest.raises(Ungradable) as e:
        parse(name, data)
    assert e.value.status == status and name in str(e.value)


def _zip(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/shadow")
    return buf.getvalue()


def test_otter_export_zip_is_read_in_memory() -> None:
    p = parse("s1.zip", _zip({"loss.ipynb": _nb(["x = 1"]), "loss.pdf": b"%PDF", "__MACOSX/._loss.ipynb": b"x"}))
    assert p.cells == ["x = 1"] and "loss.ipynb" in p.notes[0]


def test_otter_export_zip_note_names_the_notebook_not_the_students_folders() -> None:
    """Issue 16: a zip exported under an absolute path holds home/<student>/.../loss.ipynb; the feedback names the
    notebook only."""
    p = parse("s1.zip", _zip({"home/ada/course/loss.ipynb": _nb(["x = 1"])}))
    assert p.cells == ["x = 1"] and p.notes == ["graded loss.ipynb from the zip"]


@pytest.mark.parametrize("members,symlink,status", [
    ({"../../evil.ipynb": b"{}"}, None, "unsafe-zip"),
    ({"/abs/evil.ipynb": b"{}"}, None, "unsafe-zip"),
    ({"ok.ipynb": _nb([])}, "link.ipynb", "unsafe-zip"),
    ({"a.ipynb": _nb([]), "b.ipynb": _nb([])}, None, "invalid-zip"),
    ({"readme.txt": b"hi"}, None, "invalid-zip"),
])
def test_unsafe_or_ambiguous_zips_are_refused(members: dict, symlink: str | None, status: str) -> None:
    with pytest.raises(Ungradable) as e:
        parse("s.zip", _zip(members, symlink))
    assert e.value.status == status


def test_collect_walks_folders_skips_hidden_and_refuses_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a" / "s1").mkdir(parents=True)
    (tmp_path / "a" / "s1" / "hw.ipynb").write_bytes(b"{}")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "hw.ipynb").write_bytes(b"{}")
    (tmp_path / "a" / "x.docx").write_bytes(b"")
    assert [s.name for s in collect([tmp_path / "a"])] == ["s1/hw.ipynb", "x.docx"]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.docx").write_bytes(b"")
    with pytest.raises(ValueError, match="x.docx"):
        collect([tmp_path / "a", tmp_path / "b"])


# ------------------------------------------------------------------ variants
def test_roster_decides_the_variant_not_the_notebook(tmp_path: Path) -> None:
    b = Bundle.load(_bundle(tmp_path, {"v1": 4.0, "v2": 5.0}, "student_id,variant\ns1,v1\ns2,v2\n"))
    assert b.resolve(["s2", "s1"], "v1") == ("v2", "roster (s2)")  # file name first, claimed variant ignored
    assert b.resolve(["hw", "s1"], None)[0] == "v1"  # folder name / metadata student id next
    assert b.resolve(["zz"], "v2")[0] == "v2"  # not on the roster: the notebook's own variant
    assert b.resolve(["zz"], "nope") == (None, "no roster entry")


def test_bundle_errors_name_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("tests/q1.py", "")
    with pytest.raises(BundleError, match="empty.zip.*lmcourse build"):
        Bundle.load(empty)
    with pytest.raises(BundleError, match="v9"):
        Bundle.load(_bundle(tmp_path, {"v1": 4.0}, "student_id,variant\ns1,v9\n"))


# ------------------------------------------------------------------ protocol and scoring (plain data only)
PROBES = [{"name": "t1", "probe": "f([1.2, 0.5, 2.3])", "hidden": False},
          {"name": "t2", "probe": "f([1.0])", "hidden": True}, {"name": "t3", "probe": "answer", "hidden": True}]


def _session() -> pool.Session:
    return pool.Session({"probes": PROBES, "cells": ["x = 1"], "variant": "default"}, Limits(), pid=0)


def _line(ev: dict) -> bytes:
    return (json.dumps(ev) + "\n").encode()


def _answer(s: pool.Session | int, plain: dict) -> bytes:
    return _line({"ev": "probe", "seq": s.nonce if isinstance(s, pool.Session) else s, "plain": plain})


def _reply(answers: dict, done: bool = True, cells: list | None = None, **report) -> dict:
    return {"answers": answers, "done": done, "cell_errors": cells or [],
            "report": {"status": 0, "timed_out": False, "cpu": 0.1, **report}, "stdout": ""}


def test_session_asks_each_probe_in_order_public_first_and_only_after_ready() -> None:
    s = _session()
    assert b"f([1.0])" not in s.outbox and b"probe" not in s.outbox  # the first message holds no probe at all
    s.outbox.clear()
    s.feed_result(_line({"ev": "ready"}))
    asked = json.loads(s.outbox)
    assert asked == {"probe": "f([1.2, 0.5, 2.3])", "name": "t1", "seq": s.nonce} and len(s.nonce) == 16
    s.outbox.clear()
    s.feed_result(_answer(s, {"type": "number", "value": 4.0}))
    assert json.loads(s.outbox)["name"] == "t2"
    s.feed_result(_answer(s, {"type": "number", "value": 1.0}))
    s.feed_result(_answer(s, {"type": "str", "value": "B"}))
    s.feed_result(_line({"ev": "done"}))
    assert s.reply()["done"] and s.reply()["answers"] == {"t1": {"type": "number", "value": 4.0},
                                                           "t2": {"type": "number", "value": 1.0},
                                                           "t3": {"type": "str", "value": "B"}}


def test_session_drops_every_event_it_did_not_ask_for() -> None:
    s = _session()
    forged = [_answer(0, {"type": "number", "value": 4.0}), _line({"ev": "done"}), b"{}\n", b"not json\n",
              _line({"ev": "probe", "test": "t1", "plain": {"type": "number", "value": 4.0}})]
    for line in forged:  # before "ready": no probe was asked, so none of these counts
        s.feed_result(line)
    s.feed_result(_line({"ev": "ready"}))
    s.feed_result(_answer(0, {"type": "number", "value": 1.0}))  # no nonce: written before the probe was asked
    s.feed_result(_line({"ev": "cell", "i": 9, "etype": "E", "error": "printed after probing started"}))
    r = s.reply()
    assert r["answers"] == {} and not r["done"] and r["cell_errors"] == [] and r["dropped_lines"] == 7


def test_session_streams_a_flood_in_bounded_memory() -> None:
    import tracemalloc

    s = _session()
    chunk = b"{}\n" * 20_000
    tracemalloc.start()
    for _ in range(int(31e6 // len(chunk))):
        s.feed_result(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4e6 and s.overflow  # past MAX_DROPPED unasked lines the submission is stopped
    s2 = _session()
    s2.feed_result(b"x" * (pool.MAX_LINE + 10) + b"\n" + _line({"ev": "ready"}))
    assert s2.dropped == 1 and s2.phase == "probing" and len(s2.line) == 0


def test_output_printed_once_hidden_probes_are_asked_is_not_shown() -> None:
    s = _session()
    s.feed_output(b"visible cell output\n")
    s.feed_result(_line({"ev": "ready"}))
    s.feed_result(_answer(s, {"type": "number", "value": 4.0}))  # now t2 (hidden) is asked
    s.feed_output(b"HIDDEN INPUT [1.0]\n")
    r = s.reply()
    assert r["stdout"] == "visible cell output\n" and r["stdout_hidden"]


def test_scores_are_decided_from_plain_data() -> None:
    answers = {"t1": {"type": "number", "value": 4.0}, "t2": {"type": "number", "value": 1.0},
               "t3": {"type": "str", "value": "b"}}
    res = scoring.score(_checks(), _reply(answers), 61)
    assert res["score"] == 3.0 and scoring.summary(res)["status"] == "Completed"
    answers["t1"] = {"type": "number", "value": 4.0 / 3}
    res = scoring.score(_checks(), _reply(answers), 61)
    assert scoring.summary(res)["questions"]["q1"] == 1.0
    assert scoring.summary(res)["mistakes"] == [{"question": "q1", "test": "t1", "mistake": "mean-instead-of-sum"}]


def test_results_mark_hidden_tests_hidden_and_mcqs_after_published() -> None:
    res = scoring.score(_checks(), _reply({"t1": {"type": "number", "value": 4.0}}), 61)
    vis = {t["name"]: t["visibility"] for t in res["tests"]}
    assert vis == {"Public Tests": "visible", "q1": "hidden", "q2": "after_published"}
    public = res["tests"][0]
    assert "max_score" not in public and public["output"] == "t1: passed"  # no hidden test's name or outcome


def test_hidden_test_errors_do_not_quote_the_hidden_input() -> None:
    err = {"type": "error", "error": "ValueError: the input was [1.0, 2.0, 3.0]"}
    res = scoring.score(_checks(), _reply({"t1": err, "t2": err}), 61)
    q1 = res["tests"][1]["output"]
    assert "[1.0, 2.0, 3.0]" in q1.splitlines()[0] and "[1.0, 2.0, 3.0]" not in q1.splitlines()[1]
    assert q1.splitlines()[1] == "t2: failed."  # not even the exception's type name: a student can name a class


def test_statuses_from_how_the_process_ended() -> None:
    st = lambda reply: scoring.summary(scoring.score(_checks(), reply, 6))["status"]  # noqa: E731
    assert st(_reply({}, timed_out=True)) == "timeout"
    assert st(_reply({}, status=signal.SIGKILL, cpu=6.0)) == "timeout"  # RLIMIT_CPU
    assert st(_reply({}, status=signal.SIGSEGV)) == "crashed"
    assert st(_reply({"t1": {"type": "number", "value": 4.0}}, done=False)) == "crashed"  # os._exit
    assert st(_reply({}, cells=[{"i": 2, "etype": "MemoryError", "error": "MemoryError"}])) == "memory"
    assert st({"report": {"error": "sandbox setup failed"}}) == "grader-error"
    assert st({**_reply({}), "result_overflow": True}) == "output-limit"


def test_partial_run_keeps_the_tests_that_ran() -> None:
    res = scoring.score(_checks(), _reply({"t1": {"type": "number", "value": 4.0}}, timed_out=True), 6)
    assert scoring.summary(res)["questions"]["q1"] == 1.0 and scoring.summary(res)["status"] == "timeout"
    assert res["tests"][1]["output"].splitlines()[1] == "t2: failed."  # it stopped once hidden probing had begun
    res = scoring.score(_checks(), _reply({}, timed_out=True), 6)  # stopped before: every test says it did not run
    assert all("did not run" in line for line in res["tests"][1]["output"].splitlines())


def test_lying_numbers_are_read_through_the_base_class() -> None:
    class Liar(float):
        def __float__(self) -> float:
            return 4.0

        def __eq__(self, other: object) -> bool:
            return True

    class IntLiar(int):
        def __int__(self) -> int:
            return 4

    assert to_plain(Liar(9.0)) == {"type": "number", "value": 9.0}
    assert to_plain(IntLiar(9)) == {"type": "number", "value": 9}


# ------------------------------------------------------------------ sharding and outputs
def test_shards_partition_names_deterministically() -> None:
    names = [f"s{i:03d}.ipynb" for i in range(200)]
    parts = [[n for n in names if batch.in_shard(n, (k, 4))] for k in range(1, 5)]
    assert sorted(sum(parts, [])) == names and all(20 < len(p) < 80 for p in parts)


def test_final_grades_follow_otters_layout(tmp_path: Path) -> None:
    summaries = [{"file": "b.ipynb", "questions": {"q10": 1.0, "q2": 0.5}, "total": 1.5, "percent": 0.5,
                  "possible": 3.0, "status": "Completed",
                  "mistakes": [{"question": "q2", "test": "t", "mistake": "m"}]},
                 {"file": "a.ipynb", "questions": {"q10": 0.0, "q2": 0.0}, "total": 0.0, "percent": 0.0,
                  "possible": 3.0, "status": "timeout", "mistakes": []}]
    header, rows = report.grade_rows(summaries, [("q2", 1.0), ("q10", 2.0)])
    assert header == ["file", "q10", "q2", "total_points_earned", "percent_correct", "grading_status"]
    assert rows[0] == ["points-per-question", "2", "1", "3", "1", "--"]
    assert [r[0] for r in rows[1:]] == ["a.ipynb", "b.ipynb"] and rows[2][1:] == ["1", "0.5", "1.5", "0.5",
                                                                                     "Completed"]
    html = report.write_report(tmp_path, summaries, [("q2", 1.0), ("q10", 2.0)], "toy").read_text()
    assert "<b>m</b> — 1 student (q2)" in html and "timeout" in html  # the mistake to reteach, and the status
    for png in ("histogram.png", "question_means.png", "mistakes.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    outputs.write_atomic(tmp_path / "r.json", "{}")
    assert os.listdir(tmp_path) == ["r.json"]


def test_cli_reports_a_bad_autograder_zip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    r = gf.grade(bad, [tmp_path], tmp_path / "out", check=False)
    assert r.returncode != 0 and "bad.zip" in r.stderr and "not a zip" in r.stderr


def test_symlinks_in_a_submissions_folder_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "subs" / "s2").mkdir(parents=True)
    (tmp_path / "secret.ipynb").write_bytes(_nb(["print('secret')"]))
    (tmp_path / "subs" / "s1.ipynb").symlink_to(tmp_path / "secret.ipynb")
    (tmp_path / "subs" / "s2" / "hw.ipynb").write_bytes(_nb(["x = 1"]))
    (tmp_path / "subs" / "s3").symlink_to(tmp_path / "subs" / "s2")
    subs = {s.name: s for s in collect([tmp_path / "subs"])}
    with pytest.raises(Ungradable) as e:
        subs["s1.ipynb"].read()
    assert e.value.status == "unsafe-file"
    assert subs["s2/hw.ipynb"].read().startswith(b"{") and not subs["s2/hw.ipynb"].link
    assert all(s.link for n, s in subs.items() if n.startswith("s3/"))


def test_only_dead_writers_temporaries_are_removed(tmp_path: Path) -> None:
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    live = tmp_path / f".a.json.tmp-{outputs._HOST}-{os.getpid()}"  # a shard still writing
    gone = tmp_path / f".b.json.tmp-{outputs._HOST}-{dead.pid}"
    other = tmp_path / ".c.json.tmp-otherhost-1"  # a shard on another machine of the cluster
    for p in (live, gone, other):
        p.write_text("{")
    outputs.remove_stale_temporaries(tmp_path)
    assert live.exists() and other.exists() and not gone.exists()


# ------------------------------------------------------------------ jail: edition, reruns, leftovers
def test_edition_leaves_out_forbidden_functions_but_keeps_what_the_probes_call(tmp_path: Path) -> None:
    import subprocess

    from autograder.grade import edition
    from autograder.grade.sandbox import interpreter_paths

    checks = _checks()
    checks.questions[1].forbidden = ["lmcore.losses.dataset_loss", "lmcore.tokenize.Vocabulary.encode"]
    checks.setup = "import lmcore\nD = lmcore.dataset_loss"
    ed = edition.write(tmp_path / "ed", _bundle(tmp_path, {"default": 4.0}), [checks])
    assert ed.kept == ["lmcore.losses.dataset_loss"] and ed.source == "kit"
    code = ("import lmcore\n"
            "print(hasattr(lmcore, 'total_loss'), hasattr(lmcore.Vocabulary, 'encode'),"
            " hasattr(lmcore, 'dataset_loss'), lmcore.one_hot(1, 3).tolist())\n"
            "import autograder.runtime, lmcourse_jail.harness\n"
            "for m in ('assignments', 'autograder.build', 'autograder.grade', 'autograder.kit'):\n"
            "    try: __import__(m); print('IMPORTED', m)\n"
            "    except ImportError: pass\n")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:0] = [{str(ed.root)!r}]\n"
                          f"sys.path += {interpreter_paths()!r}\n" + code],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.splitlines() == ["False False True [0.0, 1.0, 0.0]"], out.stderr
    assert "total_loss" not in (ed.root / "lmcore" / "losses.py").read_text()


def test_rows_the_grader_caused_are_graded_again(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    for status, again in (("grader-error", True), ("crashed", False), ("Completed", False)):
        lm = {"key": "k", "status": status, "file": "a.ipynb", "total": 1, "percent": 0.5, "questions": {"q": 1}}
        path.write_text(json.dumps({"extra_data": {"lmcourse": lm}}))
        assert batch._finished(path, "k") is not again
    path.write_text(json.dumps({"extra_data": {"lmcourse": {**lm, "questions": {"q": "1"}}}}))
    assert not batch._finished(path, "k")  # a result whose fields the reports could not read is graded again


def test_a_notebook_of_another_assignment_is_refused_with_a_clear_status(tmp_path: Path) -> None:
    b = Bundle.load(_bundle(tmp_path, {"default": 4.0}))
    sub = Submission("s.ipynb", tmp_path / "s.ipynb")
    job, res = batch._job(b, sub, _nb(["x = 1"], {"lmcourse": {"assignment": "tokens"}}), batch.Options())
    assert job is None and res["extra_data"]["lmcourse"]["status"] == "wrong-assignment"
    assert "'tokens'" in res["output"] and "'toy'" in res["output"]
    job, res = batch._job(b, sub, _nb(["x = 1"], {"lmcourse": {"assignment": "toy"}}), batch.Options())
    assert res is None and [p["hidden"] for p in job["probes"]] == [False, True, True]


def test_run_folders_of_dead_graders_are_removed(tmp_path: Path) -> None:
    import subprocess

    from autograder.grade import jail

    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = tmp_path / f"{jail.PREFIX}{jail._HOST}-{dead.pid}-abc"
    live = tmp_path / f"{jail.PREFIX}{jail._HOST}-{os.getpid()}-abc"
    old, recent = tmp_path / "lmcourse-sub-old", tmp_path / "lmcourse-sub-recent"  # an older grader's leftovers
    for d in (gone, live):
        (d / "sub-x").mkdir(parents=True)
    for d in (old, recent):
        d.mkdir()
    os.utime(old, (0, 0))
    assert jail.remove_stale_runs(tmp_path) == [gone, old] and live.exists() and recent.exists()
