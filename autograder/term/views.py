"""Every output of a class folder, recomputed over the whole class from the store on every run, so regrading one
student rewrites the other rows byte for byte and the same class always gives the same files:

    final_grades.csv   Otter's layout, one row per submission in the class (superseded ones included)
    grades.csv         one row per student: counted file, status, points per question, raw, late days, penalty,
                       overrides, final, percent, flags
    report.html        the teacher's view, with the class rows
    similarity.csv     similar code across every submission in the class
    feedback/          one file per student (HTML, Markdown), canvas-feedback.zip, moodle-feedback.zip
    exports/           canvas.csv, moodle.csv, grades.csv (gradebook imports)
"""

from __future__ import annotations

from pathlib import Path

from autograder.course.outputs import write_csv
from autograder.grade import report
from autograder.grade.bundle import Bundle
from autograder.term import feedback, gradebook
from autograder.term.collect import SUBMISSIONS, on_disk
from autograder.term.deadlines import Policy
from autograder.term.rows import class_rows
from autograder.term.store import ClassStore


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.5g}"


def _overrides_text(row: dict) -> str:
    """"q3 set to 2 (regrade); total +1 (bonus)": each override and what it did."""
    return "; ".join(f"{o['target']} " + (f"set to {_num(o['set'])}" if o["set"] is not None else f"{o['points']:+g}")
                     + (f" ({o['reason']})" if o["reason"] else "") for o in row["overrides"])


def with_identity(summary: dict, record: dict | None) -> dict:
    """The summary as INTERFACES.md gives it to the report: plus student_id (the collector's identity), identity
    {source, uploader, metadata_student_id} and flags. Kept out of results/*.json, which students may see."""
    rec = record or {}
    uploader = f"{rec['lms']} user {rec['lms_user']} ({rec['lms_name']})" if rec.get("lms") else ""
    return {**summary, "student_id": rec.get("student_id"), "flags": list(rec.get("flags") or []),
            "identity": {"source": rec.get("source", ""), "uploader": uploader,
                         "metadata_student_id": rec.get("metadata_student_id")}}


def grade_table(rows: list[dict], questions: list[str]) -> tuple[list[str], list[list[str]]]:
    header = ["student_id", "name", "email", "file", "status", *questions, "raw", "late_days", "penalty", "overrides",
              "final", "possible", "percent", "flags"]
    body = [[r["student_id"] or "", r["name"], r["email"], r["file"] or "", r["status"],
             *(_num(r["questions"].get(q, 0.0)) for q in questions), _num(r["raw"]), str(r["late_days"]),
             _num(r["penalty"]), _overrides_text(r), _num(r["final"]), _num(r["possible"]), _num(r["percent"]),
             " | ".join(r["flags"])] for r in rows]
    return header, body


def write_all(out: Path, store: ClassStore, bundle: Bundle, similarity: dict | None) -> dict:
    """Write every output from the store; returns {"rows", "notes", "similar", "reach"} for the command's summary.
    `similarity`: {"threshold", "template"} or None to skip it."""
    from autograder.grade import similarity as sim

    names = set(on_disk(out))
    records = {n: r for n, r in store.submissions().items() if n in names}
    summaries = {n: with_identity(s, records.get(n)) for n, s in store.results().items() if n in names}
    roster = store.roster()
    settings = store.settings()
    policy = Policy.from_json(settings.get("policy"))
    points = dict(bundle.questions)
    rows, notes = class_rows(roster, records, summaries, store.overrides(), store.extensions(), policy, points)
    questions = sorted(points)
    listed = [summaries[n] for n in sorted(summaries)]
    header, body = report.grade_rows(listed, bundle.questions)
    write_csv(out / "final_grades.csv", header, body)  # Otter's layout, as `lmcourse grade` always wrote it
    write_csv(out / "grades.csv", *grade_table(rows, questions))
    similar = None
    if similarity is not None:
        template = similarity.get("template")
        similar = sim.flag(bundle.path, None, [out / SUBMISSIONS], out, similarity["threshold"],
                           Path(template) if template else None)
    assignment = next(iter(bundle.checks.values())).assignment
    report.write_report(out, listed, bundle.questions, f"Grades: {assignment}", bundle.checks, similar,
                        similarity["threshold"] if similarity else None, students=rows)
    by_id = {s.student_id: s for s in roster}
    reach = feedback.write(out, rows, records, by_id, bundle.checks, f"{assignment}: feedback",
                           bool(settings.get("publish_mcq")), policy.describe())
    if roster:
        notes += gradebook.write(out, rows, by_id, assignment, gradebook.Export.from_json(settings.get("export")))
    return {"rows": rows, "notes": notes, "similar": similar, "reach": reach, "header": header, "body": body}
