"""Code similarity in `lmcourse grade`: what it costs next to grading, what it finds, and where its threshold comes
from. Prints one JSON object.

    python benchmarks/similarity.py [--n 1000] [--grade-n N] [--workers 0] [--seed 0]
    python benchmarks/similarity.py --calibrate [--classes 20]

The batch: `lmcourse build loss --roster` for N students, and N notebooks from the generated class of
tests/support/classroom.py (honest students writing the same short answers in their own styles and habits, some
with known mistakes), with planted copies: every 50th student hands in a classmate's whole notebook, every 50th + 25
a classmate's answers to four questions renamed and edited. Timed in this one run: the similarity pass over the N
(best of two, caches cold; CPU seconds are the steadier figure on a shared machine), over the first half (it should
take half), and `lmcourse grade --no-similarity` over the first GRADE_N of the same notebooks. The memory the pass
allocates (tracemalloc's peak) is measured in a child process. `hostile`: the pass over 30 students plus one notebook
with a 2.4 MB answer cell, and plus one with 2,000 `!echo` lines (issue 22: 784 MB and 37 s before the caps), against
the 30 alone.

--calibrate: CLASSES generated 30-student classes (the class of tests/autograder/test_teacher_view.py, seeds
0..CLASSES-1): each planted copy's score and rank, and the best honest pair's score: similarity.THRESHOLD sits
between them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

import class_plan as cp  # noqa: E402
import classroom as cr  # noqa: E402

from autograder.grade import fingerprints, matching, similarity  # noqa: E402
from autograder.grade.bundle import Bundle  # noqa: E402
from autograder.grade.submissions import collect  # noqa: E402


def build(tmp: Path, n: int) -> dict:
    """`lmcourse build loss --roster` for n students; their starters and the class's MCQ keys."""
    roster_csv = tmp / "roster.csv"
    roster_csv.write_text("student_id,name,email\n" + "".join(f"{s},{m},{e}\n" for s, m, e in cp.roster(n)),
                          encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--roster", str(roster_csv), "--seed",
                    "7", "--out", str(tmp / "dist")], cwd=ROOT, check=True, capture_output=True)
    zip_path = tmp / "dist" / "loss" / "autograder" / "autograder.zip"
    starters = {sid: tmp / "dist" / "loss" / "student" / sid / "loss.ipynb" for sid, _, _ in cp.roster(n)}
    return {"zip": zip_path, "starters": starters, "keys": cp.mcq_keys(zip_path),
            "build_s": round(time.perf_counter() - t0, 1)}


def synthesize(built: dict, dest: Path, seed: int) -> dict[str, set[frozenset[str]]]:
    """The class's notebooks in dest; returns the planted copy pairs (file names), "whole" and "edited"."""
    rng = random.Random(seed)
    ids = sorted(built["starters"])
    nbs = {i: json.loads(built["starters"][i].read_text(encoding="utf-8")) for i in ids}
    students: dict = {}
    planted: dict[str, set[frozenset[str]]] = {"whole": set(), "edited": set()}
    for k, sid in enumerate(ids):
        if k % 50 == 7 and k > 7:  # a classmate's whole notebook
            src = ids[k - 3]
            students[sid] = students[src]
            planted["whole"].add(frozenset((f"{src}.ipynb", f"{sid}.ipynb")))
        elif k % 50 == 32:  # four answers of a classmate's, renamed and edited
            src = ids[k - 5]
            students[sid] = cr.copied(sid, students[src], nbs[sid], rng, ["q2", "q3", "q4", "q6"])
            planted["edited"].add(frozenset((f"{src}.ipynb", f"{sid}.ipynb")))
        else:
            students[sid] = cr.honest(sid, nbs[sid], built["keys"][sid], rng)
    dest.mkdir(parents=True, exist_ok=True)
    for sid, s in students.items():
        cr.write(dest / f"{sid}.ipynb", cr.notebook(nbs[sid], s))
    return planted


def _pass(subs: list, built: dict, mapping: dict[str, str]) -> list:
    """The similarity pass as `lmcourse grade` runs it, the autograder zip already read (grading read it)."""
    if "checks" not in built:
        built["checks"] = Bundle.load(built["zip"]).checks["default"]
    template = similarity.template_path(built["zip"], "loss")
    variants = {s.name: mapping[Path(s.name).stem] for s in subs if Path(s.name).stem in mapping}
    return similarity.run(subs, built["checks"], template, variants, similarity.variant_notebooks(template, mapping))


def _child(args: tuple) -> tuple[float, float, int, float]:
    """In a fresh process: wall s, CPU s and pairs of one pass, and the peak of the memory it allocated (tracemalloc,
    which numpy reports to: MB)."""
    folder, built, mapping = args
    import lmcore  # noqa: F401  (the references' source is read from it: not the pass's own memory)

    subs = collect([folder])
    built["checks"] = Bundle.load(built["zip"]).checks["default"]
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    pairs = _pass(subs, built, mapping)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return wall, cpu, len(pairs), peak / 2**20


def in_child(folder: Path, built: dict, mapping: dict[str, str]) -> dict:
    """One pass in a fresh process, its memory traced (so its times run slower than untraced)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        wall, cpu, pairs, peak = pool.apply(_child, ((folder, built, mapping),))
    return {"traced_wall_s": round(wall, 2), "traced_cpu_s": round(cpu, 2), "pairs": pairs,
            "peak_allocated_mb": round(peak, 1)}


def timed(subs: list, built: dict, mapping: dict[str, str]) -> tuple[list, float, float, int]:
    """Best of 2 runs from cold caches: (pairs, wall s, CPU s, pairs compared)."""
    calls = [0]
    real = matching.pair

    def counted(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    similarity.pair = counted
    best, cpu, pairs = float("inf"), float("inf"), []
    for _ in range(2):
        fingerprints.clear_caches()
        calls[0] = 0
        t0, c0 = time.perf_counter(), time.process_time()
        pairs = _pass(subs, built, mapping)
        best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    similarity.pair = real
    return pairs, best, cpu, calls[0]


def hostile(tmp: Path, built: dict, mapping: dict[str, str]) -> dict:
    """The pass over 30 notebooks, then with a 2.4 MB answer cell added, then with 2,000 `!echo` lines added."""
    base = tmp / "base"
    base.mkdir()
    for p in sorted((tmp / "subs").glob("*.ipynb"))[:30]:
        shutil.copy(p, base / p.name)
    out = {"30_notebooks": in_child(base, built, mapping)}
    for name, cell in (("plus_2.4MB_cell", "x = 0\n" + "x = x + 1\n" * 240_000),
                       ("plus_2000_echo_lines", "!echo hello\n" * 2000)):
        folder = tmp / name
        shutil.copytree(base, folder)
        nb = json.loads((base / sorted(os.listdir(base))[0]).read_text(encoding="utf-8"))
        nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                            "source": cell})
        (folder / "zz_hostile.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        out[name] = in_child(folder, built, mapping)
    return out


def calibrate(classes: int) -> dict:
    """Scores of the planted copies and the best honest pair in generated 30-student classes."""
    tmp = Path(tempfile.mkdtemp(prefix="lmcourse-sim-cal-"))
    built = build(tmp, 30)
    mapping = Bundle.load(built["zip"]).mapping
    rows = []
    for seed in range(classes):
        plan = cp.make_class(built["starters"], built["keys"], seed=seed)
        folder = tmp / f"class{seed}"
        cp.write_class(plan, built["starters"], folder)
        pairs = [p for p in _pass(collect([folder]), built, mapping) if not p.reference]
        names = [frozenset((p.a.name, p.b.name)) for p in pairs]
        ranks = {k: 1 + names.index(frozenset(f"{s}.ipynb" for s in pair))
                 for k, pair in (("whole", plan.whole_copy), ("edited", plan.edited_copy))}
        honest = [p.score for p, n in zip(pairs, names, strict=True)
                  if n not in {names[ranks["whole"] - 1], names[ranks["edited"] - 1]}]
        rows.append({"seed": seed, "whole_rank": ranks["whole"], "whole": pairs[ranks["whole"] - 1].score,
                     "edited_rank": ranks["edited"], "edited": pairs[ranks["edited"] - 1].score,
                     "best_honest": max(honest, default=0.0)})
    shutil.rmtree(tmp, ignore_errors=True)
    t = similarity.THRESHOLD
    return {"classes": classes, "threshold": t, "per_class": rows,
            "copies_first_and_second": sum({r["whole_rank"], r["edited_rank"]} == {1, 2} for r in rows),
            "whole_flagged": sum(r["whole"] >= t for r in rows), "edited_flagged": sum(r["edited"] >= t for r in rows),
            "honest_flagged": sum(r["best_honest"] >= t for r in rows),
            "whole_min": min(r["whole"] for r in rows), "edited_min": min(r["edited"] for r in rows),
            "edited_max": max(r["edited"] for r in rows), "best_honest_max": max(r["best_honest"] for r in rows)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--grade-n", type=int, default=None, help="grade only the first N of the batch (default: all)")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calibrate", action="store_true", help="only the threshold's evidence (generated classes)")
    ap.add_argument("--classes", type=int, default=20)
    args = ap.parse_args()
    result: dict = {"benchmark": "similarity", "cpu_count": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 1),
                    "k": fingerprints.K, "window": fingerprints.WINDOW, "common": matching.COMMON,
                    "threshold": similarity.THRESHOLD}
    if args.calibrate:
        result["calibration"] = calibrate(args.classes)
        print(json.dumps(result))
        return
    tmp = Path(tempfile.mkdtemp(prefix="lmcourse-sim-"))
    built = build(tmp, args.n)
    mapping = Bundle.load(built["zip"]).mapping
    kinds = synthesize(built, tmp / "subs", args.seed)
    planted = kinds["whole"] | kinds["edited"]
    subs = collect([tmp / "subs"])
    _, half_s, half_cpu, half_cmp = timed(subs[: args.n // 2], built, mapping)
    pairs, sim_s, sim_cpu, sim_cmp = timed(subs, built, mapping)
    flagged = [p for p in pairs if p.score >= similarity.THRESHOLD]
    students = [frozenset((p.a.name, p.b.name)) for p in flagged if not p.reference]
    ranked = [frozenset((p.a.name, p.b.name)) for p in pairs if not p.reference]
    memory = in_child(tmp / "subs", built, mapping)
    grade_n = args.grade_n or args.n
    grade_dir = tmp / "grade_subs"
    grade_dir.mkdir()
    for s in subs[:grade_n]:
        os.link(s.path, grade_dir / s.name)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "-a", str(built["zip"]), str(grade_dir),
                    "--out", str(tmp / "grades"), "--quiet", "--no-similarity", "--workers", str(args.workers)],
                   cwd=ROOT, check=True, capture_output=True)
    grade_s = time.perf_counter() - t0
    result.update({
        "loadavg_1m_at_end": round(os.getloadavg()[0], 1), "build_s": built["build_s"], "submissions": args.n,
        "similarity_s": round(sim_s, 2), "similarity_cpu_s": round(sim_cpu, 2), "pairs_compared": sim_cmp,
        "similarity_half_batch_s": round(half_s, 2), "similarity_half_batch_cpu_s": round(half_cpu, 2),
        "half_batch_pairs_compared": half_cmp, "similarity_memory": memory,
        "similarity_ms_per_submission": round(1000 * sim_s / args.n, 2),
        "graded_submissions": grade_n, "grade_s": round(grade_s, 2),
        "grade_ms_per_submission": round(1000 * grade_s / grade_n, 1),
        "similarity_over_grading": round((sim_s / args.n) / (grade_s / grade_n), 4),
        "flagged": len(flagged), "planted_pairs": len(planted),
        "planted_flagged": len(planted & set(students)),
        "planted_whole": len(kinds["whole"]), "planted_whole_flagged": len(kinds["whole"] & set(students)),
        "planted_edited": len(kinds["edited"]), "planted_edited_flagged": len(kinds["edited"] & set(students)),
        "planted_in_the_top": sum(p in set(ranked[:len(planted)]) for p in planted),
        "honest_pairs_flagged": len(set(students) - planted),
        "reference_matches_flagged": sum(p.reference for p in flagged),
        "hostile": hostile(tmp, built, mapping),
    })
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
