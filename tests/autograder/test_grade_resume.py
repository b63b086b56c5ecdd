"""Resumable, atomic, shardable: kill -9 mid-batch then rerun == one uninterrupted run; shards merge to the same."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import grade_fixtures as gf
import pytest

N_SUBS = 8
pytestmark = pytest.mark.slow  # ~8 grader runs, each warming its workers


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("resume")
    built = gf.build(tmp / "dist")
    subs = tmp / "subs"
    subs.mkdir()
    solution = built / "autograder" / f"{gf.ASSIGNMENT}.ipynb"
    student = built / "student" / f"{gf.ASSIGNMENT}.ipynb"
    slow = "import time\ntime.sleep(0.6)\n"  # keeps the batch long enough to be killed in the middle
    for i in range(N_SUBS):
        gf.with_cells(solution if i % 2 else student, [slow], subs / f"s{i:02d}.ipynb")
    zip_path = built / "autograder" / "autograder.zip"
    whole = tmp / "whole"
    gf.grade(zip_path, [subs], whole, "--workers", "1")
    return {"tmp": tmp, "zip": zip_path, "subs": subs, "whole": whole}


def _results(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}


def test_uninterrupted_run_grades_everything(setup: dict) -> None:
    rows = gf.grades(setup["whole"])
    assert len(rows) == N_SUBS + 1
    assert {rows[f"s{i:02d}.ipynb"]["percent_correct"] for i in range(N_SUBS)} == {"0", "1"}


def test_kill_9_then_rerun_gives_the_same_final_grades(setup: dict) -> None:
    out = setup["tmp"] / "killed"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "-a", str(setup["zip"]), str(setup["subs"]), "--out",
           str(out), "--quiet", "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=gf.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)})
    deadline = time.monotonic() + 120
    while len(_results(out)) < 2:
        assert time.monotonic() < deadline and proc.poll() is None, "the batch finished before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _results(out)
    assert 2 <= len(before) < N_SUBS and not (out / "final_grades.csv").exists()
    assert gf.survivors() == []  # the workers and their submissions died with the grader
    gf.grade(setup["zip"], [setup["subs"]], out, "--workers", "1")
    assert (out / "final_grades.csv").read_text() == (setup["whole"] / "final_grades.csv").read_text()
    assert (out / "grades.csv").read_text() == (setup["whole"] / "grades.csv").read_text()  # the class's rows too
    after = _results(out)
    assert all(after[name] == mtime for name, mtime in before.items())  # finished ones were not regraded
    gf.grade(setup["zip"], [setup["subs"]], out, "--workers", "1", "--force")
    assert all(_results(out)[name] != mtime for name, mtime in after.items())  # --force regrades


def test_shards_partition_the_batch_and_merge(setup: dict) -> None:
    from autograder.grade.batch import in_shard

    out = setup["tmp"] / "sharded"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "-a", str(setup["zip"]), str(setup["subs"]), "--out",
           str(out), "--quiet", "--workers", "1"]
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}
    procs = [subprocess.Popen([*cmd, "--shard", f"{k}/3"], cwd=gf.ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for k in (1, 2, 3)]  # a job array, all at once
    for p in procs:
        assert p.wait() == 0 and "--shard" in p.stderr.read()
    assert not (out / "final_grades.csv").exists()
    names = [f"s{i:02d}.ipynb" for i in range(N_SUBS)]
    parts = [{n for n in names if in_shard(n, (k, 3))} for k in (1, 2, 3)]
    assert sum(len(p) for p in parts) == N_SUBS and set(_results(out)) == {f"{n}.json" for n in names}
    gf.grade(setup["zip"], [setup["subs"]], out)  # the merge: nothing left to grade
    assert (out / "final_grades.csv").read_text() == (setup["whole"] / "final_grades.csv").read_text()
    again = setup["tmp"] / "sharded-again"
    shutil.rmtree(again, ignore_errors=True)
    gf.grade(setup["zip"], [setup["subs"]], again, "--workers", "1", "--shard", "2/3")
    assert set(_results(again)) == {f"{n}.json" for n in parts[1]}  # deterministic: the same part again


def test_bad_shard_is_refused(setup: dict) -> None:
    r = gf.grade(setup["zip"], [setup["subs"]], setup["tmp"] / "bad", "--shard", "4/3", check=False)
    assert r.returncode != 0 and "K <= N" in r.stderr
