"""A simulated term (issue 17): a 30-student roster with LMS identities, a Canvas download zip (a late submission,
a resubmission, a student who uploaded a classmate's notebook, a student who never submitted) and a Moodle download
folder; grade; regrade one student; an override; an extension; the gradebook CSVs and the feedback zips read back by
the LMSs' own rules; no hidden data in any feedback file; and the same class graded again from scratch gives the same
bytes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import grade_fixtures as gf
import pytest
import term_fixtures as tf

pytestmark = pytest.mark.slow  # one roster build and three gradings of ~35 notebooks

DUE = "2026-12-10T23:59"
OUTPUTS = ("final_grades.csv", "grades.csv", "report.html", "similarity.csv", "feedback", "exports")


def _lmcourse(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}
    r = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=gf.ROOT, capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def _rows(path: Path, key: str = "student_id") -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r[key]: r for r in csv.DictReader(f)}


def _lines(path: Path) -> dict[str, str]:
    """CSV lines by their first cell."""
    return {line.split(",", 1)[0]: line for line in path.read_text(encoding="utf-8").splitlines()}


def _snapshot(out: Path) -> dict[str, bytes]:
    files = {}
    for name in OUTPUTS:
        p = out / name
        for f in ([p] if p.is_file() else sorted(p.rglob("*")) if p.is_dir() else []):
            if f.is_file():
                files[f.relative_to(out).as_posix()] = f.read_bytes()
    return files


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("term")
    students = tf.roster(30)
    by_id = {s["student_id"]: s for s in students}
    roster = tf.write_roster(tmp / "roster.csv", students)
    _lmcourse("build", gf.ASSIGNMENT, "--roster", str(roster), "--seed", "11", "--out", str(tmp / "dist"))
    built = tmp / "dist" / gf.ASSIGNMENT
    mapping = _rows(built / "variants.csv")
    slips = ["mean_instead_of_sum", "missing_minus", "log_base_2", None]
    canvas = {}
    for i in range(1, 21):  # s001..s020 hand in on Canvas; s008 never does
        sid = f"s{i:03d}"
        if sid in ("s006", "s008"):
            continue
        canvas[tf.canvas_name(by_id[sid], 6000 + i, "loss.ipynb", late=sid == "s003")] = \
            tf.answered(built, sid, slips[i % 4] if sid != "s005" else "missing_minus")
    canvas[tf.canvas_name(by_id["s006"], 6006, "loss.ipynb")] = tf.answered(built, "s007")  # s007's notebook
    canvas[tf.canvas_name(by_id["s005"], 6050, "loss-1.ipynb", late=True)] = tf.answered(built, "s005")  # resubmits
    download = tf.canvas_zip(tmp / "canvas-loss-submissions.zip", canvas)
    moodle = [(by_id[f"s{i:03d}"], "loss.ipynb", tf.answered(built, f"s{i:03d}", slips[i % 4]),
               tf.at("2026-12-12T10:00" if i in (25, 26) else "2026-12-09T18:30")) for i in range(21, 31)]
    tf.moodle_folder(tmp / "moodle", moodle)
    students[25]["extension_days"] = "3"  # s026: an extension in the roster column covers its lateness
    tf.write_roster(roster, students)
    (tmp / "overrides.csv").write_text("student,question,points,reason\ns004,q1,+1,regrade request\n"
                                       "s008,total,4,handed in on paper\n", encoding="utf-8")
    zip_path = built / "autograder" / "autograder.zip"
    out = tmp / "class"
    first = [str(download), str(tmp / "moodle")]
    common = ["-a", str(zip_path), "--out", str(out), "--workers", "2", "-q"]
    _lmcourse("grade", *common, *first, "--roster", str(roster), "--due", DUE, "--late-penalty", "10",
              "--late-cap", "50", "--overrides", str(tmp / "overrides.csv"))
    before = _snapshot(out)
    fixed = tmp / "fixed" / "s009" / "loss.ipynb"  # s009's corrected notebook, sent after Canvas's download
    fixed.parent.mkdir(parents=True)
    fixed.write_bytes(tf.answered(built, "s009"))
    os.utime(fixed, (tf.at("2026-12-12T10:00"),) * 2)
    _lmcourse("grade", *common, str(fixed))
    regraded = _snapshot(out)
    (tmp / "extensions.csv").write_text("student_id,days\ns003,1\n", encoding="utf-8")
    _lmcourse("grade", "-a", str(zip_path), "--out", str(out), "-q", "--extensions", str(tmp / "extensions.csv"))
    again = tmp / "again"  # the same class, graded from scratch in one run
    _lmcourse("grade", "-a", str(zip_path), "--out", str(again), "--workers", "2", "-q", *first, str(fixed),
              "--roster", str(roster), "--due", DUE, "--late-penalty", "10", "--late-cap", "50",
              "--overrides", str(tmp / "overrides.csv"), "--extensions", str(tmp / "extensions.csv"))
    return {"tmp": tmp, "out": out, "again": again, "built": built, "mapping": mapping, "students": by_id,
            "before": before, "regraded": regraded, "zip": zip_path}


def test_every_roster_student_has_a_row_and_the_missing_one_scores_0(term: dict) -> None:
    rows = _rows(term["out"] / "grades.csv")
    assert list(rows) == [f"s{i:03d}" for i in range(1, 31)]
    assert rows["s008"]["status"] == "missing" and rows["s008"]["file"] == "" and rows["s008"]["raw"] == "0"
    assert rows["s008"]["final"] == "4"  # only the instructor's override: handed in on paper
    assert rows["s001"]["status"] == "Completed" and rows["s001"]["name"] == term["students"]["s001"]["name"]


def test_the_copied_notebook_is_graded_on_the_uploaders_variant_and_flagged(term: dict) -> None:
    rows = _rows(term["out"] / "grades.csv")
    result = gf.result(term["out"], rows["s006"]["file"])["extra_data"]["lmcourse"]
    assert result["variant"] == term["mapping"]["s006"]["variant"] != term["mapping"]["s007"]["variant"]
    assert "identity-mismatch" in rows["s006"]["flags"] and "s007" in rows["s006"]["flags"]
    assert "identity-mismatch" in rows["s007"]["flags"] and "s006" in rows["s007"]["flags"]
    assert "identity-mismatch" in (term["out"] / "report.html").read_text(encoding="utf-8")
    assert "identity-mismatch" not in rows["s001"]["flags"]


def test_the_latest_submission_counts_and_the_other_is_superseded(term: dict) -> None:
    rows = _rows(term["out"] / "grades.csv")
    assert rows["s005"]["file"].endswith("_6050_loss-1.ipynb") and float(rows["s005"]["raw"]) == gf.full_marks()
    assert "superseded" in rows["s005"]["flags"] and "_6005_loss.ipynb" in rows["s005"]["flags"]
    assert rows["s009"]["file"] == "s009/loss.ipynb" and "superseded" in rows["s009"]["flags"]


def test_late_penalties_from_canvas_marks_and_moodle_times_and_extensions_remove_them(term: dict) -> None:
    before = list(csv.DictReader(io.StringIO(term["before"]["grades.csv"].decode())))
    was = {r["student_id"]: r for r in before}
    day = 0.1 * gf.full_marks()  # --late-penalty 10: 10 % of the points per late day
    assert was["s003"]["late_days"] == "1" and float(was["s003"]["penalty"]) == pytest.approx(day)  # Canvas's LATE
    now = _rows(term["out"] / "grades.csv")
    assert (now["s003"]["late_days"], now["s003"]["penalty"]) == ("0", "0")  # the extension covers it
    assert float(now["s003"]["final"]) == pytest.approx(float(was["s003"]["final"]) + day)
    assert now["s025"]["late_days"] == "2" and float(now["s025"]["penalty"]) == pytest.approx(2 * day)  # Moodle's
    assert (now["s026"]["late_days"], now["s026"]["penalty"]) == ("0", "0")  # roster extension_days 3
    assert now["s005"]["late_days"] == "1"  # the resubmission was marked late by Canvas
    assert now["s009"]["late_days"] == "2" and float(now["s009"]["penalty"]) == pytest.approx(2 * day)  # file time
    assert all(now[s]["late_days"] == "0" for s in now if s not in ("s005", "s009", "s025"))


def test_regrading_one_student_leaves_every_other_row_byte_identical(term: dict) -> None:
    before, after = term["before"], term["regraded"]
    for name in ("grades.csv", "exports/canvas.csv", "exports/moodle.csv", "exports/grades.csv"):
        old, new = (_lines_of(before[name]), _lines_of(after[name]))
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        assert changed <= {"s009", term["students"]["s009"]["name"], term["students"]["s009"]["email"],
                           term["students"]["s009"]["canvas_user_id"]}, (name, changed)
    old, new = _lines_of(before["final_grades.csv"]), _lines_of(after["final_grades.csv"])
    assert set(new) - set(old) == {"s009/loss.ipynb"} and all(new[k] == old[k] for k in old)
    changed = {k for k in before if k.startswith("feedback/") and before[k] != after.get(k)}
    assert changed <= {"feedback/s009.html", "feedback/s009.md", "feedback/canvas-feedback.zip",
                       "feedback/moodle-feedback.zip"}
    assert "feedback/s009.html" in changed


def _lines_of(data: bytes) -> dict[str, str]:
    return {line.split(",", 1)[0]: line for line in data.decode("utf-8").splitlines()}


def test_an_override_survives_regrades(term: dict) -> None:
    rows = _rows(term["out"] / "grades.csv")
    assert rows["s004"]["overrides"] == "q1 +1 (regrade request)"
    assert float(rows["s004"]["final"]) == float(rows["s004"]["raw"]) + 1  # s004 lost q1 to a mistake
    page = (term["out"] / "feedback" / "s004.html").read_text(encoding="utf-8")
    assert "regrade request" in page and "regrade request" in (term["out"] / "students.html").read_text()


def test_canvas_gradebook_csv_reads_back_by_canvas_rules(term: dict) -> None:
    """canvas-lms GradebookImporter: the header's student columns, "Points Possible", then rows matched by ID."""
    with open(term["out"] / "exports" / "canvas.csv", newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header, points, *rows = table
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]  # row_has_student_headers?
    assert re.fullmatch(r"SIS\s+User\s+ID", header[2]) and re.fullmatch(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4]  # the last student column (5 with both SIS columns)
    title, assignment_id = (re.match(r"\A(.*)\s\((\d+)\)\Z", header[5]) or re.match(r"\A(.*)()\Z", header[5])).groups()
    assert title == gf.ASSIGNMENT and "Points Possible" in points[0] and float(points[5]) == gf.full_marks()
    assert {len(r) for r in table} == {6}  # Canvas picks , or ; by consistent field counts
    grades = _rows(term["out"] / "grades.csv")
    by_canvas = {s["canvas_user_id"]: sid for sid, s in term["students"].items()}
    assert len(rows) == 30
    for r in rows:
        sid = by_canvas[r[1]]  # the importer's lookup by Canvas user id
        assert r[2] == term["students"][sid]["sis_user_id"] and float(r[5]) == pytest.approx(
            float(grades[sid]["final"]), abs=0.005)


def test_moodle_grade_csv_reads_back_by_moodle_rules(term: dict) -> None:
    """grade/import/csv load_data.php: every row maps to an existing user (else the import aborts), a grade is a
    number or empty."""
    with open(term["out"] / "exports" / "moodle.csv", newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["Email address", gf.ASSIGNMENT]
    emails = {s["email"]: sid for sid, s in term["students"].items()}
    grades = _rows(term["out"] / "grades.csv")
    assert len(rows) == 30
    for email, grade in rows:
        assert email.strip() in emails  # check_user_exists, or the whole import is cleaned up
        assert grade == "" or float(grade) == pytest.approx(float(grades[emails[email]]["final"]), abs=0.005)


def test_feedback_zips_are_named_as_canvas_and_moodle_read_them(term: dict) -> None:
    rows = _rows(term["out"] / "grades.csv")
    with zipfile.ZipFile(term["out"] / "feedback" / "canvas-feedback.zip") as zf:
        names = zf.namelist()
    by_canvas = {s["canvas_user_id"]: sid for sid, s in term["students"].items()}
    assert len(names) == 18  # every student whose counted submission came from Canvas (not s008, not s009 now)
    for name in names:
        user, attachment = [p for p in name.split("_") if re.fullmatch(r"\d+", p)][:2]  # infer_comment_context...
        counted = rows[by_canvas[user]]["file"]
        assert f"_{user}_{attachment}_" in counted  # the attachment of that student's counted submission
    with zipfile.ZipFile(term["out"] / "feedback" / "moodle-feedback.zip") as zf:
        names = zf.namelist()
    by_participant = {s["participant_id"]: sid for sid, s in term["students"].items()}
    assert len(names) == 30  # every roster row carries a participant id
    for name in names:
        info = name.split("_", 4)  # is_valid_filename_for_import: explode('_', $pathpart, 5)
        assert len(info) == 5 and info[1].isdigit() and info[1] in by_participant
        assert (info[2], info[3]) == ("assignsubmission", "file") and info[4] == "feedback.html"


def _hidden(checks: dict) -> list[str]:
    """Texts a student must never see: each hidden test's probe input and expected value (where it is not also a
    public test's)."""
    public = {json.dumps(t["expect"]) for q in checks["questions"] for t in q["tests"] if not t["hidden"]}
    out = []
    for q in checks["questions"]:
        for t in q["tests"]:
            if not t["hidden"] or q["kind"] == "mcq":
                continue
            out.append(t["probe"])
            out += re.findall(r"\[[^\[\]]{8,}\]", t["probe"])  # the probe's input lists
            small = isinstance(t["expect"], (int, float)) and float(t["expect"]).is_integer() and t["expect"] < 100
            if json.dumps(t["expect"]) not in public and not small:  # "3" is in any page; 3.21 is a secret
                out += [json.dumps(t["expect"]), repr(t["expect"])]
                if isinstance(t["expect"], float):
                    out += [f"{t['expect']:.4g}", f"{t['expect']:.3f}"]
    return [s for s in out if len(s) >= 4]  # "3" or "2.5" is in any page; 3.219 is a secret


def test_feedback_files_hold_no_hidden_data(term: dict) -> None:
    files = sorted((term["out"] / "feedback").glob("s*.*"))
    assert len(files) == 60
    checks_dir = term["built"] / "autograder" / "checks"
    for f in files:
        text = f.read_text(encoding="utf-8")
        sid = f.stem
        variant = term["mapping"][sid]["variant"]
        for secret in _hidden(json.loads((checks_dir / f"{variant}.json").read_text())):
            assert secret not in text, (f.name, secret)
        assert not any(other in text for other in term["students"] if other != sid)  # no classmate named
    with zipfile.ZipFile(term["out"] / "feedback" / "canvas-feedback.zip") as zf:
        assert all(zf.read(n).decode() in [f.read_text(encoding="utf-8") for f in files] for n in zf.namelist())


def test_the_same_class_graded_from_scratch_gives_the_same_bytes(term: dict) -> None:
    mine, again = _snapshot(term["out"]), _snapshot(term["again"])
    assert sorted(mine) == sorted(again)
    assert [k for k in mine if mine[k] != again[k]] == []


def test_removing_a_submission_needs_asking_and_keeps_the_students_row(term: dict, tmp_path: Path) -> None:
    out = tmp_path / "class"
    shutil.copytree(term["out"], out)
    rows = _rows(out / "grades.csv")
    _lmcourse("remove", str(out), rows["s012"]["file"])
    after = _rows(out / "grades.csv")
    assert after["s012"]["status"] == "missing" and after["s011"] == rows["s011"]
    assert not (out / "submissions" / rows["s012"]["file"]).exists()


def test_build_roster_hands_out_bundles_and_a_moodle_zip(term: dict) -> None:
    built, students = term["built"], term["students"]
    kit = sorted(p.name for p in (built / "student").iterdir() if p.is_file() and p.suffix != ".ipynb")
    for sid in students:
        bundle = built / "handout" / sid / gf.ASSIGNMENT
        assert sorted(p.name for p in bundle.iterdir()) == sorted([*kit, f"{gf.ASSIGNMENT}.ipynb"])
        assert (bundle / f"{gf.ASSIGNMENT}.ipynb").read_bytes() == \
            (built / "student" / sid / f"{gf.ASSIGNMENT}.ipynb").read_bytes()  # the build's scanned notebook
    by_participant = {s["participant_id"]: sid for sid, s in students.items()}
    with zipfile.ZipFile(built / "handout" / "moodle-handout.zip") as zf:
        for name in zf.namelist():
            info = name.split("_", 4)  # importziplib.php's rule, as for feedback
            sid = by_participant[info[1]]
            assert info[2:] == ["assignsubmission", "file", f"{gf.ASSIGNMENT}.zip"]
            assert zf.read(name) == (built / "handout" / f"{sid}.zip").read_bytes()
        assert len(zf.namelist()) == 30


def test_handout_copies_bundles_into_jupyterhub_homes_and_keeps_student_work(term: dict, tmp_path: Path) -> None:
    roster = term["tmp"] / "roster.csv"
    for user in ("user1", "user2", "user3"):
        (tmp_path / user).mkdir()
    (tmp_path / "user2" / gf.ASSIGNMENT).mkdir()
    (tmp_path / "user2" / gf.ASSIGNMENT / f"{gf.ASSIGNMENT}.ipynb").write_text("my work")
    args = ["handout", str(term["built"]), "--roster", str(roster), "--homes", str(tmp_path / "{username}")]
    dry = _lmcourse(*args, "--dry-run").stdout
    assert "s001 (user1): would copy" in dry and not (tmp_path / "user1" / gf.ASSIGNMENT).exists()
    done = _lmcourse(*args).stdout
    assert (tmp_path / "user1" / gf.ASSIGNMENT / f"{gf.ASSIGNMENT}.ipynb").read_bytes() == \
        (term["built"] / "student" / "s001" / f"{gf.ASSIGNMENT}.ipynb").read_bytes()
    assert (tmp_path / "user2" / gf.ASSIGNMENT / f"{gf.ASSIGNMENT}.ipynb").read_text() == "my work"
    assert f"kept existing {gf.ASSIGNMENT}.ipynb" in done and "s004: skipped, no home folder" in done
