"""Grading throughput: `lmcourse grade` vs a loop of stock `otter run`, on the same submissions, in one run.

The batch is N copies (default 40) of the assignment's example submissions (correct, blank, one per common mistake)
from examples/submissions/<id>/, graded with one fresh `lmcourse build`, similarity included unless
`--no-similarity`. Prints one JSON object: both wall times, the ratio, whether both graders gave every submission
the same total, the grader's peak RSS, the CPU seconds of everything `lmcourse grade` ran (grader, workers,
sandboxes: measured in a cgroup of its own where the machine lets us make one, else null) and the load average
before and after (the machine may be shared, and CPU seconds are the steadier figure then).

    python benchmarks/grading_throughput.py [--assignment loss] [--n 40] [--otter-limit K] [--no-similarity]

`--otter-limit K` times stock Otter on only the first K submissions and scales its time to N (marked in the JSON).
`--baseline DIR` also times the `lmcourse grade` of another checkout of this project (e.g. the commit before a change,
unpacked with `git archive COMMIT | tar -x -C DIR`), run with this Python on the same zip and batch, right after ours
(the order alternates with `--baseline-first`): its wall time, CPU seconds and ratio come out under "baseline".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assignment", default="loss")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--otter-limit", type=int, default=None)
    ap.add_argument("--no-similarity", action="store_true")
    ap.add_argument("--baseline", type=Path, default=None)
    ap.add_argument("--baseline-first", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    examples = sorted((ROOT / "examples" / "submissions" / args.assignment).glob("*.ipynb"))
    if not examples:
        sys.exit(f"no example submissions in examples/submissions/{args.assignment}/")
    with tempfile.TemporaryDirectory(prefix="lmcourse-bench-") as tmp_s:
        tmp = Path(tmp_s)
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", args.assignment, "--out", str(tmp / "dist")],
                       cwd=ROOT, check=True, capture_output=True)
        zip_path = tmp / "dist" / args.assignment / "autograder" / "autograder.zip"
        subs = tmp / "subs"
        subs.mkdir()
        batch = []
        for i in range(args.n):
            src = examples[i % len(examples)]
            dst = subs / f"{i:03d}_{src.name}"
            shutil.copy(src, dst)
            batch.append(dst)

        runs = [("ours", ROOT), *([("baseline", args.baseline.resolve())] if args.baseline else [])]
        timed_runs = {}
        for label, root in (reversed(runs) if args.baseline_first else runs):
            timed_runs[label] = _grade(root, zip_path, subs, tmp / label, args)
        ours_s, peak_kb, cpu_s = timed_runs["ours"]
        results = {p.name: json.loads((tmp / "ours" / "results" / f"{p.name}.json").read_text()) for p in batch}
        ours = {k: r["score"] for k, r in results.items()}
        isolation = sorted({r["extra_data"]["lmcourse"]["isolation"] for r in results.values()})
        base_totals = {p.name: json.loads((tmp / "baseline" / "results" / f"{p.name}.json").read_text())["score"]
                       for p in batch} if args.baseline else None

        otter = Path(sys.executable).with_name("otter")
        timed = batch[: args.otter_limit] if args.otter_limit else batch
        theirs = {}
        t0 = time.perf_counter()
        for p in timed:
            out = tmp / "otter" / p.stem
            out.mkdir(parents=True)
            subprocess.run([str(otter), "run", "-a", str(zip_path), "-o", str(out), str(p)], cwd=out, check=True,
                           capture_output=True)
            tests = json.loads((out / "results.json").read_text())["tests"]
            theirs[p.name] = sum(t.get("score") or 0 for t in tests if "max_score" in t)
        otter_s = (time.perf_counter() - t0) * len(batch) / len(timed)

    print(json.dumps({
        "benchmark": "grading_throughput", "assignment": args.assignment, "submissions": len(batch),
        "kinds": [p.stem for p in examples], "lmcourse_grade_s": round(ours_s, 2),
        "otter_run_loop_s": round(otter_s, 2), "otter_extrapolated_from": None if not args.otter_limit else len(timed),
        "ratio": round(otter_s / ours_s, 1), "per_submission_ms": {"lmcourse_grade": round(1000 * ours_s / len(batch)),
                                                                   "otter_run": round(1000 * otter_s / len(batch))},
        "same_totals": all(abs(ours[k] - v) < 1e-6 for k, v in theirs.items()),
        "workers": args.workers or os.cpu_count(), "cpus": os.cpu_count(), "isolation": isolation,
        "similarity": not args.no_similarity, "grader_peak_rss_mb": round(peak_kb / 1024),
        "lmcourse_grade_cpu_s": None if cpu_s is None else round(cpu_s, 2),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "baseline": None if "baseline" not in timed_runs else {
            "root": str(args.baseline), "lmcourse_grade_s": round(timed_runs["baseline"][0], 2),
            "lmcourse_grade_cpu_s": None if timed_runs["baseline"][2] is None else round(timed_runs["baseline"][2], 2),
            "ratio": round(otter_s / timed_runs["baseline"][0], 1),
            "grader_peak_rss_mb": round(timed_runs["baseline"][1] / 1024), "ran_first": args.baseline_first,
            "same_totals_as_ours": base_totals == ours},
    }, indent=1))


def _grade(root: Path, zip_path: Path, subs: Path, out: Path, args: argparse.Namespace) -> tuple[float, int, float]:
    """`lmcourse grade` of the checkout at `root` over the batch into a fresh `out`: (wall s, peak RSS KB, CPU s)."""
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "-a", str(zip_path), str(subs), "--out", str(out),
           "--quiet", "--workers", str(args.workers)]
    cmd += ["--no-similarity"] if args.no_similarity else []
    t0 = time.perf_counter()
    grader, peak_kb, cpu_s = _run_watching_rss(cmd, root)
    wall = time.perf_counter() - t0
    if grader.returncode != 0:
        sys.exit(f"lmcourse grade ({root}) failed: {grader.stderr[-2000:]}")
    return wall, peak_kb, cpu_s


def _run_watching_rss(cmd: list[str], root: Path = ROOT) -> tuple[subprocess.CompletedProcess, int, float | None]:
    """Run `lmcourse grade` in a cgroup of its own (where we can make one), polling its peak resident memory (VmHWM,
    the grader process itself, not its workers); returns the CPU seconds of all it ran too."""
    from autograder.grade import budget

    group = budget.start_run(f"lmcourse-bench-{os.getpid()}")
    dirs = group["dirs"] if isinstance(group, dict) else None
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: budget.join(dirs)) if dirs else None)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                peak = max([peak, *(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))])
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    cpu = budget.cpu_seconds(dirs) if dirs else None
    if dirs:
        budget.remove(dirs)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), peak, cpu


if __name__ == "__main__":
    main()
