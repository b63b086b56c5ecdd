"""The cost of running a class: what `lmcourse grade` spends on the class folder (collecting, identity, the store,
grades.csv, feedback files, exports) beside grading itself, for N students.

The class is N per-student folders `sNNNN/loss.ipynb` holding the example submissions in turn, with a roster of N
students, graded with one default `lmcourse build` and no similarity check (measured in benchmarks/similarity.py).
Prints one JSON object: the first run (grading everything), a rerun with the same inputs (nothing new to grade: the
class folder's fixed cost), a run regrading one student, a recompute with no inputs, and the class folder's size.

    python benchmarks/term_overhead.py [--n 1000] [--workers 0]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _grade(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", *args], cwd=ROOT, check=True,
                   capture_output=True)
    return round(time.perf_counter() - t0, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=0)
    a = ap.parse_args()
    examples = sorted((ROOT / "examples" / "submissions" / "loss").glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="lmcourse-term-") as tmp_s:
        tmp = Path(tmp_s)
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--out", str(tmp / "dist")],
                       cwd=ROOT, check=True, capture_output=True)
        zip_path = tmp / "dist" / "loss" / "autograder" / "autograder.zip"
        subs = tmp / "subs"
        with open(tmp / "roster.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["student_id", "name", "email", "canvas_user_id", "participant_id"])
            for i in range(a.n):
                sid = f"s{i:04d}"
                w.writerow([sid, f"Student {i}", f"{sid}@uni.example", 10_000 + i, 50_000 + i])
                (subs / sid).mkdir(parents=True)
                shutil.copyfile(examples[i % len(examples)], subs / sid / "loss.ipynb")
        out = tmp / "class"
        common = ["-a", str(zip_path), "--out", str(out), "--no-similarity", "-q", "--workers", str(a.workers)]
        first = _grade([*common, str(subs), "--roster", str(tmp / "roster.csv"), "--due", "2026-12-10"])
        rerun = _grade([*common, str(subs)])
        one = subs / "s0001" / "loss.ipynb"
        os.utime(one)
        regrade_one = _grade([*common, str(one), "--force"])
        recompute = _grade(common)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        feedback = len(list((out / "feedback").glob("*.html")))
    print(json.dumps({"n": a.n, "cpus": os.cpu_count(), "first_run_s": first, "rerun_nothing_new_s": rerun,
                      "regrade_one_student_s": regrade_one, "recompute_no_inputs_s": recompute,
                      "class_folder_mb": round(size / 2**20, 1), "feedback_html_files": feedback}))


if __name__ == "__main__":
    main()
