"""Make a Canvas-style and a Moodle-style download of the bundled example submissions for examples/roster.csv, named
the way each LMS names its downloads (see autograder/term/lms.py), for `make demo` and README's "Running a term".

    python examples/lms/make_downloads.py loss --out dist/term

writes dist/term/canvas-loss-submissions.zip (s001 correct; s002 late with a mistake; s003 a mistake, then a late
resubmission; s004 nothing) and dist/term/moodle-loss/ (s005, handed in a day after the due date, with a 2-day
extension in the roster). The notebooks are examples/submissions/<id>/ as they are (the default variant); each is
graded on its student's own variant.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CANVAS = [("s001", "correct", 5001, False), ("s002", "mean_instead_of_sum", 5002, True),
          ("s003", "log_base_2", 5003, False), ("s003", "correct", 5017, True)]
MOODLE = [("s005", "missing_minus", "2026-12-11T20:15")]


def squeezed(name: str) -> str:
    """Canvas's download name for a student: the sortable name, lower-cased, non-word characters removed."""
    words = name.split()
    return re.sub(r"[^\w]", "", f"{words[-1]}, {' '.join(words[:-1])}").lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignment", nargs="?", default="loss")
    parser.add_argument("--out", type=Path, default=Path("dist/term"))
    args = parser.parse_args()
    with open(ROOT / "examples" / "roster.csv", newline="", encoding="utf-8") as f:
        roster = {r["student_id"]: r for r in csv.DictReader(f)}
    examples = ROOT / "examples" / "submissions" / args.assignment
    args.out.mkdir(parents=True, exist_ok=True)
    canvas = args.out / f"canvas-{args.assignment}-submissions.zip"
    with zipfile.ZipFile(canvas, "w", zipfile.ZIP_DEFLATED) as zf:
        for sid, example, attachment, late in CANVAS:
            s = roster[sid]
            file = f"{args.assignment}-1.ipynb" if attachment > 5010 else f"{args.assignment}.ipynb"
            name = "_".join([squeezed(s["name"]), *(["LATE"] if late else []), s["canvas_user_id"], str(attachment),
                             file])
            zf.writestr(zipfile.ZipInfo(name, (2026, 12, 12, 9, 0, 0)), (examples / f"{example}.ipynb").read_bytes())
    for sid, example, when in MOODLE:
        s = roster[sid]
        folder = args.out / f"moodle-{args.assignment}" / f"{s['name']}_{s['participant_id']}_assignsubmission_file"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{args.assignment}.ipynb"
        target.write_bytes((examples / f"{example}.ipynb").read_bytes())
        stamp = time.mktime(time.strptime(when, "%Y-%m-%dT%H:%M"))
        os.utime(target, (stamp, stamp))
    print(f"wrote {canvas} and {args.out / f'moodle-{args.assignment}'}/")


if __name__ == "__main__":
    main()
