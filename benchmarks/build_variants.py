"""Benchmark `lmcourse build` with a roster: default build vs a 300-student roster, per assignment, one run; the
build's proof on the roster build (autograder/build/prove.py: the warm grader scores the solution, blank, mistake and
memorized notebooks of the default and 3 sampled variants); and stock `otter run` on one submission with the default
zip vs the 300-variant zip.

Prints JSON. Otter Assign runs once per assignment either way; each extra student costs one template render.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.build import build_assignment
from autograder.build.prove import prove
from autograder.course.content import assignment_ids
from autograder.course.variants import Student
from autograder.kit.package import package_assignment

N_STUDENTS = 300
ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the grader's workers and their sandboxes): what the
    proof costs whatever else the machine is doing."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    students = [Student(f"s{i:04d}") for i in range(N_STUDENTS)]
    out: dict = {"benchmark": "build_variants", "students": N_STUDENTS, "cpu_count": os.cpu_count(),
                 "machine": platform.machine(), "load_average_at_start": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory() as tmp:
        total_default = total_roster = total_proof = 0.0
        for a in assignment_ids():
            t0 = time.perf_counter()
            build_assignment(a, Path(tmp) / "default", [], None)
            t1 = time.perf_counter()
            build_assignment(a, Path(tmp) / "roster", students, 2026)
            t2 = time.perf_counter()
            nbs = list((Path(tmp) / "roster" / a / "student").rglob("*.ipynb"))
            package_assignment(Path(tmp) / "roster" / a)  # the proof grades the zip as it is handed out
            c0 = _cpu()
            proof = prove(a, Path(tmp) / "roster" / a, 3)
            proof_cpu = _cpu() - c0
            size = sum(p.stat().st_size for p in nbs) / len(nbs)
            zip_mb = (Path(tmp) / "roster" / a / "autograder" / "autograder.zip").stat().st_size / 1e6
            out[a] = {"default_s": round(t1 - t0, 2), "roster_s": round(t2 - t1, 2), "notebooks": len(nbs),
                      "mean_student_notebook_kb": round(size / 1e3, 1), "autograder_zip_mb": round(zip_mb, 2),
                      "proof_s": round(proof.seconds, 2), "proof_cpu_s": round(proof_cpu, 2),
                      "proof_notebooks": proof.notebooks,
                      "proof_variants": len(proof.variants)}
            total_default += t1 - t0
            total_roster += t2 - t1
            total_proof += proof.seconds
        out["total_default_s"], out["total_roster_s"] = round(total_default, 2), round(total_roster, 2)
        out["roster_s_per_student"] = round(total_roster / N_STUDENTS, 4)
        out["total_proof_s"] = round(total_proof, 2)
        # the price of one zip carrying every variant: stock `otter run` on the same submission, both zips
        sub = ROOT / "examples" / "submissions" / "loss" / "correct.ipynb"
        for kind in ("default", "roster"):
            res = Path(tmp) / f"otter-{kind}"
            res.mkdir()
            t0 = time.perf_counter()
            subprocess.run([str(Path(sys.executable).parent / "otter"), "run", "-a",
                            str(Path(tmp) / kind / "loss" / "autograder" / "autograder.zip"), "-o", str(res), str(sub)],
                           check=True, capture_output=True)
            out[f"otter_run_loss_{kind}_zip_s"] = round(time.perf_counter() - t0, 2)
            out[f"otter_run_loss_{kind}_zip_score"] = sum(
                t.get("score") or 0 for t in json.loads((res / "results.json").read_text())["tests"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
