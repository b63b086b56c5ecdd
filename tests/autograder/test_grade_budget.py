"""One resource budget per submission across all its processes (issue 22): memory in memfds, in children, in shared
memory and in tmpfs inodes, and CPU spread over 40 processes, each next to innocent neighbours whose rows must stay
the solo run's. On this kind of machine (root, cgroups, as in CI) the budget is a cgroup per submission; the last
test runs without one and shows what still holds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import grade_fixtures as gf
import pytest

from autograder.grade import budget

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's isolation needs root (as in CI)")
EXAMPLES = gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())
INNOCENT = {"a_correct.ipynb": "correct.ipynb", "m_mean.ipynb": "mean_instead_of_sum.ipynb",
            "z_correct.ipynb": "correct.ipynb"}
MEMORY_HOGS = {"b_memfd.ipynb": "memfd_hog", "c_children.ipynb": "children_hog", "d_inodes.ipynb": "inode_hog",
               "e_shm.ipynb": "shm_hog"}


def _cgroups_here() -> None:
    where = budget.locate()
    assert not isinstance(where, str), f"this machine (root, as CI) should give the grader cgroups: {where}"


def _batch(tmp: Path, attacks: dict[str, str], innocent: dict[str, str], *args: str, env: dict | None = None,
           extra: dict[str, list[str]] | None = None) -> dict:
    built = gf.build(tmp / "dist")
    student = built / "student" / f"{gf.ASSIGNMENT}.ipynb"
    subs = tmp / "subs"
    subs.mkdir()
    for name, src in innocent.items():
        shutil.copy(EXAMPLES / src, subs / name)
    for name, cell in attacks.items():
        gf.with_cells(student, [gf.cell(cell)], subs / name)
    for name, cells in (extra or {}).items():
        gf.with_cells(EXAMPLES / "correct.ipynb", [gf.cell(c) for c in cells], subs / name)
    before = _run_groups()
    proc = gf.grade(built / "autograder" / "autograder.zip", [subs], tmp / "out", "--no-similarity", *args,
                    check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"proc": proc, "grades": gf.grades(tmp / "out"), "out": tmp / "out", "survivors": gf.survivors(),
            "groups_left": _run_groups() - before}


def _run_groups() -> set[str]:
    where = budget.locate()
    folders = [] if isinstance(where, str) else where[1].values()
    return {str(p) for f in folders for p in Path(f).glob("lmcourse-run-*")}


def _innocent_rows_unchanged(run: dict, innocent: dict[str, str]) -> None:
    for name, src in innocent.items():
        row = run["grades"][name]
        assert (float(row["total_points_earned"]), row["grading_status"]) == (EXPECTED[src], "Completed"), name


@pytest.fixture(scope="module")
def memory_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    _cgroups_here()
    return _batch(tmp_path_factory.mktemp("budget-memory"), MEMORY_HOGS, INNOCENT, "--workers", "2", "--memory",
                  "256", "--timeout", "20")


def test_grade_budget_memory_hogs_leave_neighbours_untouched(memory_run: dict) -> None:
    _innocent_rows_unchanged(memory_run, INNOCENT)
    assert memory_run["survivors"] == []
    assert memory_run["groups_left"] == set()  # the run's cgroups went with it


def test_grade_budget_memfds_count_against_the_submission(memory_run: dict) -> None:
    """48 memfds of 16 MB (each within the file-size limit) at --memory 256: the cgroup's OOM killer stops it."""
    row = memory_run["grades"]["b_memfd.ipynb"]
    out = gf.result(memory_run["out"], "b_memfd.ipynb")["output"]
    assert row["grading_status"] == "memory", out[-2000:]
    assert "memfd hog kept 768 MB" not in out and float(row["total_points_earned"]) == 0


def test_grade_budget_children_count_together(memory_run: dict) -> None:
    """6 children of 200 MB resident each, every one within its own address-space limit: 1.2 GB together."""
    row = memory_run["grades"]["c_children.ipynb"]
    out = gf.result(memory_run["out"], "c_children.ipynb")["output"]
    assert row["grading_status"] == "memory", out[-2000:]
    assert "killed 0 of 6" not in out


def test_grade_budget_tmpfs_inodes_are_bounded(memory_run: dict) -> None:
    """400,000 empty files would cost ~400 MB of kernel memory: the jail's tmpfs stops at its nr_inodes."""
    out = gf.result(memory_run["out"], "d_inodes.ipynb")["output"]
    made = int(out.split("inode hog stopped after ", 1)[1].split()[0])
    assert made < 10_000 and "No space left on device" in out, out[-2000:]


def test_grade_budget_shared_memory_is_bounded(memory_run: dict) -> None:
    out = gf.result(memory_run["out"], "e_shm.ipynb")["output"]
    assert "shm hog kept 384 MB" not in out
    assert memory_run["grades"]["e_shm.ipynb"]["grading_status"] in ("Completed", "memory", "crashed")


def test_grade_budget_forty_busy_processes_do_not_starve_a_neighbour(tmp_path: Path) -> None:
    """40 busy processes of one submission run beside a correct notebook that needs 1.5 s of CPU time, at --timeout
    12: the neighbour's limit measures its own work (its cgroup's CPU time) and it gets its share of the CPUs."""
    _cgroups_here()
    run = _batch(tmp_path, {"b_cpu.ipynb": "cpu_hog"}, {"z_correct.ipynb": "correct.ipynb"}, "--workers", "2",
                 "--timeout", "12", extra={"c_needy.ipynb": ["cpu_needy"]})
    needy = run["grades"]["c_needy.ipynb"]
    out = gf.result(run["out"], "c_needy.ipynb")["output"]
    assert needy["grading_status"] == "Completed" and "needed 1.5 s of CPU" in out, out[-2000:]
    assert float(needy["total_points_earned"]) == EXPECTED["correct.ipynb"]
    assert run["grades"]["b_cpu.ipynb"]["grading_status"] == "timeout"
    _innocent_rows_unchanged(run, {"z_correct.ipynb": "correct.ipynb"})
    assert run["survivors"] == []


def test_grade_budget_without_cgroups_the_batch_still_holds(tmp_path: Path) -> None:
    """LMCOURSE_CGROUPS=off (a machine without them): the grader says so, the per-process limits stay, and a memfd
    hog still changes no other row (it is stopped by nothing but its file-size and descriptor limits)."""
    run = _batch(tmp_path, {"b_memfd.ipynb": "memfd_hog"}, INNOCENT, "--workers", "2", "--memory", "256",
                 env={"LMCOURSE_CGROUPS": "off"})
    assert "no cgroup per submission (LMCOURSE_CGROUPS=off)" in run["proc"].stderr
    _innocent_rows_unchanged(run, INNOCENT)
    assert run["grades"]["b_memfd.ipynb"]["grading_status"] == "Completed"
    assert run["survivors"] == []


def test_grade_budget_kill_9_leaves_no_cgroup_behind_a_rerun(tmp_path: Path) -> None:
    """The grader killed -9 mid-batch leaves its run cgroup (its processes die with it); the next run removes it."""
    import signal
    import subprocess
    import sys
    import time

    _cgroups_here()
    built = gf.build(tmp_path / "dist")
    subs = tmp_path / "subs"
    subs.mkdir()
    gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", [gf.cell("sleep_forever")], subs / "s.ipynb")
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "-a", str(built / "autograder" / "autograder.zip"),
           str(subs), "--out", str(tmp_path / "out"), "--quiet", "--no-similarity", "--workers", "1", "--timeout", "3"]
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}
    proc = subprocess.Popen(cmd, cwd=gf.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mine = lambda: {g for g in _run_groups() if f"-{proc.pid}-" in g}  # noqa: E731
    deadline = time.monotonic() + 240
    while not any(Path(g).glob("*-*-*") for g in mine()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mine(), "the run never made its cgroup"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert mine()  # what kill -9 leaves
    rerun = subprocess.run(cmd, cwd=gf.ROOT, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert mine() == set() and gf.survivors() == []
    assert gf.grades(tmp_path / "out")["s.ipynb"]["grading_status"] == "timeout"
