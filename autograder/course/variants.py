"""Per-student variants: stable ids deterministic in (assignment, student id, seed), and roster reading.

variant(a, s, S) = "v" + first 10 hex digits of sha256("a|s|S"); its parameter seed is the int of the next 8 digits.
The same roster and seed always give the same variants, so a rebuild reproduces every student's numbers byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT = "default"


def variant_id(assignment: str, student_id: str, seed: int) -> str:
    """The variant a student gets: a short stable string, e.g. 'v3fa94c01d2'."""
    digest = hashlib.sha256(f"{assignment}|{student_id}|{seed}".encode()).hexdigest()
    return "v" + digest[:10]


def variant_seed(variant: str) -> int | None:
    """The integer seed a variant's parameters are drawn with; None for the default (the course card's numbers)."""
    if variant == DEFAULT:
        return None
    return int(hashlib.sha256(variant.encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class Student:
    """One roster row: the course's id, and how each LMS knows the student (empty when unknown).

    Canvas: `canvas_user_id` (the gradebook's `ID`, also in its download names), `sis_user_id`, `sis_login_id`,
    `section`. Moodle: `idnumber` (ID number), `username`, `participant_id` (the per-assignment number in its
    download names and feedback zips; from the assignment's grading worksheet). `username` is also the JupyterHub
    user a bundle is copied to. `extension_days`: extra days past the due date for this student.
    """

    student_id: str
    name: str = ""
    email: str = ""
    canvas_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    idnumber: str = ""
    username: str = ""
    participant_id: str = ""
    extension_days: float = 0.0


IDENTITY_COLUMNS = ("name", "email", "canvas_user_id", "sis_user_id", "sis_login_id", "section", "idnumber",
                    "username", "participant_id")
# headers as the LMSs write them (lower-cased, spaces and dashes as "_") -> the roster's column
_ALIASES = {"email_address": "email", "canvas_id": "canvas_user_id", "id_number": "idnumber",
            "moodle_idnumber": "idnumber", "moodle_username": "username", "moodle_participant_id": "participant_id",
            "participant": "participant_id", "extension": "extension_days"}


def _column(header: str) -> str:
    key = header.strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


def read_roster(path: str | Path, file_safe_ids: bool = True) -> list[Student]:
    """Read a roster CSV with a `student_id` column (optional name, email, the LMS identities of `Student` and
    `extension_days`); the one roster reader of lmcourse. Headers are matched case-insensitively, with the LMSs'
    own spellings accepted ("Email address", "SIS User ID", "ID number", "Username").

    A missing column is an error naming the file; a bad row (empty or duplicated id, with file_safe_ids an id
    unsafe as a file name, or an extension that is not a number of days) is reported on stderr with its line
    number and skipped, so the rest of the class goes on.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            fields = list(reader.fieldnames or [])
    except OSError as e:
        raise ValueError(f"{path}: cannot read roster ({e.strerror})") from e
    except (csv.Error, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a readable CSV file ({e})") from e
    columns = {f: _column(f) for f in fields}
    if "student_id" not in columns.values():
        raise ValueError(f"{path}: roster needs a 'student_id' column (found columns: {[h.strip() for h in fields]})")
    students, seen = [], set()
    for line, raw in enumerate(rows, start=2):
        row = {columns[k]: (v or "").strip() for k, v in raw.items() if k in columns and isinstance(v, str)}
        sid = row.get("student_id", "")
        if not sid:
            print(f"{path}:{line}: empty student_id, row skipped", file=sys.stderr)
            continue
        if file_safe_ids and (not all(c.isalnum() or c in "-_.@" for c in sid) or sid.startswith(".")):
            print(f"{path}:{line}: student_id {sid!r} has characters unsafe in a file name, row skipped",
                  file=sys.stderr)
            continue
        if sid in seen:
            print(f"{path}:{line}: duplicate student_id {sid!r}, row skipped", file=sys.stderr)
            continue
        try:
            days = float(row.get("extension_days") or 0)
            if not 0 <= days < 10_000:
                raise ValueError
        except ValueError:
            print(f"{path}:{line}: extension_days {row.get('extension_days')!r} is not a number of days >= 0, row "
                  "skipped", file=sys.stderr)
            continue
        seen.add(sid)
        students.append(Student(sid, **{c: row.get(c, "") for c in IDENTITY_COLUMNS}, extension_days=days))
    return students
