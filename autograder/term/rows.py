"""Class rows (INTERFACES.md): one per roster student, plus one per submission nobody on the roster owns.

A student's counted submission is their latest (Moodle's or the file's time, Canvas's attachment order); the others
are listed as superseded. Overrides (student, question or `total`, points, reason) apply on every run: a plain number
sets the points, a signed one (`+2`, `-1.5`) adds to them; question points stay within 0 and the question's points.
Then the late penalty: final = max(0, score after overrides - penalty); a row's `overrides[].points` is the change
each override made.
"""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.course.variants import Student
from autograder.term.deadlines import Policy, late_days, penalty

MISSING = "missing"
NOT_A_NOTEBOOK = "unsupported-file"  # grading status of a file of another kind (autograder/grade/submissions.py)


def read_overrides(path: Path) -> list[dict]:
    """An overrides CSV: student (or student_id), question (a question name or `total`), points, reason."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: cannot read the overrides CSV ({e})") from e
    out = []
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        sid = row.get("student") or row.get("student_id") or ""
        target, points = row.get("question") or row.get("target") or "", row.get("points", "")
        try:
            float(points)
            if not sid or not target:
                raise ValueError
        except ValueError:
            raise ValueError(f"{path}:{line}: needs student, question (or total) and points "
                             f"(got {sid!r}, {target!r}, {points!r})") from None
        out.append({"student_id": sid, "target": target, "points": points, "reason": row.get("reason", "")})
    return out


def _order(rec: dict) -> tuple:
    return (rec.get("order_at") or 0.0, rec.get("attachment") or 0, rec["name"])


def _apply(overrides: list[dict], questions: dict[str, float], points: dict[str, float]
           ) -> tuple[dict[str, float], float, list[dict], list[str]]:
    """Question overrides first, then `total` ones on the sum; returns (questions, score, applied, problems)."""
    questions = dict(questions)
    applied, problems = [], []

    def change(o: dict, before: float, top: float) -> float:
        value = float(o["points"])
        signed = o["points"].lstrip()[:1] in "+-"
        after = min(top, max(0.0, before + value if signed else value))
        applied.append({"target": o["target"], "points": round(after - before, 5), "reason": o["reason"],
                        "set": None if signed else value})
        return after

    for o in overrides:
        if o["target"] == "total":
            continue
        if o["target"] not in points:
            problems.append(f"override for {o['student_id']}: no question {o['target']!r} (questions: "
                            f"{', '.join(points)}, or total)")
            continue
        questions[o["target"]] = change(o, questions.get(o["target"], 0.0), points[o["target"]])
    score = round(sum(questions.values()), 5)
    for o in overrides:
        if o["target"] == "total":
            score = change(o, score, float("inf"))
    return questions, round(score, 5), applied, problems


def _row(student: Student | None, subs: list[dict], summaries: dict[str, dict], overrides: list[dict],
         policy: Policy, extension: float, points: dict[str, float]) -> tuple[dict, list[str]]:
    subs = sorted(subs, key=_order)
    # a file that is no notebook at all (a PDF beside the notebook) never hides the student's notebook
    ignored = [s for s in subs if (summaries.get(s["name"]) or {}).get("status") == NOT_A_NOTEBOOK]
    if len(ignored) < len(subs):
        subs = [s for s in subs if s not in ignored]
    else:
        ignored = []
    counted = subs[-1] if subs else None
    summary = summaries.get(counted["name"]) if counted else None
    possible = float(summary.get("possible", sum(points.values()))) if summary else sum(points.values())
    raw = float(summary["total"]) if summary else 0.0
    questions = {q: float((summary or {}).get("questions", {}).get(q, 0.0)) for q in points}
    questions, score, applied, problems = _apply(overrides, questions, points)
    days, why = late_days(counted, policy, extension)
    deducted = penalty(score, possible, days, policy)
    flags = list(counted.get("flags", [])) if counted else []
    flags += [f"superseded: {s['name']} (an earlier upload; the latest counts)" for s in subs[:-1]]
    flags += [f"ignored: {s['name']} (not a notebook, .py or Otter zip)" for s in ignored]
    if days:
        flags.append(f"late: {days} day{'s' if days != 1 else ''}: {why}")
    elif why:
        flags.append(f"on time: {why}")
    if extension:
        flags.append(f"extension: {extension:g} days")
    final = round(max(0.0, score - deducted), 5)
    row = {
        "student_id": student.student_id if student else (counted or {}).get("student_id"),
        "name": student.name if student else "", "email": student.email if student else "",
        "file": counted["name"] if counted else None,
        "status": summary["status"] if summary else MISSING, "raw": raw, "possible": possible,
        "questions": questions, "late_days": days, "penalty": deducted, "overrides": applied, "final": final,
        "percent": round(final / possible, 4) if possible else 0.0, "flags": flags, "summary": summary,
        "superseded": [(s["name"], s) for s in subs[:-1]],  # beyond INTERFACES: (name, record) of older uploads
    }
    return row, problems


def class_rows(roster: list[Student], records: dict[str, dict], summaries: dict[str, dict], overrides: list[dict],
               extensions: dict[str, float], policy: Policy, points: dict[str, float]) -> tuple[list[dict], list[str]]:
    """The class's rows (roster order, then students known only by id, then submissions nobody owns by name) and
    messages about overrides that could not be applied."""
    by_student: dict[str, list[dict]] = {}
    unowned = []
    for name in sorted(summaries):
        rec = records.get(name) or {"name": name, "student_id": None, "source": "", "flags": []}
        sid = rec.get("student_id") or (None if rec.get("refused") or rec.get("source") else
                                        rec.get("metadata_student_id"))
        if sid:
            by_student.setdefault(sid, []).append(rec)
        else:
            unowned.append(rec)
    known = {s.student_id: s for s in roster}
    rows, problems = [], []
    for sid in [s.student_id for s in roster] + sorted(set(by_student) - set(known)):
        mine = [o for o in overrides if o["student_id"] == sid]
        extension = extensions.get(sid, known[sid].extension_days if sid in known else 0.0)
        row, bad = _row(known.get(sid) or Student(sid), by_student.get(sid, []), summaries, mine, policy, extension,
                        points)
        rows.append(row)
        problems += bad
    for rec in unowned:
        row, _ = _row(None, [rec], summaries, [], policy, 0.0, points)
        rows.append(row)
    carried = {}  # student id -> the submissions of others whose notebook metadata names them
    for rec in (r for rs in by_student.values() for r in rs):
        owner = rec.get("metadata_student_id")
        if rec.get("source") and owner and owner != rec.get("student_id"):
            carried.setdefault(owner, []).append(rec)
    for row in rows:
        for rec in carried.get(row["student_id"] or "", []):
            row["flags"].append(f"identity-mismatch: {rec['student_id']}'s submission {rec['name']} is this "
                                "student's notebook (its metadata)")
    everyone = set(known) | set(by_student)
    problems += [f"override for {o['student_id']}: not a student of this class" for o in overrides
                 if o["student_id"] not in everyone]
    return rows, problems
