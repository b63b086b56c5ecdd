"""Fast unit tests of `lmcourse grade`'s trusted side: reading submissions, variants, scoring, sharding, outputs."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.grade import batch, report, scoring
from autograder.grade.bundle import Bundle, BundleError
from autograder.grade.submissions import Ungradable, collect, parse
from autograder.runtime.checks import Checks, Mistake, Question, to_plain
from autograder.runtime.checks import Test as CheckTest

sys.path.insert(0, str(Path(__file__).resolve().parent / "adversarial"))
import grade_fixtures as gf  # noqa: E402


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


# ------------------------------------------------------------------ scoring (plain data only)
def _reply(events: list, **report) -> dict:
    return {"events": events, "report": {"status": 0, "timed_out": False, "cpu": 0.1, **report}, "stdout": ""}


def _probe(test: str, plain: dict, forbidden: list | None = None) -> dict:
    return {"ev": "probe", "test": test, "plain": plain, "forbidden": forbidden or []}


def test_scores_are_decided_from_plain_data() -> None:
    ev = [_probe("t1", {"type": "number", "value": 4.0}), _probe("t2", {"type": "number", "value": 1.0}),
          _probe("t3", {"type": "str", "value": "b"}), {"ev": "done"}]
    res = scoring.score(_checks(), _reply(ev), 61)
    assert res["score"] == 3.0 and scoring.summary(res)["status"] == "Completed"
    ev[0] = _probe("t1", {"type": "number", "value": 4.0 / 3})
    res = scoring.score(_checks(), _reply(ev), 61)
    assert scoring.summary(res)["questions"]["q1"] == 1.0
    assert scoring.summary(res)["mistakes"] == [{"question": "q1", "test": "t1", "mistake": "mean-instead-of-sum"}]


def test_forged_or_forbidden_reports_earn_nothing() -> None:
    ev = [_probe("t1", {"type": "number", "value": 4.0}, ["lmcore.losses.total_loss"]),
          _probe("t2", {"type": "number", "value": 1.0}, ["sys.setprofile"]),
          _probe("t2", {"type": "number", "value": 1.0}),  # a second report of the same test is ignored
          _probe("t3", {"type": "number", "value": [[[]]]}), _probe("nope", {"type": "number", "value": 1}),
          {"ev": "done"}]
    res = scoring.score(_checks(), _reply(ev), 61)
    assert res["score"] == 0.0
    out = res["tests"][0]["output"]
    assert "implement this yourself" in out and "total_loss" in out and "call tracer" in out


def test_statuses_from_how_the_process_ended() -> None:
    st = lambda reply: scoring.summary(scoring.score(_checks(), reply, 6))["status"]  # noqa: E731
    assert st(_reply([], timed_out=True)) == "timeout"
    assert st(_reply([], status=signal.SIGKILL, cpu=6.0)) == "timeout"  # RLIMIT_CPU
    assert st(_reply([], status=signal.SIGSEGV)) == "crashed"
    assert st(_reply([_probe("t1", {"type": "number", "value": 4.0})])) == "crashed"  # no "done": os._exit
    assert st(_reply([{"ev": "cell", "i": 2, "etype": "MemoryError", "error": "MemoryError"}, {"ev": "done"}])) \
        == "memory"
    assert st({"events": [], "report": {"error": "sandbox setup failed"}}) == "grader-error"


def test_partial_run_keeps_the_tests_that_ran() -> None:
    res = scoring.score(_checks(), _reply([_probe("t1", {"type": "number", "value": 4.0})], timed_out=True), 6)
    assert scoring.summary(res)["questions"]["q1"] == 1.0 and "did not run" in res["tests"][0]["output"]


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
                  "status": "Completed", "mistakes": [{"question": "q2", "test": "t", "mistake": "m"}]},
                 {"file": "a.ipynb", "questions": {"q10": 0.0, "q2": 0.0}, "total": 0.0, "percent": 0.0,
                  "status": "timeout", "mistakes": []}]
    header, rows = report.grade_rows(summaries, [("q2", 1.0), ("q10", 2.0)])
    assert header == ["file", "q10", "q2", "total_points_earned", "percent_correct", "grading_status"]
    assert rows[0] == ["points-per-question", "2", "1", "3", "1", "--"]
    assert [r[0] for r in rows[1:]] == ["a.ipynb", "b.ipynb"] and rows[2][1:] == ["1", "0.5", "1.5", "0.5",
                                                                                     "Completed"]
    html = report.write_report(tmp_path, summaries, [("q2", 1.0), ("q10", 2.0)], "toy").read_text()
    assert "q2: m" in html and "timeout" in html
    for png in ("histogram.png", "question_means.png", "mistakes.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    batch.write_atomic(tmp_path / "r.json", "{}")
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
    live = tmp_path / f".a.json.tmp-{batch._HOST}-{os.getpid()}"  # a shard still writing
    gone = tmp_path / f".b.json.tmp-{batch._HOST}-{dead.pid}"
    other = tmp_path / ".c.json.tmp-otherhost-1"  # a shard on another machine of the cluster
    for p in (live, gone, other):
        p.write_text("{")
    batch.remove_stale_temporaries(tmp_path)
    assert live.exists() and other.exists() and not gone.exists()
