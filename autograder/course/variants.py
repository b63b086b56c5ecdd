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
    student_id: str
    name: str = ""
    email: str = ""


def read_roster(path: str | Path, file_safe_ids: bool = True) -> list[Student]:
    """Read a roster CSV with a `student_id` column (optional name, email); the one roster reader of lmcourse.

    A missing column is an error naming the file; a bad row (empty or duplicated id, or with file_safe_ids an id
    unsafe as a file name) is reported on stderr with its line number and skipped, so the rest of the class goes on.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [h.strip() for h in reader.fieldnames or []]
    except OSError as e:
        raise ValueError(f"{path}: cannot read roster ({e.strerror})") from e
    except (csv.Error, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a readable CSV file ({e})") from e
    if "student_id" not in header:
        raise ValueError(f"{path}: roster needs a 'student_id' column (found columns: {header})")
    students, seen = [], set()
    for line, row in enumerate(rows, start=2):
        sid = (row.get("student_id") or "").strip()
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
        seen.add(sid)
        students.append(Student(sid, (row.get("name") or "").strip(), (row.get("email") or "").strip()))
    return students
