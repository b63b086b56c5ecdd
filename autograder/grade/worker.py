"""The warm worker ("template"): imports torch, numpy, lmcore and the usual standard library once, then forks a
fresh, isolated process per submission, so each submission pays only for its own code.

It is exec'd by the grader as `python -I -S -c BOOT CONFIG` with a minimal environment (no variable of the grader's)
and `/` as its working directory, and BOOT sets sys.path to the student edition folder (see
`autograder.grade.edition`), the standard library and the third-party site-packages, without processing .pth files.
So it imports this module as `lmcourse_jail.worker`, and lmcore and autograder.runtime from the student edition:
nothing in its memory, nor in what a submission inherits, can compute an answer or holds a string of the grader's
environment.

One process warms up (imports, the assignments' setup code, what the probes' first calls import, IPython's shell for
magics: see harness.prepare_shell), freezes its heap, then forks into one template per SOCK_SEQPACKET socket the
grader passed it. Per submission a template makes its cgroup (budget.py) and working directory. A template never
sees a submission: it receives a small header (limits, uid, the assignment's setup code) plus four pipe descriptors
made by the grader (the job pipe the student process reads its cells and, one at a time, its probes from, its output
pipe, its result pipe and the supervisor's status pipe), and forks. So no other student's code, output or results
are ever in the memory a student process inherits. Nothing a student process reports is ever imported here.
It dies with the grader (PR_SET_PDEATHSIG, or EOF).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # one thread: fork-safe, NPROC-friendly
    os.environ[_var] = "1"
os.environ["MPLBACKEND"] = "Agg"

import gc  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import selectors  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from . import budget, harness, mounts, sandbox, warmup  # noqa: E402

CONFIG: dict = {}  # from the grader: mounts, hidden package names, isolation level


def _student(limits: sandbox.Limits, uid: int | None, workdir: str, fds: tuple[int, int, int, int],
             group: dict[str, str] | None) -> None:
    """Process P: join the submission's cgroup (while S mounts the jail), enter the jail, then hand over to the
    harness, which reads the job. Never returns."""
    job_r, out_w, res_w, ready_r = fds
    code = 0
    try:
        sandbox.set_pdeathsig(signal.SIGKILL)
        if group is not None:
            budget.join(group)  # first: every page and process from here on counts against the submission's budget
        if os.read(ready_r, 1) != b"1":  # S could not build the jail
            raise RuntimeError("no jail")
        os.close(ready_r)
        if uid is not None:
            mounts.mount_proc(workdir)  # P is PID 1 of the fresh PID namespace: this proc shows only the submission
        else:
            os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        sandbox.close_fds_except({0, 1, 2, job_r, res_w})
        sandbox.apply_limits(limits, uid)
        sandbox.enter_jail(workdir, uid)
        sandbox.set_pdeathsig(signal.SIGKILL)  # again: changing credentials cleared it
        if uid is not None:
            sandbox.new_session_keyring()
        os.environ.clear()
        os.environ.update({"HOME": "/" if uid is not None else workdir, "TMPDIR": "/tmp" if uid is not None
                           else workdir, "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
                           "TORCHDYNAMO_DISABLE": "1", "TORCH_COMPILE_DISABLE": "1"})
        tempfile.tempdir = None
        harness.run(job_r, res_w)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _mount_jail(workdir: str, limits: sandbox.Limits, uid: int) -> None:
    """In S's fresh namespaces: the private tmpfs, its /tmp and /dev, the read-only installation, interpreter and
    edition, the hidden copies of our own packages, and the IPC limits (see mounts.py)."""
    mounts.mount_root(workdir, limits.disk_mb, limits.inodes, uid)
    # the private /tmp first: the installation may itself live under /tmp (a CI clone), and then its
    # read-only mount point is created inside this directory rather than colliding with it
    os.mkdir(os.path.join(workdir, "tmp"), 0o700)
    os.chown(os.path.join(workdir, "tmp"), uid, uid)
    mounts.make_dev(workdir, uid)
    for path in CONFIG.get("mounts", []):
        mounts.bind_readonly(path, workdir + path)
    mounts.expose(CONFIG.get("plan", []), workdir)
    for path in CONFIG.get("site_packages", []):
        mounts.hide_inside(workdir + path, tuple(CONFIG.get("hide", ())))
    sandbox.limit_ipc(limits.memory_mb)


def _supervise(limits: sandbox.Limits, uid: int | None, workdir: str, fds: list[int],
               group: dict[str, str] | None) -> None:
    """Process S: isolate, fork the student process P, enforce the time limit (CPU time of the submission's cgroup
    where there is one, with a wall-clock backstop; else wall clock), clear the uid's keyrings, report P's fate on
    the status pipe."""
    job_r, out_w, res_w, st_w = fds
    sandbox.set_pdeathsig(signal.SIGKILL)
    if uid is not None:
        sandbox.unshare(sandbox.CLONE_NEWPID | sandbox.CLONE_NEWNET | sandbox.CLONE_NEWNS | sandbox.CLONE_NEWIPC
                        | sandbox.CLONE_NEWUTS)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(st_w)
        os.close(ready_w)
        _student(limits, uid, workdir, (job_r, out_w, res_w, ready_r), group)
    for fd in (job_r, out_w, res_w, ready_r):
        os.close(fd)
    if uid is not None:
        _mount_jail(workdir, limits, uid)  # meanwhile P moves into its cgroup (that waits an RCU grace period)
    os.write(ready_w, b"1")
    os.close(ready_w)
    deadline = time.monotonic() + sandbox.wall_limit(limits, group is not None)
    cpu_used = (lambda: budget.cpu_seconds(group)) if group is not None else None
    status, timed_out, cpu = sandbox.wait_with_deadline(pid, deadline, limits.timeout, cpu_used)
    report = {"status": status, "timed_out": timed_out, "cpu": cpu}
    if group is not None:
        report["oom_kills"] = budget.oom_kills(group)
    if uid is None:  # without a PID namespace: kill what is left of its session (and of its cgroup)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if group is not None:
            budget.kill_all(group)
    else:  # P and all it started are gone (PID namespace); S, about to exit, becomes the uid to clear its keys
        sandbox.clear_keyrings_as(uid)
    os.write(st_w, json.dumps(report).encode())


_forks = itertools.count()
Slots = dict[int, tuple[str, "dict[str, str] | None"]]  # S's pid -> (working directory, cgroup)


def fork_one(header: dict, fds: list[int], workdirs: Slots) -> int:
    """Fork S for one submission with the grader's four pipe ends; returns S's pid."""
    _reap(workdirs, block=True)  # the previous submission of this slot is gone (and its uid's keys cleared) first
    limits = sandbox.Limits(**header["limits"])
    uid = header["uid"] if sandbox.isolation_level() == "full" else None
    warmup.warm_setup(header.get("setup", ""))
    group = None  # the submission's own cgroup: nothing else in it, so whatever the OOM killer picks is its own
    if CONFIG.get("budget"):
        group = budget.make_group(CONFIG["budget"], f"{header['uid']}-{os.getpid()}-{next(_forks)}",
                                  limits.memory_mb, limits.nproc)
    workdir = tempfile.mkdtemp(prefix="sub-", dir=CONFIG["run_dir"])
    if uid is not None:
        os.chown(workdir, uid, uid)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _supervise(limits, uid, workdir, fds, group)
        except BaseException as e:
            os.write(fds[3], json.dumps({"error": f"sandbox setup failed: {e!r}"}).encode())
            code = 71
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    workdirs[pid] = (workdir, group)
    return pid


def _reap(workdirs: Slots, block: bool = False) -> None:
    """Wait for finished supervisors; remove their working directories and cgroups."""
    for pid in list(workdirs):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done == pid:
            workdir, group = workdirs.pop(pid)
            shutil.rmtree(workdir, ignore_errors=True)
            if group is not None:
                budget.remove(group)


def serve(sock: socket.socket) -> None:
    """Answer fork requests on `sock` until the grader closes it."""
    workdirs: Slots = {}
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    while True:
        if sel.select(timeout=0.2):
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 4)
            if not msg:
                break  # the grader closed the socket
            header = json.loads(msg)
            if len(fds) == 4:
                try:
                    pid = fork_one(header, fds, workdirs)
                except Exception as e:  # a grader-side failure: report it, keep serving
                    for fd in fds:
                        try:
                            if fd == fds[3]:
                                os.write(fd, json.dumps({"error": f"worker failed: {e!r}"}).encode())
                            os.close(fd)
                        except OSError:
                            pass
                    pid = 0
                sock.send(json.dumps({"pid": pid}).encode())
            else:
                for fd in fds:
                    os.close(fd)
        _reap(workdirs)
    for pid in list(workdirs):
        os.kill(pid, signal.SIGKILL)
    while workdirs:
        _reap(workdirs)
        time.sleep(0.01)


def main() -> None:
    """Warm up once, then fork one template per socket FD (so N workers pay for one import of torch), each serving
    its own socket. sys.argv[1] is the grader's JSON config: socket FDs, mounts, run folder, isolation level."""
    sandbox.set_pdeathsig(signal.SIGKILL)
    CONFIG.update(json.loads(sys.argv[1]))
    fds = [int(x) for x in CONFIG["fds"]]
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    t0 = time.monotonic()
    missing = warmup.warm(CONFIG.get("optimizers", True))
    if CONFIG.get("setups"):  # once for all templates, and outside their cgroups
        with open(CONFIG["setups"]) as f:
            for code in json.load(f):
                warmup.warm_setup(code)
    harness.prepare_shell(os.path.join(CONFIG["run_dir"], "ipython"))
    sandbox.isolation_level(CONFIG["isolation"])
    if sandbox.isolation_level() == "full":  # what `subprocess` of sys.executable needs inside the jail
        CONFIG["plan"] = mounts.plan(mounts.interpreter_files(sys.executable), CONFIG.get("mounts", []))
    gc.freeze()  # the warm heap stays shared: a submission's collections neither walk nor copy it
    huge = warmup.collapse_heap()
    mine = fds[0]
    for fd in fds[1:]:
        if os.fork() == 0:
            sandbox.set_pdeathsig(signal.SIGKILL)  # dies with the first template, which dies with the grader
            mine = fd
            break
    for fd in fds:
        if fd != mine:
            os.close(fd)
    sock = socket.socket(fileno=mine)
    import lmcore

    sock.send(json.dumps({"ready": True, "isolation": sandbox.isolation_level(), "missing": missing,
                          "warm_s": time.monotonic() - t0, "lmcore": lmcore.__file__, "huge_pages_mb": huge >> 20,
                          "budget": (CONFIG.get("budget") or {}).get("version"),
                          "sys_path": sys.path}).encode())
    serve(sock)
    os._exit(0)  # its sandboxes are reaped and their folders gone: no interpreter teardown (~0.3 s the grader waits)


if __name__ == "__main__":
    main()
