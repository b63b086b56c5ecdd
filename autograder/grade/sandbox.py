"""Process isolation for untrusted student code (Linux), used by `lmcourse grade`.

One submission runs as a two-process chain forked from a warm worker:

    worker (root, trusted) ─fork─▶ supervisor S ─unshare(PID|NET|NS|IPC|UTS)─fork─▶ student process P (PID 1)

S (trusted) mounts a private size- and inode-limited tmpfs as P's root (with the Python installation's directories,
the interpreter and the student edition bind-mounted read-only inside it, a minimal /dev, and any copy of our own
packages in site-packages covered by an empty mount: see mounts.py), caps SysV shared memory of its fresh IPC
namespace at the submission's memory budget, enforces the time limit and reports P's exit status on a pipe only S
holds. P, before running any student code: joins the submission's cgroup where there is one (budget.py: memory,
processes and CPU of all its processes together; then the time limit counts their CPU time, with a wall-clock
backstop), mounts a /proc of its PID namespace, sets its resource limits (CPU soft = hard, address space, process
count, file size, open files, no core dumps), chroots into the private root, drops to an unprivileged uid/gid with
no supplementary groups, joins a fresh session keyring, and closes every descriptor except its job, output and result
pipes. Because P is PID 1 of a fresh PID namespace, the kernel kills every process the submission started the moment
P ends; the IPC namespace (SysV segments, semaphores, message queues) dies with it; because the network namespace is
fresh, there is no network (not even loopback); because of the chroot, the autograder zip, the tests, the output
directory and other students' files are simply not there. After P ends, S clears the uid's user, user-session and
persistent keyrings before it reports, so nothing a submission stored in the kernel reaches the next one.

Without root (a laptop), namespaces, chroot and the uid drop are unavailable: P then runs in its own session with the
rlimits only, and the supervisor kills its process group (and what is left in its cgroup) at the end.
`isolation_level()` says which mode applies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUTS = 0x04000000
PR_SET_PDEATHSIG = 1
UID_BASE = int(os.environ.get("LMCOURSE_SANDBOX_UID_BASE", "3100000"))  # first uid of the first uid block
UID_BLOCK = 64  # uids per grading run (one per worker slot); concurrent runs (shards) take different blocks
UID_BLOCKS = 16
_SYS_KEYCTL = {"x86_64": 250, "aarch64": 219, "arm64": 219}
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR, KEYCTL_GET_PERSISTENT = 1, 7, 22
KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -4, -5

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


@dataclass
class Limits:
    timeout: float = 60.0  # seconds for the whole submission (cells + tests): CPU time of all its processes where
    #                        a cgroup counts it (the wall clock then stops it at wall_limit), else wall-clock time
    memory_mb: int = 2048  # memory of all its processes together (cgroup), and address space each one may add
    nproc: int = 64  # processes + threads of the submission (cgroup) and of its sandbox uid (rlimit)
    fsize_mb: int = 16  # largest file the submission may write
    disk_mb: int = 64  # size of its private tmpfs working directory
    inodes: int = 8192  # files and folders in that tmpfs (each costs kernel memory even when empty)
    nofile: int = 256
    output_bytes: int = 64_000  # stdout/stderr kept for feedback; the rest is counted and dropped
    result_bytes: int = 32_000_000  # probe results larger than this are refused


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send `sig` to this process when its parent dies (grader killed -9 → nothing survives)."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _keyctl(*args: int | None) -> int:
    import platform

    nr = _SYS_KEYCTL.get(platform.machine())
    if nr is None:
        return -1
    return _libc.syscall(nr, *[ctypes.c_long(a) if a is not None else None for a in args])


def new_session_keyring() -> None:
    """Join a fresh anonymous session keyring, so the grader's (inherited, and possessed) one is out of reach."""
    _keyctl(KEYCTL_JOIN_SESSION_KEYRING, None)


def clear_keyrings_as(uid: int) -> None:
    """Become `uid` (irreversibly: call it in a process about to exit) and empty its user, user-session and
    persistent keyrings, so keys one submission stored are gone before the next one runs as that uid."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _clear_own_keyrings()


def clear_keyrings_of(uids: range) -> None:
    """In a (root) child about to exit: the same for many uids, in one process (each uid in turn, root kept as the
    saved uid to come back), with a fresh session keyring so the caller's is not touched."""
    new_session_keyring()
    os.setgroups([])
    for uid in uids:
        os.setresgid(uid, uid, 0)
        os.setresuid(uid, uid, 0)
        _clear_own_keyrings()
        os.setresuid(0, 0, 0)
        os.setresgid(0, 0, 0)


def _clear_own_keyrings() -> None:
    _keyctl(KEYCTL_CLEAR, KEY_SPEC_USER_KEYRING)
    _keyctl(KEYCTL_CLEAR, KEY_SPEC_USER_SESSION_KEYRING)
    persistent = _keyctl(KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_USER_SESSION_KEYRING)
    if persistent > 0:
        _keyctl(KEYCTL_CLEAR, persistent)


def limit_ipc(memory_mb: int) -> None:
    """In a fresh IPC namespace: SysV shared memory may not exceed the submission's memory budget."""
    for name, value in (("shmmax", memory_mb * 2**20), ("shmall", memory_mb * 2**20 // 4096), ("shmmni", 64)):
        try:
            with open(f"/proc/sys/kernel/{name}", "w") as f:
                f.write(str(value))
        except OSError:
            pass


def interpreter_paths() -> list[str]:
    """The import path entries that belong to the Python installation (stdlib, lib-dynload, site-packages), and
    nothing else: the project checkout (an editable install's source folder), the autograder zip, the output folder
    and the submissions stay outside the jail. Mounted read-only inside it, so that a module imported lazily (torch
    imports torch._dynamo on the first optimizer step) is still found."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    paths = []
    for p in sys.path:
        if p and os.path.isabs(p) and os.path.isdir(p):
            real = os.path.realpath(p)
            if any(real == r or real.startswith(r + os.sep) for r in roots):
                paths.append(p)
    return paths


_LEVEL: str | None = None


def _namespaces_work() -> bool:
    """Try, in a throwaway child, what `full` isolation needs: new PID/network/mount namespaces and a tmpfs mount
    (a container without CAP_SYS_ADMIN is root but cannot)."""
    import tempfile

    d = tempfile.mkdtemp(prefix="lmcourse-probe-")
    pid = os.fork()
    if pid == 0:
        try:
            from . import mounts

            unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
            mounts.mount_root(d, 1, 16, 0)
            os._exit(0)
        except BaseException:
            os._exit(1)
    ok = os.waitpid(pid, 0)[1] == 0
    os.rmdir(d)
    return ok


def isolation_level(known: str | None = None) -> str:
    """'full' (namespaces, chroot, uid drop) when running as root where namespaces work, else 'rlimits'.
    LMCOURSE_ISOLATION=rlimits forces the weaker mode (for trying the grader on trusted code). A worker, which runs
    with a minimal environment, is told the grader's answer (`known`)."""
    global _LEVEL
    if known is not None:
        _LEVEL = known
    if _LEVEL is None:
        forced = os.environ.get("LMCOURSE_ISOLATION")
        if forced == "rlimits" or os.geteuid() != 0:
            _LEVEL = "rlimits"
        else:
            _LEVEL = "full" if _namespaces_work() else "rlimits"
    return _LEVEL


def wall_limit(limits: Limits, cpu_counted: bool) -> float:
    """Wall-clock seconds a submission may take. Where its time limit counts the CPU time of all its processes, the
    wall clock is only a backstop (for sleeping or blocked code), with room for waiting its turn on a busy machine;
    otherwise it is the time limit itself."""
    return 2 * limits.timeout + 5 if cpu_counted else limits.timeout


def vm_size_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limits(limits: Limits, drop_uid: int | None) -> None:
    """rlimits of the student process P. CPU soft = hard, so a SIGXCPU handler cannot buy more time."""
    cpu = int(limits.timeout) + 1
    mem = vm_size_bytes() + limits.memory_mb * 2**20
    fsize = limits.fsize_mb * 2**20
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if drop_uid is not None:  # RLIMIT_NPROC counts per real uid and never binds root
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead of killing P


def enter_jail(workdir: str, uid: int | None) -> None:
    """chroot into the private working directory and become `uid` (no groups). Irreversible for P."""
    if uid is None:
        os.chdir(workdir)
        return
    os.chroot(workdir)
    os.chdir("/")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not drop privileges")


def close_fds_except(keep: set[int]) -> None:
    fds = [int(x) for x in os.listdir("/proc/self/fd")] if os.path.isdir("/proc/self/fd") else list(range(1024))
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def wait_with_deadline(pid: int, deadline: float, cpu_limit: float | None = None,
                       cpu_used: Callable[[], float | None] | None = None) -> tuple[int, bool, float]:
    """Wait for child `pid`; SIGKILL it at `deadline` (monotonic), or once `cpu_used()` (CPU seconds of all the
    submission's processes) reaches `cpu_limit`. Returns (wait status, timed out, CPU seconds of `pid` itself)."""
    import select

    timed_out = False
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            wpid, status, ru = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                return status, timed_out, ru.ru_utime + ru.ru_stime
            remaining = deadline - time.monotonic()
            used = cpu_used() if cpu_used is not None else None
            over = cpu_limit is not None and used is not None and used >= cpu_limit
            if (remaining <= 0 or over) and not timed_out:
                timed_out = True
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            wait = 0.05 if timed_out else min(max(remaining, 0.05), 0.1 if cpu_used is not None else remaining)
            select.select([pidfd], [], [], wait)
    finally:
        os.close(pidfd)
