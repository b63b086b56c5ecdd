"""A class with hostile files in it: `lmcourse grade` over N submissions of which a fraction attack the grader itself
(issue 22, part A), next to innocent copies of the example submissions. Prints one JSON object: wall time, the
grader's own peak RSS (its ru_maxrss, measured inside the grader process), whether every submission has its row,
whether every innocent row is the example's expected total, and what reached the instructor's files and terminal.

    python benchmarks/hostile_batch.py [--n 1000] [--hostile 0.05] [--workers 0] [--no-similarity]

Hostile classes (cycled): replies the grader must read as data (an MCQ answer without its value, a repr that is a
list, ~4 MB of `[{}, ...]` per probe), names (255 bytes, not UTF-8, starting with = + - @, escape sequences), probes
that try to carry a hidden input back (an exception class named after it, a returned string, a dtype, a sleep as
long as its first number) and a notebook of 2000 `!echo` lines. tests/autograder/test_grade_hostile_batch.py runs a
40-submission version.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PATCH = """
import sys
_harness = next(m for m in list(sys.modules.values()) if hasattr(m, "_probe") and hasattr(m, "to_plain"))
_harness.to_plain = lambda value: {plain}
"""
REPLIES = {  # what a patched harness answers to every probe
    "mcq-without-value": '{"type": "str"}',
    "repr-is-a-list": '{"type": "other", "repr": [1, 2]}',
    "four-mb-of-dicts": '{"type": "list", "value": [{}] * 950_000}',
    "dtype-carries-the-input": '{"type": "array", "shape": [1], "dtype": "LEAKED " + str(value), "value": [0.0]}',
}
NAMES = {  # the file name is the attack (the content is the correct notebook: it must score in full)
    "name-255-bytes": lambda i: f"{i:04d}" + "n" * 245 + ".ipynb",
    "name-not-utf8": lambda i: os.fsdecode(f"{i:04d}".encode() + b"\xff\xfe\x80.ipynb"),
    "name-formula": lambda i: ['=HYPERLINK("http://evil",', "+", "-", "@SUM(A1)"][i % 4] + f"{i:04d}.ipynb",
    "name-escapes": lambda i: f"{i:04d}\x1b[2J\x1b]0;owned\x07\u202e.ipynb",
}


def _functions(checks: dict) -> list[str]:
    return sorted({m.group(1) for q in checks["questions"] for t in q["tests"]
                   if (m := re.match(r"(\w+)\(", t["probe"]))})


def hostile_cells(checks: dict) -> dict[str, list[str]]:
    """Attack class → the cells appended to the correct notebook (name classes: none)."""
    fns = _functions(checks)
    raising = "".join(f"def {f}(*args, **kwargs):\n    raise type('LEAKED ' + repr(args)[:80], (Exception,), {{}})()\n"
                      for f in fns)
    returning = "".join(f"def {f}(*args, **kwargs):\n    return 'LEAKED ' + repr(args)[:80]\n" for f in fns)
    sleeping = "import time\nimport torch\n\ndef _first(a):\n    try:\n        return float(torch.as_tensor(a)" \
        ".flatten()[0])\n    except Exception:\n        return 0.0\n" + "".join(
            f"def {f}(*args, **kwargs):\n    time.sleep(min(abs(_first(args[0] if args else 0)), 2) / 4)\n"
            f"    return 0.0\n" for f in fns)
    cells = {k: [_PATCH.format(plain=v)] for k, v in REPLIES.items()}
    cells.update({"exception-named-after-the-input": [raising], "string-carries-the-input": [returning],
                  "sleep-carries-the-input": [sleeping], "2000-shell-lines": ["!echo hi there\n" * 3200]})
    cells.update({k: [] for k in NAMES})
    return cells


def hidden_fragments(checks: dict) -> list[str]:
    """Pieces of every hidden probe's literal input, which must appear in no results file."""
    out = []
    for q in checks["questions"]:
        for t in q["tests"]:
            if t["hidden"] and (m := re.search(r"\[([0-9.]+, [0-9.]+)", t["probe"])):
                out.append(m.group(1))
    return out


def make_batch(folder: Path, n: int, fraction: float, checks: dict, assignment: str = "loss") -> dict[str, str]:
    """N submissions in `folder`; returns {display name: kind} (kind: the example's stem, or the attack class)."""
    from autograder.grade.files import display_name

    examples = sorted((ROOT / "examples" / "submissions" / assignment).glob("*.ipynb"))
    correct = json.loads((ROOT / "examples" / "submissions" / assignment / "correct.ipynb").read_text())
    attacks = hostile_cells(checks)
    n_hostile = round(n * fraction)
    every = n // n_hostile if n_hostile else n + 1
    kinds: dict[str, str] = {}
    hostile = 0
    for i in range(n):
        if n_hostile and i % every == every - 1 and hostile < n_hostile:
            kind = sorted(attacks)[hostile % len(attacks)]
            hostile += 1
            nb = json.loads(json.dumps(correct))
            nb["cells"] += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                             "source": src} for src in attacks[kind]]
            name = NAMES[kind](i) if kind in NAMES else f"{i:04d}_{kind}.ipynb"
            (folder / name).write_text(json.dumps(nb), encoding="utf-8")  # a str with surrogates: the raw bytes
        else:
            src = examples[i % len(examples)]
            kind, name = src.stem, f"{i:04d}_{src.name}"
            shutil.copy(src, folder / name)
        kinds[display_name(name)] = kind
    return kinds


_WRAPPER = """import atexit, json, resource, runpy, sys
def _peak(path=sys.argv[1]):
    with open(path, "w") as f:
        json.dump({"self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, f)
atexit.register(_peak)
sys.argv = ["lmcourse", *sys.argv[2:]]
runpy.run_module("autograder.cli", run_name="__main__")
"""


def grade(zip_path: Path, subs: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """`lmcourse grade` in a process that records its own peak RSS (and its largest child's) when it exits."""
    peak = out.parent / f"{out.name}.peak.json"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, str(peak), "grade", "-a", str(zip_path), str(subs),
                           "--out", str(out), *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t0
    rss = json.loads(peak.read_text()) if peak.exists() else {"self_kb": None, "children_kb": None}
    return {"returncode": proc.returncode, "wall_s": round(wall, 1), "stdout": proc.stdout, "stderr": proc.stderr,
            "grader_peak_rss_mb": rss["self_kb"] and round(rss["self_kb"] / 1024),
            "largest_child_peak_rss_mb": rss["children_kb"] and round(rss["children_kb"] / 1024)}


def rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "final_grades.csv", newline="", encoding="utf-8") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


def formula_cells(out: Path) -> list[str]:
    bad = []
    for path in sorted(out.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            bad += [f"{path.name}: {c!r}" for row in csv.reader(f) for c in row if c.startswith(FORMULA_START)]
    return bad


def check(out: Path, kinds: dict[str, str], run: dict, checks: dict, assignment: str = "loss") -> dict:
    """What the instructor got: rows, statuses, innocent totals, formula cells, control characters, leaks."""
    from autograder.course.outputs import safe_cell
    from autograder.grade.files import result_path

    expected = json.loads((ROOT / "examples" / "submissions" / assignment / "expected.json").read_text())
    got = rows(out) if (out / "final_grades.csv").exists() else {}
    by_name = {name: got.get(safe_cell(name)) for name in kinds}
    innocent = {n: k for n, k in kinds.items() if f"{k}.ipynb" in expected}
    wrong = [n for n, k in innocent.items() if by_name[n] is None
             or float(by_name[n]["total_points_earned"]) != expected[f"{k}.ipynb"]]
    named_wrong = [n for n, k in kinds.items() if k in NAMES and (by_name[n] is None or float(
        by_name[n]["total_points_earned"]) != expected["correct.ipynb"])]
    fragments = hidden_fragments(checks)
    leaks, timings = [], []
    for name in kinds:
        path = result_path(out, name)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        leaks += [f"{name}: {f}" for f in fragments if f in text]
        if "wall_s" in text:
            timings.append(name)
    statuses: dict[str, int] = {}
    for r in by_name.values():
        status = r["grading_status"] if r else "(no row)"
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "every_row_present": all(r is not None for r in by_name.values()) and len(got) == len(kinds) + 1,
        "innocent_rows_as_expected": not wrong, "innocent_wrong": wrong[:5],
        "hostile_names_score_in_full": not named_wrong, "hostile_names_wrong": named_wrong[:5],
        "statuses": statuses, "formula_cells": formula_cells(out)[:5],
        "control_characters_on_terminal": bool(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", run["stdout"])),
        "hidden_inputs_in_results": leaks[:5], "results_with_timing": len(timings),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--hostile", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--no-similarity", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lmcourse-hostile-") as tmp_s:
        tmp = Path(tmp_s)
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--out", str(tmp / "dist")],
                       cwd=ROOT, check=True, capture_output=True)
        zip_path = tmp / "dist" / "loss" / "autograder" / "autograder.zip"
        with zipfile.ZipFile(zip_path) as z:
            checks = json.loads(z.read("lmcourse/checks/default.json"))
        subs = tmp / "subs"
        subs.mkdir()
        kinds = make_batch(subs, args.n, args.hostile, checks)
        extra = ["--workers", str(args.workers)] + (["--no-similarity"] if args.no_similarity else [])
        run = grade(zip_path, subs, tmp / "out", *extra)
        result = check(tmp / "out", kinds, run, checks)
    print(json.dumps({
        "benchmark": "hostile_batch", "assignment": "loss", "submissions": args.n,
        "hostile": sum(k in hostile_cells(checks) for k in kinds.values()),
        "similarity": not args.no_similarity, "exit_code": run["returncode"], "wall_s": run["wall_s"],
        "per_submission_ms": round(1000 * run["wall_s"] / args.n), "grader_peak_rss_mb": run["grader_peak_rss_mb"],
        "largest_child_peak_rss_mb": run["largest_child_peak_rss_mb"], **result,
        "workers": args.workers or os.cpu_count(), "cpus": os.cpu_count(),
    }, indent=1))


if __name__ == "__main__":
    main()
