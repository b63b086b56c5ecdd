"""The term's parts on their own (no grading): LMS download names as Canvas's and Moodle's code writes them, the
collector's identity, deadlines, overrides, the class store, the roster's LMS columns and the gradebook exports."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from autograder.course.variants import Student, read_roster
from autograder.term import lms
from autograder.term.collect import Roster, identify, notebook_student_id
from autograder.term.deadlines import DAY, Policy, late_days, parse_due, penalty
from autograder.term.gradebook import Export
from autograder.term.gradebook import write as write_exports
from autograder.term.rows import class_rows, read_overrides
from autograder.term.store import ClassStore, StoreError

ADA = Student("s001", "Ada Lovelace", "ada@x.edu", canvas_user_id="1001", participant_id="501", username="ada")
ALAN = Student("s002", "Alan Turing", "alan@x.edu", canvas_user_id="1002", participant_id="502")
GRACE = Student("s003", "Grace Hopper", "grace@x.edu")  # no LMS ids: matched by name only
ROSTER = Roster([ADA, ALAN, GRACE], {"s004"})


# ------------------------------------------------------------------------------------------------ LMS names
@pytest.mark.parametrize("name, want", [
    ("lovelaceada_1001_5001_loss.ipynb", ("1001", "lovelaceada", "loss.ipynb", False, 5001)),
    ("lovelaceada_LATE_1001_5001_loss-1.ipynb", ("1001", "lovelaceada", "loss-1.ipynb", True, 5001)),
    ("obrien_mary_1003_77_my_loss_v2.ipynb", ("1003", "obrien_mary", "my_loss_v2.ipynb", False, 77)),
    ("LATE_anon_x1y2z_5009_loss.ipynb", ("", "anon_x1y2z", "loss.ipynb", True, 5009)),
    ("lovelaceada_LATE_1001_text.html", ("1001", "lovelaceada", "text.html", True, 0)),  # a text entry
])
def test_canvas_download_names(name, want):
    u = lms.canvas_upload(name)
    assert (u.user, u.name, u.file, u.late, u.attachment) == want and u.lms == "canvas"
    assert name.startswith(u.prefix + "_")


def test_canvas_squeezes_names_as_its_zipper_does():
    assert lms.squeezed("Ada Lovelace") == "lovelaceada"  # sortable "Lovelace, Ada", non-word characters gone
    assert lms.squeezed("Mary Jane O'Neil") == "oneilmaryjane"


@pytest.mark.parametrize("parts, want", [
    (("Ada Lovelace_501_assignsubmission_file", "loss.ipynb"), ("501", "Ada Lovelace", "")),  # Moodle >= 4.1
    (("Ada Lovelace_501_assignsubmission_file_", "loss.ipynb"), ("501", "Ada Lovelace", "")),  # before 4.1
    (("Ada Lovelace_501_assignsubmission_file_loss.ipynb",), ("501", "Ada Lovelace", "loss.ipynb")),  # flat
    (("Participant_77_assignsubmission_file", "x.ipynb"), ("77", "Participant", "")),  # blind marking
])
def test_moodle_download_names(parts, want):
    u = lms.upload_of(parts)
    assert u is not None and (u.lms, u.user, u.name, u.file) == ("moodle", *want)


def test_moodle_feedback_names_follow_its_import_rules():
    name = lms.moodle_feedback_name("Mary_Jane Smith", "501", "feedback.html")
    info = name.split("_", 4)  # importziplib.php: explode('_', $pathpart, 5)
    assert info[1] == "501" and info[2:4] == ["assignsubmission", "file"] and info[4] == "feedback.html"
    assert info[0] == "Mary Jane Smith"


def _zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for n in names:
            zf.writestr(n, "{}")
    return path


def test_a_download_zip_is_told_apart_from_an_otter_export(tmp_path):
    assert lms.lms_of_zip(_zip(tmp_path / "c.zip", ["lovelaceada_1001_5001_loss.ipynb",
                                                    "turingalan_LATE_1002_5002_loss.ipynb"])) == "canvas"
    assert lms.lms_of_zip(_zip(tmp_path / "m.zip", ["Ada Lovelace_501_assignsubmission_file/loss.ipynb",
                                                    "__MACOSX/._x"])) == "moodle"
    assert lms.lms_of_zip(_zip(tmp_path / "o.zip", ["loss.ipynb", ".OTTER_LOG"])) is None  # Otter's export
    assert lms.lms_of_zip(_zip(tmp_path / "x.zip", ["lovelaceada_1001_5001_loss.ipynb", "notes.txt"])) is None


def test_download_members_outside_paths_and_links_are_skipped(tmp_path):
    path = tmp_path / "c.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil_1_2_x.ipynb", "x")
        link = zipfile.ZipInfo("link_1_2_x.ipynb")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ok_1_2_x.ipynb", "y" * 100)
    members, notes = lms.download_members(path, max_bytes=10)
    assert [m.name for m in members] == ["ok_1_2_x.ipynb"] and members[0].size == 100 and len(members[0].data) == 11
    assert len(notes) == 2 and "outside" in notes[0] and "symbolic link" in notes[1]


# ------------------------------------------------------------------------------------------------ identity
@pytest.mark.parametrize("parts, sid, source", [
    (("s001.ipynb",), "s001", "file name s001"),
    (("s003", "loss.ipynb"), "s003", "folder s003"),
    (("s004", "loss.ipynb"), "s004", "folder s004"),  # known from the zip's variants.csv only
    (("lovelaceada_1001_5001_loss.ipynb",), "s001", "Canvas user 1001"),
    (("hoppergrace_9999_5003_loss.ipynb",), "s003", "Canvas name hoppergrace"),  # no Canvas id in the roster
    (("Alan Turing_502_assignsubmission_file", "loss.ipynb"), "s002", "Moodle participant 502"),
    (("Grace  hopper_777_assignsubmission_file", "loss.ipynb"), "s003", "Moodle participant 777 (Grace  hopper)"),
    (("notes.ipynb",), None, ""),
])
def test_the_collector_identifies(parts, sid, source):
    ident = identify(parts, ROSTER)
    assert (ident.student_id, ident.source, ident.refused) == (sid, source, None)


def test_a_per_student_folder_outranks_the_file_name_the_student_chose():
    ident = identify(("s001", "s002.ipynb"), ROSTER)  # issue 22: was graded on s002's variant
    assert ident.student_id == "s001" and ident.refused is None
    assert ident.flags and "identity-mismatch" in ident.flags[0] and "s002" in ident.flags[0]


def test_conflicting_collector_identities_are_refused():
    ident = identify(("s002", "lovelaceada_1001_5001_loss.ipynb"), ROSTER)
    assert ident.student_id is None and "s001" in ident.refused and "s002" in ident.refused
    assert identify(("s001", "s002", "loss.ipynb"), ROSTER).refused


def test_an_lms_user_not_on_the_roster_is_flagged_unmatched():
    ident = identify(("someone_4242_5001_loss.ipynb",), ROSTER)
    assert ident.student_id is None and ident.flags == [
        "unmatched: Canvas user 4242 (someone) is not on the roster"]
    twins = Roster([Student("a", "Sam Lee"), Student("b", "Sam Lee")], set())
    assert identify(("Sam Lee_1_assignsubmission_file", "x.ipynb"), twins).student_id is None  # never guessed


def test_notebook_metadata_is_read_as_data():
    nb = b'{"cells": [], "metadata": {"lmcourse": {"student_id": "s002"}}}'
    assert notebook_student_id("a.ipynb", nb) == "s002"
    assert notebook_student_id("a.ipynb", b"not json") is None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.ipynb", nb)
    assert notebook_student_id("export.zip", buf.getvalue()) == "s002"


# ------------------------------------------------------------------------------------------------ deadlines
def test_due_dates_and_late_days():
    due = parse_due("2026-12-10")  # a date alone: the end of that day
    assert due == parse_due("2026-12-10T23:59:59")
    policy = Policy(due=due, per_day=10, cap=25)
    rec = {"lms": None, "submitted_at": due + 1}
    assert late_days(rec, policy, 0)[0] == 1
    assert late_days({**rec, "submitted_at": due + 2 * DAY + 1}, policy, 0)[0] == 3
    assert late_days(rec, policy, 1)[0] == 0  # an extension of a day covers it
    assert late_days({"lms": "moodle", "submitted_at": due - 5}, policy, 0)[0] == 0
    assert late_days({"lms": "canvas", "late_mark": True, "submitted_at": None}, Policy(), 0)[0] == 1
    assert late_days({"lms": "canvas", "late_mark": True}, policy, 2)[0] == 0
    assert late_days({"lms": "canvas", "late_mark": False, "submitted_at": due + 9 * DAY}, policy, 0)[0] == 0
    assert penalty(13, 13, 1, policy) == 1.3 and penalty(13, 13, 5, policy) == 3.25  # capped at 25 %
    assert penalty(1, 13, 5, policy) == 1  # never more than the score
    assert penalty(13, 13, 3, Policy(due=due, cutoff=2)) == 13 and penalty(13, 13, 2, Policy(cutoff=2)) == 0


# ------------------------------------------------------------------------------------------------ class rows
POINTS = {"q1": 2.0, "q2": 3.0}


def _summary(name: str, q1: float, q2: float) -> dict:
    return {"file": name, "status": "Completed", "total": q1 + q2, "possible": 5.0, "questions": {"q1": q1, "q2": q2},
            "points": POINTS, "variant": "default"}


def _rec(name: str, sid: str | None, order: float, attachment: int = 0) -> dict:
    return {"name": name, "student_id": sid, "source": "folder" if sid else "", "flags": [], "order_at": order,
            "attachment": attachment, "lms": None, "submitted_at": None}


def test_rows_latest_counts_missing_students_and_overrides(tmp_path):
    summaries = {"a1": _summary("a1", 2, 0), "a2": _summary("a2", 0, 1), "x": _summary("x", 1, 1)}
    records = {"a1": _rec("a1", "s001", 10.0, 5050), "a2": _rec("a2", "s001", 10.0, 5001), "x": _rec("x", None, 1)}
    path = tmp_path / "o.csv"
    path.write_text("student,question,points,reason\ns001,q2,+5,bonus\ns001,total,-1,style\ns002,total,4,paper\n"
                    "s001,q9,1,typo\nghost,q1,1,who\n", encoding="utf-8")
    rows, problems = class_rows([ADA, ALAN], records, summaries, read_overrides(path), {}, Policy(), POINTS)
    ada, alan, stranger = rows
    assert ada["file"] == "a1" and "superseded: a2" in ada["flags"][0]  # the higher attachment id is the later one
    assert ada["questions"] == {"q1": 2, "q2": 3} and ada["final"] == 4  # q2 +5 capped at 3, then total -1
    assert [o["points"] for o in ada["overrides"]] == [3, -1]
    assert alan["status"] == "missing" and alan["raw"] == 0 and alan["final"] == 4 and alan["summary"] is None
    assert stranger["student_id"] is None and stranger["file"] == "x"
    assert any("q9" in p for p in problems) and any("ghost" in p for p in problems)


def test_a_file_that_is_no_notebook_never_hides_the_notebook():
    pdf = {**_summary("b.pdf", 0, 0), "status": "unsupported-file"}
    rows, _ = class_rows([ADA], {"a.ipynb": _rec("a.ipynb", "s001", 5.0), "b.pdf": _rec("b.pdf", "s001", 9.0)},
                         {"a.ipynb": _summary("a.ipynb", 2, 3), "b.pdf": pdf}, [], {}, Policy(), POINTS)
    assert rows[0]["file"] == "a.ipynb" and rows[0]["final"] == 5 and rows[0]["flags"][0].startswith("ignored: b.pdf")


def test_bad_override_rows_are_refused_with_the_line(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("student,question,points\ns001,q1,lots\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"o.csv:2"):
        read_overrides(path)


# ------------------------------------------------------------------------------------------------ store, roster
def test_the_store_keeps_all_or_nothing(tmp_path):
    with ClassStore(tmp_path) as store:
        with store.transaction():
            store.set_roster([ADA])
        with pytest.raises(RuntimeError), store.transaction():
            store.set_roster([ADA, ALAN])
            raise RuntimeError("killed half-way")
        assert [s.student_id for s in store.roster()] == ["s001"]
        with store.transaction():
            store.put_submission({"name": "odd\udcff.ipynb", "student_id": None, "sha256": "0"})
        assert list(store.submissions()) == ["odd\udcff.ipynb"]  # names that are not UTF-8 survive
    with ClassStore(tmp_path) as store:
        store.db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer lmcourse"):
        ClassStore(tmp_path)


def test_the_roster_reads_lms_columns_under_their_lms_names(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("Student_ID,Name,Email address,SIS User ID,SIS Login ID,Section,ID number,Username,"
                    "participant_id,canvas_user_id,extension_days\n"
                    "s1,Ada,ada@x,SIS1,ada,A,ID1,ada,501,1001,2\ns2,Bob,,,,,,,,,soon\n", encoding="utf-8")
    (s,) = read_roster(path)
    assert (s.email, s.sis_user_id, s.sis_login_id, s.section, s.idnumber, s.username, s.participant_id,
            s.canvas_user_id, s.extension_days) == ("ada@x", "SIS1", "ada", "A", "ID1", "ada", "501", "1001", 2.0)
    assert "r.csv:3: extension_days 'soon'" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ exports
def _row(student: Student, final: float, status: str = "Completed") -> dict:
    return {"student_id": student.student_id, "status": status, "final": final, "possible": 13.0, "overrides": []}


def test_exports_points_percent_and_missing(tmp_path):
    rows = [_row(ADA, 12.5), _row(ALAN, 0.0, "missing"), _row(GRACE, 13.0)]
    roster = {s.student_id: s for s in (ADA, ALAN, GRACE)}
    notes = write_exports(tmp_path, rows, roster, "loss", Export(canvas_id="77", missing="blank"))
    canvas = list(csv.reader((tmp_path / "exports" / "canvas.csv").open(encoding="utf-8")))
    assert canvas[0][-1] == "loss (77)" and canvas[1] == ["Points Possible", "", "", "", "", "13"]
    assert [r[-1] for r in canvas[2:]] == ["12.5", "", "13"]
    moodle = list(csv.reader((tmp_path / "exports" / "moodle.csv").open(encoding="utf-8")))
    assert moodle == [["Email address", "loss"], ["ada@x.edu", "12.5"], ["alan@x.edu", ""], ["grace@x.edu", "13"]]
    notes = write_exports(tmp_path, rows, roster, "loss", Export(scale="percent", moodle_identifier="username"))
    moodle = list(csv.reader((tmp_path / "exports" / "moodle.csv").open(encoding="utf-8")))
    assert moodle == [["Username", "loss"], ["ada", "96.15"]]  # only rows Moodle can match: the rest would abort
    assert any("s002" in n and "s003" in n for n in notes)


# ------------------------------------------------------------------------------------------------ verbs, refusals
def test_term_verbs_refuse_what_they_cannot_do(tmp_path):
    from click.testing import CliRunner

    from autograder.cli import main

    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    run = CliRunner().invoke
    r = run(main, ["grade", "-a", str(zip_path), "--out", str(tmp_path / "new")])
    assert r.exit_code != 0 and "give SUBMISSION" in r.output
    for verb in ("remove", "export", "handback"):
        args = [verb, str(tmp_path), *(["s001"] if verb == "remove" else [])]
        r = run(main, args)
        assert r.exit_code != 0 and "not a class folder" in r.output, (verb, r.output)
    r = run(main, ["handout", str(tmp_path), "--roster", str(zip_path), "--homes", "/home/x"])
    assert r.exit_code != 0 and "{username}" in r.output
