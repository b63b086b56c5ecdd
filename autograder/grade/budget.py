"""One resource budget per submission, across all its processes: a cgroup per submission, where the machine has them.

The grader makes one run group under its own cgroup (`start_run`), in cgroup v2 (one tree with the memory, pids and
cpu controllers enabled down to it) or v1 (the memory, pids, cpu and cpuacct hierarchies). A worker makes one child
group per submission (`make_group`), and the student process P moves itself into it (`join`) before it runs
anything, so every process, thread and page the submission makes is inside and counted together, and nothing else
is: whatever the OOM killer picks there is the submission's own (the warm template cannot be exempted instead: root
in this kind of container lacks CAP_SYS_RESOURCE to lower its oom_score_adj). The move waits one RCU grace period
(~14 ms on a busy 2-core machine, the other hierarchies then ~3 ms), spent while the supervisor mounts the jail.

    memory  memory.max (v2) / memory.limit_in_bytes (v1) = --memory, swap none. Charged: every process's anonymous
            memory, memfd and shared memory (shmem pages belong to the group that touched them first), the jail's
            tmpfs pages, and kernel objects made for the group (inodes and dentries of its files, page tables, pipe
            buffers: v2 always, v1 where the kernel accounts kernel memory, as the tests check). Over it, the
            kernel's OOM killer kills inside the group only (v2: the whole group, memory.oom.group) and the
            submission's status is `memory`.
    pids    pids.max = the process limit: processes and threads together, whatever uid they run as.
    cpu     at most one CPU (cpu.max / cfs_quota_us) and an equal share (cpu.weight / cpu.shares) per submission;
            the run group weighs as much as its slots would as plain processes, so a run takes the share of the
            machine it took without cgroups, and 40 busy processes weigh what one does.
    CPU time (cpu.stat usage_usec / cpuacct.usage) of the whole group is what the time limit counts (the
            supervisor polls it), so a neighbour's limit measures its own work; the wall clock is a backstop.

Without cgroups (not root, none mounted, v2 without delegation) `start_run` returns the reason instead, and the
sandbox keeps its per-process limits (see README, trust model).
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable

V1 = ("memory", "pids", "cpu", "cpuacct")
V2 = ("memory", "pids", "cpu")
PERIOD_US = 100_000
Where = tuple[int, dict[str, str]] | str  # (version, {controller: folder}) or why there is no usable cgroup


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str | int) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def _mounts(mountinfo: str) -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root inside the hierarchy, fs type, options) of each cgroup mount in /proc/self/mountinfo."""
    out = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            out.append((fields[4], fields[3], tail[0], set(tail[2].split(","))))
    return out


def _inside(mount_point: str, mount_root: str, path: str) -> str | None:
    rel = os.path.relpath(path, mount_root)
    return None if rel.startswith("..") else os.path.normpath(os.path.join(mount_point, rel))


def locate(mountinfo: str | None = None, own: str | None = None, sys_root: str = "") -> Where:
    """This process's cgroup folders: (2, {"": folder}) or (1, {controller: folder}), or why none can be used."""
    try:
        mountinfo = _read("/proc/self/mountinfo") if mountinfo is None else mountinfo
        own = _read("/proc/self/cgroup") if own is None else own
    except OSError as e:
        return f"cannot read /proc ({e.strerror})"
    mine: dict[str, str] = {}
    for line in own.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for c in parts[1].split(",") if parts[1] else [""]:
                mine[c] = parts[2]
    mounts = _mounts(mountinfo)
    for point, root, fstype, _ in mounts:
        if fstype == "cgroup2" and "" in mine:
            folder = _inside(sys_root + point, root, mine[""])
            try:
                have = set(_read(os.path.join(folder, "cgroup.controllers")).split()) if folder else set()
            except OSError:
                have = set()
            if folder and set(V2) <= have:
                return 2, {"": folder}
    dirs = {}
    for c in V1:
        for point, root, fstype, opts in mounts:
            if fstype == "cgroup" and c in opts and c in mine:
                folder = _inside(sys_root + point, root, mine[c])
                if folder and os.path.isdir(folder):
                    dirs[c] = folder
                    break
    if len(dirs) == len(V1):
        return 1, dirs
    return "no cgroup v2 with memory, pids and cpu, nor cgroup v1 with " + ", ".join(c for c in V1 if c not in dirs)


def _enable_v2(folder: str) -> None:
    """Let `folder`'s children use the controllers. Where processes live in `folder` itself (v2 forbids controllers
    below a group with processes), this grader moves itself into a leaf first, as a delegated scope does."""
    want = " ".join(f"+{c}" for c in V2)
    try:
        _write(os.path.join(folder, "cgroup.subtree_control"), want)
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        leaf = os.path.join(folder, f"lmcourse-grader-{os.getpid()}")
        os.makedirs(leaf, exist_ok=True)
        _write(os.path.join(leaf, "cgroup.procs"), os.getpid())
        _write(os.path.join(folder, "cgroup.subtree_control"), want)


def start_run(name: str, where: Where | None = None) -> dict | str:
    """Make the run group `name` under this process's cgroups; returns {"version", "dirs"} or why it cannot."""
    where = locate() if where is None else where
    if isinstance(where, str):
        return where
    version, bases = where
    made: dict[str, str] = {}
    try:
        for c, base in bases.items():
            if version == 2:
                _enable_v2(base)
            made[c] = os.path.join(base, name)
            if not os.path.isdir(made[c]):  # cpu and cpuacct may share one v1 hierarchy
                os.mkdir(made[c], 0o755)
        if version == 2:
            _enable_v2(made[""])
    except OSError as e:
        remove(made)
        return f"cannot make cgroup {name} ({e.strerror or e})"
    return {"version": version, "dirs": made}


def weigh(run: dict, slots: int) -> None:
    """Give the run group the CPU weight of `slots` plain processes (cpu.weight 100 / cpu.shares 1024 each)."""
    if run["version"] == 2:
        _write(os.path.join(run["dirs"][""], "cpu.weight"), min(10_000, 100 * slots))
    else:
        _write(os.path.join(run["dirs"]["cpu"], "cpu.shares"), 1024 * slots)


def make_group(run: dict, name: str, memory_mb: int, nproc: int, cpus: float = 1.0) -> dict[str, str]:
    """One submission's group in the run group, with its limits; returns {controller: folder} ("" for v2)."""
    group = {c: os.path.join(d, name) for c, d in run["dirs"].items()}
    for folder in dict.fromkeys(group.values()):
        os.mkdir(folder, 0o755)
    try:
        set_limits(group, memory_mb, nproc, cpus)
    except OSError:
        remove(group)
        raise
    return group


def set_limits(group: dict[str, str], memory_mb: int, nproc: int, cpus: float = 1.0) -> None:
    """Memory (no swap), process count and CPU quota of the group."""
    memory, quota = memory_mb * 2**20, int(PERIOD_US * cpus)
    if "" in group:
        g = group[""]
        _write(f"{g}/memory.max", memory)
        _optional(f"{g}/memory.swap.max", 0)
        _optional(f"{g}/memory.oom.group", 1)
        _write(f"{g}/pids.max", nproc)
        _write(f"{g}/cpu.max", f"{quota} {PERIOD_US}")
        return
    m = group["memory"]
    try:
        lowering = int(_read(f"{m}/memory.limit_in_bytes")) > memory
    except (OSError, ValueError):
        lowering = True
    if lowering:  # v1: memory + swap may never be set below memory alone
        _write(f"{m}/memory.limit_in_bytes", memory)
        _optional(f"{m}/memory.memsw.limit_in_bytes", memory)
    else:
        _optional(f"{m}/memory.memsw.limit_in_bytes", memory)
        _write(f"{m}/memory.limit_in_bytes", memory)
    _write(f"{group['pids']}/pids.max", nproc)
    _write(f"{group['cpu']}/cpu.cfs_period_us", PERIOD_US)
    _write(f"{group['cpu']}/cpu.cfs_quota_us", quota)


def _optional(path: str, value: int) -> None:
    try:
        _write(path, value)
    except OSError:  # no swap accounting, or an older kernel: the rest of the budget still holds
        pass


def join(group: dict[str, str]) -> None:
    """Move the calling process into `group` (everything it starts later is born inside)."""
    for folder in dict.fromkeys(group.values()):
        _write(os.path.join(folder, "cgroup.procs"), 0)


def kill_all(group: dict[str, str], rounds: int = 20) -> None:
    """SIGKILL every process left in the group (cgroup.kill where the kernel has it); for the mode without a PID
    namespace, where a process that left the submission's session is still in its cgroup."""
    import signal

    folder = group.get("") or group.get("pids") or next(iter(group.values()))
    try:
        _write(os.path.join(folder, "cgroup.kill"), 1)
        return
    except OSError:
        pass
    for _ in range(rounds):
        try:
            pids = [int(p) for p in _read(os.path.join(folder, "cgroup.procs")).split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def cpu_seconds(group: dict[str, str]) -> float | None:
    """CPU time used by every process the group ever held."""
    try:
        if "" in group:
            stat = dict(line.split() for line in _read(f"{group['']}/cpu.stat").splitlines() if line.count(" ") == 1)
            return int(stat["usage_usec"]) / 1e6
        return int(_read(f"{group['cpuacct']}/cpuacct.usage")) / 1e9
    except (OSError, KeyError, ValueError):
        return None


def oom_kills(group: dict[str, str]) -> int:
    """Processes of the group the OOM killer killed (memory.events / memory.oom_control)."""
    path = f"{group['']}/memory.events" if "" in group else f"{group.get('memory')}/memory.oom_control"
    try:
        stat = dict(line.split() for line in _read(path).splitlines() if line.count(" ") == 1)
    except (OSError, ValueError):
        return 0
    return int(stat.get("oom_kill", 0)) + int(stat.get("oom_group_kill", 0))


def remove(group: dict[str, str], wait_s: float = 2.0) -> None:
    """Remove the group's folders (children first when given a run group's); a group whose last processes are
    still exiting is retried for up to `wait_s`."""
    for folder in dict.fromkeys(group.values()):
        for sub in sorted((e.path for e in os.scandir(folder) if e.is_dir()) if os.path.isdir(folder) else []):
            _rmdir(sub, wait_s)
        _rmdir(folder, wait_s)


def remove_stale(prefix: str, alive: Callable[[int], bool]) -> list[str]:
    """Remove run groups named `prefix<pid>-...` (under this process's cgroups) whose grader `alive(pid)` denies."""
    where = locate()
    removed: list[str] = []
    if isinstance(where, str):
        return removed
    for base in dict.fromkeys(where[1].values()):
        try:
            names = [e.name for e in os.scandir(base) if e.is_dir() and e.name.startswith(prefix)]
        except OSError:
            continue
        for name in names:
            pid = name.removeprefix(prefix).split("-", 1)[0]
            if pid.isdigit() and not alive(int(pid)):
                remove({"": os.path.join(base, name)}, wait_s=0.2)
                removed.append(os.path.join(base, name))
    return removed


def _rmdir(folder: str, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                return
            time.sleep(0.01)
