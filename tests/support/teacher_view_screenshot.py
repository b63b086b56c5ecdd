"""The README's picture of the teacher's view: the report of the generated 30-student class of
tests/autograder/test_teacher_view.py, its first screen (1400×900) in headless Chromium.

    python tests/support/teacher_view_screenshot.py docs/teacher-view.png [--full DIR]

--full DIR also keeps the graded class's outputs (report.html, students.html, similarity.html, the plots) in DIR.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1]), str(HERE.parents[1] / "tests" / "autograder")]

import class_plan as cp  # noqa: E402
import grade_fixtures as gf  # noqa: E402

from autograder.grade import report, similarity  # noqa: E402
from autograder.grade.bundle import Bundle  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("png", type=Path)
    ap.add_argument("--full", type=Path, default=None)
    args = ap.parse_args()
    from test_teacher_view import first_screen

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        built = cp.build_roster_class(tmp)
        out = tmp / "grades"
        gf.grade(built["zip"], [built["subs"]], out, "--timeout", "5")
        bundle = Bundle.load(built["zip"])
        summaries = [json.loads(p.read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
                     for p in sorted((out / "results").glob("*.json"))]
        pairs = similarity.flag(built["zip"], None, [built["subs"]], out, similarity.THRESHOLD, None)
        rows = cp.class_rows(built["roster"], summaries, built["plan"])
        report.write_report(out, summaries, bundle.questions, "Grades: loss", bundle.checks, pairs,
                            similarity.THRESHOLD, students=rows)
        first_screen(out / "report.html", [], args.png)
        if args.full is not None:
            shutil.copytree(out, args.full, dirs_exist_ok=True)
    print(args.png)


if __name__ == "__main__":
    main()
