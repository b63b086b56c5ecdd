"""A simulated term: a roster with LMS identities, each student's own notebook answered (right or with a known
mistake), and downloads named the way Canvas and Moodle name them (autograder/term/lms.py cites their code)."""

from __future__ import annotations

import csv
import os
import time
import zipfile
from pathlib import Path

import nbformat

from autograder.build.examples import fill, mcq_keys, mistakes
from autograder.term.lms import squeezed

FIRST = ["Ada", "Alan", "Grace", "Claude", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia",
         "Tim", "Hedy", "Dennis", "Margaret", "Ken", "Sophie", "Niklaus", "Shafi", "Leslie"]
LAST = ["Lovelace", "Turing", "Hopper", "Shannon", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy",
        "Perlman", "Berners-Lee", "Lamarr", "Ritchie", "Hamilton", "Thompson", "Wilson", "Wirth", "Goldwasser",
        "Lamport"]
COLUMNS = ["student_id", "name", "email", "canvas_user_id", "sis_user_id", "sis_login_id", "section", "idnumber",
           "username", "participant_id", "extension_days"]


def roster(n: int) -> list[dict[str, str]]:
    """n students with every LMS identity; no two share a name."""
    rows = []
    for i in range(n):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        if i >= len(FIRST):
            first += f" {chr(65 + i // len(FIRST))}."
        rows.append({"student_id": f"s{i + 1:03d}", "name": f"{first} {last}",
                     "email": f"{first.split()[0].lower()}.{last.lower()}{i}@uni.example", "canvas_user_id":
                     str(7100 + i), "sis_user_id": f"SIS{i + 1:04d}", "sis_login_id": f"login{i + 1}",
                     "section": f"Section {'AB'[i % 2]}", "idnumber": f"ID{i + 1:04d}", "username": f"user{i + 1}",
                     "participant_id": str(880000 + 3 * i), "extension_days": ""})
    return rows


def write_roster(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def answered(built: Path, student_id: str, mistake: str | None = None) -> bytes:
    """The student's own notebook (their variant) with every answer filled in: correct, or with an example mistake
    (a name from the assignment's mistakes.py)."""
    assignment = built.name
    student = nbformat.read(built / "student" / student_id / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / "autograder" / f"{assignment}.ipynb", as_version=4)
    variant = student.metadata["lmcourse"]["variant"]
    keys = mcq_keys(built / "autograder" / "checks" / f"{variant}.json")
    nb = fill(student, solution, keys=keys, replace=mistakes(assignment)[mistake] if mistake else None)
    return nbformat.writes(nb).encode("utf-8")


def canvas_name(student: dict[str, str], attachment: int, file: str, late: bool = False) -> str:
    """Canvas's download name (lib/content_zipper.rb get_filename + add_upload_submission)."""
    return "_".join([squeezed(student["name"]), *(["LATE"] if late else []), student["canvas_user_id"],
                     str(attachment), file])


def canvas_zip(path: Path, files: dict[str, bytes], stamp: tuple = (2026, 12, 12, 9, 0, 0)) -> Path:
    """A Canvas download: flat, every entry stamped when the zip was made (Canvas's zips carry no submit time)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(zipfile.ZipInfo(name, stamp), files[name])
    return path


def moodle_folder(root: Path, files: list[tuple[dict[str, str], str, bytes, float]]) -> Path:
    """An unpacked Moodle download: `<Full name>_<participant id>_assignsubmission_file/<file>`, each file carrying
    its submission time (as Moodle's zip does, and unzip keeps)."""
    for student, file, data, when in files:
        folder = root / f"{student['name']}_{student['participant_id']}_assignsubmission_file"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(data)
        os.utime(folder / file, (when, when))
    return root


def at(text: str) -> float:
    """Epoch seconds of a local ISO time."""
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M"))
