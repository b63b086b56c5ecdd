"""Helpers shared by the `lmcourse grade` tests: build an assignment, make submissions, run the grader, read results."""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELLS = ROOT / "tests" / "autograder" / "adversarial" / "cells"
ASSIGNMENT = "loss"
# this test process's own sandbox uids (16 blocks of 64, one per concurrent grader), so other graders running on the
# machine are not mistaken for survivors
UID_BASE = 3_200_000 + (os.getpid() % 10_000) * 1024
UID_RANGE = range(UID_BASE, UID_BASE + 1024)


def full_marks(assignment: str = ASSIGNMENT) -> float:
    """The assignment's points, as `autograder.build.examples --update` computed them for its correct example (never
    typed in a test: a question added to the content changes them)."""
    expected = ROOT / "examples" / "submissions" / assignment / "expected.json"
    return float(json.loads(expected.read_text(encoding="utf-8"))["correct.ipynb"])


_BUILT: dict[str, Path] = {}  # assignment -> its build in this test process (the build and its proof run once)


def build(out: Path, assignment: str = ASSIGNMENT) -> Path:
    """`lmcourse build ASSIGNMENT --out OUT`; returns OUT/ASSIGNMENT. The build runs once per test process and each
    caller gets its own copy (a build with its proof takes seconds; the grading tests need dozens)."""
    if assignment not in _BUILT:
        cache = Path(tempfile.mkdtemp(prefix="lmcourse-test-build-"))
        atexit.register(shutil.rmtree, cache, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", assignment, "--out", str(cache)], cwd=ROOT,
                       check=True, capture_output=True)
        _BUILT[assignment] = cache / assignment
    shutil.copytree(_BUILT[assignment], out / assignment, dirs_exist_ok=True)
    return out / assignment


def with_cells(notebook: Path, cells: list[str], dest: Path) -> Path:
    """A copy of `notebook` with extra code cells appended (what a student would type at the end)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for src in cells:
        nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                            "source": src})
    dest.write_text(json.dumps(nb), encoding="utf-8")
    return dest


def cell(name: str, **subs: str) -> str:
    text = (CELLS / f"{name}.py").read_text(encoding="utf-8")
    for k, v in subs.items():
        text = text.replace(f"__{k}__", v)
    return text


def grade(zip_path: Path, subs: list[Path], out: Path, *args: str, check: bool = True,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "--autograder", str(zip_path), *map(str, subs),
           "--out", str(out), "--quiet", *args]
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(UID_BASE), **(env or {})}
    return subprocess.run(cmd, cwd=ROOT, check=check, capture_output=True, text=True, env=env)


def grades(out: Path) -> dict[str, dict[str, str]]:
    """final_grades.csv rows by file (the points-per-question row under its own label)."""
    with open(out / "final_grades.csv", newline="", encoding="utf-8") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


def result(out: Path, name: str) -> dict:
    return json.loads((out / "results" / f"{name.replace('/', '__')}.json").read_text(encoding="utf-8"))


def sandbox_processes() -> list[int]:
    """PIDs of live processes running as one of this test process's sandbox uids (every submission process runs as
    one). Zombies are dead already (waiting for whoever inherited them to reap them), so they do not count."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            uid, state = int(fields["Uid"].split()[0]), fields["State"].split()[0]
        except (OSError, KeyError, ValueError):
            continue
        if uid in UID_RANGE and state != "Z":
            pids.append(int(entry))
    return pids


def survivors(grace: float = 3.0) -> list[str]:
    """Sandbox processes still alive `grace` seconds after grading ended (a process killed a moment ago may still be
    releasing its memory), described by pid, state and parent."""
    import time

    deadline = time.monotonic() + grace
    while (pids := sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(0.1)
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            out.append(f"{pid} {fields['State'].strip()} ppid={fields['PPid'].strip()} {fields['Name'].strip()}")
        except OSError:
            pass
    return out


def evil_zip(dest: Path, member: str, symlink_to: str | None = None) -> Path:
    with zipfile.ZipFile(dest, "w") as z:
        info = zipfile.ZipInfo(member)
        if symlink_to is not None:
            info.external_attr = (0o120777 << 16)
            z.writestr(info, symlink_to)
        else:
            z.writestr(info, json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return dest
