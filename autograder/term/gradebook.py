"""Gradebook exports, written to what each LMS's importer reads (checked against their code):

- Canvas (Grades → Import; canvas-lms app/models/gradebook_importer.rb): the header `Student, ID, SIS User ID,
  SIS Login ID, Section` (the importer finds the student columns by these names, "Section" last), then one column
  per assignment headed `<name> (<assignment id>)` (Assignment.title_and_id; without an id Canvas matches the title
  or creates an assignment), then a `Points Possible` row. A student is found by `ID` (Canvas user id), else SIS
  user id, else SIS login id, else the name. An empty cell changes nothing.
- Moodle (Grades → Import → CSV file; grade/import/csv/classes/load_data.php): the instructor maps one column to a user
  field (email, ID number or username) and one to the grade item. A row whose user cannot be found aborts the whole
  import, and a row with an empty user cell keeps the previous row's user, so students without the chosen identifier
  are left out (and named on stderr and in the report). An empty grade means "no grade".
- plain: student_id, name, email, the grade, the status.

Grades are the final points (after overrides and late penalty) or percent; a student with no submission gets 0 or an
empty cell (`--missing zero|blank`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.course.outputs import write_csv
from autograder.course.variants import Student

FOLDER = "exports"
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTIFIERS = {"email": "Email address", "idnumber": "ID number", "username": "Username"}


@dataclass(frozen=True)
class Export:
    assignment: str = ""  # the gradebook column's name (default: the assignment id)
    canvas_id: str = ""  # Canvas's assignment id, so the column is `<name> (<id>)`
    scale: str = "points"  # or "percent"
    missing: str = "zero"  # or "blank"
    moodle_identifier: str = "email"  # or "idnumber", "username"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict | None) -> Export:
        return cls(**d) if d else cls()


def _value(row: dict, e: Export) -> str:
    if row["status"] == "missing" and not row["overrides"] and e.missing == "blank":
        return ""
    x = 100 * row["final"] / row["possible"] if e.scale == "percent" and row["possible"] else row["final"]
    x = round(x, 2)
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0")


def _possible(rows: list[dict], e: Export) -> str:
    if e.scale == "percent":
        return "100"
    p = max((r["possible"] for r in rows), default=0.0)
    return str(int(p)) if float(p).is_integer() else f"{p:g}"


def write(out: Path, rows: list[dict], roster: dict[str, Student], assignment: str, e: Export) -> list[str]:
    """exports/canvas.csv, exports/moodle.csv, exports/grades.csv for the roster's students; returns messages
    about students an export had to leave out."""
    folder = out / FOLDER
    folder.mkdir(exist_ok=True)
    title = e.assignment or assignment
    column = f"{title} ({e.canvas_id})" if e.canvas_id else title
    mine = [(r, roster[r["student_id"]]) for r in rows if r.get("student_id") in roster]
    write_csv(folder / "canvas.csv", [*CANVAS_COLUMNS, column],
              [["Points Possible", "", "", "", "", _possible(rows, e)]]
              + [[s.name or s.student_id, s.canvas_user_id, s.sis_user_id, s.sis_login_id, s.section, _value(r, e)]
                 for r, s in mine])
    key = e.moodle_identifier
    with_id = [(r, s) for r, s in mine if getattr(s, key)]
    write_csv(folder / "moodle.csv", [MOODLE_IDENTIFIERS[key], title],
              [[getattr(s, key), _value(r, e)] for r, s in with_id])
    write_csv(folder / "grades.csv", ["student_id", "name", "email", title, "status"],
              [[s.student_id, s.name, s.email, _value(r, e), r["status"]] for r, s in mine])
    left = [s.student_id for r, s in mine if not getattr(s, key)]
    notes = [f"exports/moodle.csv: {len(left)} students have no {key} in the roster and are left out "
             f"(a row Moodle cannot match aborts its import): {', '.join(left[:10])}"] if left else []
    nameless = [s.student_id for r, s in mine if not (s.canvas_user_id or s.sis_user_id or s.sis_login_id)]
    if nameless:
        notes.append(f"exports/canvas.csv: {len(nameless)} students have no Canvas user id, SIS user id or SIS login "
                     f"id in the roster; Canvas matches them by name: {', '.join(nameless[:10])}")
    return notes
