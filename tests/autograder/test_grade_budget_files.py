"""budget.py on fake cgroup trees (plain folders laid out as cgroup v2 and v1 mounts): which folder it finds, what it
writes for a run and for one submission, what it reads back. The real kernel is exercised in test_grade_budget.py."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from autograder.grade import budget

V2_MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n"
V1_MOUNTINFO = "".join(
    f"{40 + i} 23 0:{30 + i} / /sys/fs/cgroup/{name} rw,relatime - cgroup cgroup rw,{opts}\n"
    for i, (name, opts) in enumerate([("memory", "memory"), ("pids", "pids"), ("cpu,cpuacct", "cpu,cpuacct")]))
V1_OWN = "4:memory:/process_api/abc\n8:pids:/\n1:cpu,cpuacct:/\n0::/\n"


def _v2(tmp: Path, controllers: str = "cpuset cpu io memory pids") -> Path:
    base = tmp / "sys/fs/cgroup/user.slice/grader"
    base.mkdir(parents=True)
    (base / "cgroup.controllers").write_text(controllers + "\n")
    return base


def _v1(tmp: Path) -> dict[str, Path]:
    dirs = {"memory": tmp / "sys/fs/cgroup/memory/process_api/abc", "pids": tmp / "sys/fs/cgroup/pids",
            "cpu": tmp / "sys/fs/cgroup/cpu,cpuacct", "cpuacct": tmp / "sys/fs/cgroup/cpu,cpuacct"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    return dirs


def test_budget_finds_the_v2_group_of_this_process(tmp_path: Path) -> None:
    base = _v2(tmp_path)
    assert budget.locate(V2_MOUNTINFO, "0::/user.slice/grader\n", str(tmp_path)) == (2, {"": str(base)})


def test_budget_v2_without_the_controllers_is_refused_with_a_reason(tmp_path: Path) -> None:
    _v2(tmp_path, "cpuset io")
    where = budget.locate(V2_MOUNTINFO, "0::/user.slice/grader\n", str(tmp_path))
    assert isinstance(where, str) and "memory, pids and cpu" in where


def test_budget_v2_run_and_submission_limits(tmp_path: Path) -> None:
    base = _v2(tmp_path)
    run = budget.start_run("lmcourse-run-x", (2, {"": str(base)}))
    assert run == {"version": 2, "dirs": {"": str(base / "lmcourse-run-x")}}
    for folder in (base, base / "lmcourse-run-x"):
        assert (folder / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    budget.weigh(run, 3)
    assert (base / "lmcourse-run-x" / "cpu.weight").read_text() == "300"
    group = budget.make_group(run, "s1", memory_mb=256, nproc=64)
    g = Path(group[""])
    assert {f: (g / f).read_text() for f in ("memory.max", "memory.swap.max", "memory.oom.group", "pids.max",
                                             "cpu.max")} == {"memory.max": str(256 << 20), "memory.swap.max": "0",
                                                             "memory.oom.group": "1", "pids.max": "64",
                                                             "cpu.max": "100000 100000"}
    (g / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n")
    (g / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 2\noom_kill 0\noom_group_kill 1\n")
    assert budget.cpu_seconds(group) == 2.5 and budget.oom_kills(group) == 1


def test_budget_v2_moves_the_grader_to_a_leaf_when_its_group_holds_processes(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """cgroup v2 gives no controllers below a group with processes in it: the grader moves itself into a leaf."""
    base = _v2(tmp_path)
    write, refused = budget._write, []

    def busy_once(path: str, value: str | int) -> None:
        if path.endswith(f"grader{os.sep}cgroup.subtree_control") and not refused:
            refused.append(path)
            raise OSError(errno.EBUSY, "Device or resource busy")
        write(path, value)

    monkeypatch.setattr(budget, "_write", busy_once)
    assert isinstance(budget.start_run("lmcourse-run-y", (2, {"": str(base)})), dict)
    assert refused and (base / f"lmcourse-grader-{os.getpid()}" / "cgroup.procs").read_text() == str(os.getpid())


def test_budget_finds_the_v1_hierarchies(tmp_path: Path) -> None:
    dirs = _v1(tmp_path)
    assert budget.locate(V1_MOUNTINFO, V1_OWN, str(tmp_path)) == (1, {c: str(d) for c, d in dirs.items()})
    where = budget.locate(V1_MOUNTINFO.replace("rw,pids", "rw,blkio"), V1_OWN, str(tmp_path))
    assert isinstance(where, str) and where.endswith("with pids")


def test_budget_v1_run_and_submission_limits(tmp_path: Path) -> None:
    dirs = _v1(tmp_path)
    run = budget.start_run("lmcourse-run-z", (1, {c: str(d) for c, d in dirs.items()}))
    assert isinstance(run, dict) and run["version"] == 1
    budget.weigh(run, 2)
    assert (dirs["cpu"] / "lmcourse-run-z" / "cpu.shares").read_text() == "2048"
    group = budget.make_group(run, "s1", memory_mb=300, nproc=32, cpus=0.5)
    assert group["cpu"] == group["cpuacct"]  # one co-mounted hierarchy, one folder
    values = {f: Path(group[c], f).read_text() for c, f in [
        ("memory", "memory.limit_in_bytes"), ("memory", "memory.memsw.limit_in_bytes"), ("pids", "pids.max"),
        ("cpu", "cpu.cfs_period_us"), ("cpu", "cpu.cfs_quota_us")]}
    assert values == {"memory.limit_in_bytes": str(300 << 20), "memory.memsw.limit_in_bytes": str(300 << 20),
                      "pids.max": "32", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "50000"}
    Path(group["cpuacct"], "cpuacct.usage").write_text("1500000000\n")
    Path(group["memory"], "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert budget.cpu_seconds(group) == 1.5 and budget.oom_kills(group) == 2


def test_budget_unreadable_counters_read_as_unknown(tmp_path: Path) -> None:
    group = {"memory": str(tmp_path), "cpuacct": str(tmp_path), "pids": str(tmp_path), "cpu": str(tmp_path)}
    assert budget.cpu_seconds(group) is None and budget.oom_kills(group) == 0
