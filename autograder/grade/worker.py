"""The warm worker ("zygote"): imports torch, numpy, lmcore and the usual standard library once, then forks a fresh,
isolated process per submission, so each submission pays only for its own code.

Protocol (JSON lines): the grader writes one job per line on stdin; the worker answers one line per job on the
descriptor that was stdout at start (fd 1 is then pointed at stderr, so nothing else can write into the protocol).
Run as `python -m autograder.grade.worker`; it dies with the grader (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # one thread: fork-safe, NPROC-friendly
    os.environ[_var] = "1"
os.environ["MPLBACKEND"] = "Agg"

import importlib  # noqa: E402
import json  # noqa: E402
import pkgutil  # noqa: E402
import re  # noqa: E402
import selectors  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from autograder import sandbox  # noqa: E402
from autograder.grade import harness  # noqa: E402

# Imported before the jail: inside it the interpreter's files are out of reach, so only these can be imported.
PREIMPORT = """
abc argparse array ast base64 bisect calendar cmath codecs collections collections.abc colorsys contextlib
copy csv dataclasses datetime decimal difflib dis enum fnmatch fractions functools gc glob gzip hashlib heapq
hmac html inspect io itertools json keyword linecache locale logging math numbers operator os pathlib pickle
platform pprint queue random re reprlib secrets select shutil signal socket statistics string struct
subprocess sys tempfile textwrap threading time timeit tokenize traceback types typing unicodedata uuid
warnings weakref zipfile zlib encodings.ascii encodings.latin_1 encodings.utf_16 encodings.utf_32
encodings.cp1252 encodings.idna numpy numpy.linalg numpy.random numpy.fft torch torch.nn torch.nn.functional
torch.optim torch.utils.data
""".split()


def warm() -> list[str]:
    """Import what every submission uses; returns the names that could not be imported. Anything else a submission
    imports still works (the jail sees the Python installation read-only) and is then learned, see `learn`."""
    missing = []
    for name in PREIMPORT:
        try:
            importlib.import_module(name)
        except Exception:
            missing.append(name)
    import torch

    import lmcore

    for info in pkgutil.walk_packages(lmcore.__path__, "lmcore."):
        importlib.import_module(info.name)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x = torch.randn(8, 8)  # initialises cpuinfo and the kernels' dispatch now (it reads /proc/cpuinfo)
    torch.nn.functional.cross_entropy(x @ x, torch.zeros(8, dtype=torch.long)).item()
    return missing


_warm_setups: set[str] = set()
_LEARNABLE = re.compile(r"^(torch|numpy|matplotlib|lmcore)(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def learn(events: list[dict]) -> None:
    """Pre-import the library modules the last submission had to import lazily, so the next one does not pay.
    Only names under torch/numpy/matplotlib/lmcore are taken from the (untrusted) report."""
    done = next((e for e in events if e.get("ev") == "done"), {})
    names = done.get("modules") if isinstance(done.get("modules"), list) else []
    for name in names[:1000]:
        if isinstance(name, str) and _LEARNABLE.match(name) and name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:
                pass


def warm_setup(code: str) -> None:
    """Run an assignment's trusted setup code once here, so the imports it needs are done before the jail."""
    if code and code not in _warm_setups:
        _warm_setups.add(code)
        try:
            exec(compile(code, "<setup warm-up>", "exec"), {"__name__": "__lmcourse_warm__"})
        except Exception as e:
            print(f"lmcourse worker: assignment setup failed to warm up: {e!r}", file=sys.stderr)


def _supervise(job: dict, limits: sandbox.Limits, uid: int | None, workdir: str, out_w: int, res_w: int,
               st_w: int) -> None:
    """Process S: isolate, fork the student process P, enforce the deadline, report P's fate on `st_w`."""
    sandbox.set_pdeathsig(signal.SIGKILL)
    if uid is not None:
        sandbox.unshare(sandbox.CLONE_NEWPID | sandbox.CLONE_NEWNET | sandbox.CLONE_NEWNS)
        sandbox.mount_tmpfs(workdir, limits.disk_mb, uid)
        for path in sandbox.interpreter_paths():
            sandbox.bind_readonly(path, workdir + path)
        os.mkdir(os.path.join(workdir, "tmp"), 0o700)
        os.chown(os.path.join(workdir, "tmp"), uid, uid)
    deadline = time.monotonic() + limits.timeout
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            sandbox.set_pdeathsig(signal.SIGKILL)
            if uid is None:
                os.setsid()
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            sandbox.close_fds_except({0, 1, 2, res_w})
            sandbox.apply_limits(limits, uid)
            sandbox.enter_jail(workdir, uid)
            sandbox.set_pdeathsig(signal.SIGKILL)  # again: changing credentials cleared it
            os.environ.clear()
            os.environ.update({"HOME": "/" if uid is not None else workdir, "TMPDIR": "/tmp" if uid is not None
                               else workdir, "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
            tempfile.tempdir = None
            harness.run(job, res_w)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(res_w)
    status, timed_out, cpu = sandbox.wait_with_deadline(pid, deadline)
    if uid is None:  # without a PID namespace: kill what is left of its session
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    report = {"status": status, "timed_out": timed_out, "cpu": cpu}
    os.write(st_w, json.dumps(report).encode())


def grade_one(job: dict) -> dict:
    """Fork S for one job, collect P's output and result stream, and return everything as plain data."""
    limits = sandbox.Limits(**job["limits"])
    uid = job["uid"] if os.geteuid() == 0 else None
    warm_setup(job.get("setup", ""))
    workdir = tempfile.mkdtemp(prefix="lmcourse-sub-")
    if uid is not None:
        os.chown(workdir, uid, uid)
    (out_r, out_w), (res_r, res_w), (st_r, st_w) = os.pipe(), os.pipe(), os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for fd in (out_r, res_r, st_r):
                os.close(fd)
            _supervise(job, limits, uid, workdir, out_w, res_w, st_w)
        except BaseException as e:
            os.write(st_w, json.dumps({"error": f"sandbox setup failed: {e!r}"}).encode())
            code = 71
        finally:
            os._exit(code)
    for fd in (out_w, res_w, st_w):
        os.close(fd)
    out, res, st, out_total, res_over = _collect(out_r, res_r, st_r, limits, pid, t0 + limits.timeout + 20)
    os.waitpid(pid, 0)
    shutil.rmtree(workdir, ignore_errors=True)
    try:
        report = json.loads(st.decode() or "{}")
    except ValueError:
        report = {}
    events = []
    for line in res.split(b"\n"):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if isinstance(ev, dict):
            events.append(ev)
    return {"id": job["id"], "report": report, "events": events, "stdout": out.decode("utf-8", "replace"),
            "stdout_bytes": out_total, "result_overflow": res_over, "wall": time.monotonic() - t0}


def _collect(out_r: int, res_r: int, st_r: int, limits: sandbox.Limits, pid: int, hard_deadline: float):
    """Drain the three pipes until every writer is gone, keeping at most the configured number of bytes."""
    sel = selectors.DefaultSelector()
    bufs = {out_r: bytearray(), res_r: bytearray(), st_r: bytearray()}
    caps = {out_r: limits.output_bytes, res_r: limits.result_bytes, st_r: 65536}
    totals = dict.fromkeys(bufs, 0)
    for fd in bufs:
        sel.register(fd, selectors.EVENT_READ)
    open_fds = set(bufs)
    killed_at = None
    while open_fds:
        now = time.monotonic()
        if killed_at is None and now > hard_deadline:  # S itself is stuck: take the whole chain down
            os.kill(pid, signal.SIGKILL)
            killed_at = now
        if killed_at is not None and now > killed_at + 5:  # an escaped process holds a pipe (non-root mode)
            break
        for key, _ in sel.select(timeout=1.0):
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                sel.unregister(key.fd)
                os.close(key.fd)
                open_fds.discard(key.fd)
                continue
            totals[key.fd] += len(chunk)
            room = caps[key.fd] - len(bufs[key.fd])
            if room > 0:
                bufs[key.fd] += chunk[:room]
    sel.close()
    for fd in open_fds:
        os.close(fd)
    return (bytes(bufs[out_r]), bytes(bufs[res_r]), bytes(bufs[st_r]), totals[out_r],
            totals[res_r] > limits.result_bytes)


def main() -> None:
    sandbox.set_pdeathsig(signal.SIGKILL)
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    t0 = time.monotonic()
    missing = warm()
    proto.write(json.dumps({"ready": True, "isolation": sandbox.isolation_level(), "missing": missing,
                            "warm_s": time.monotonic() - t0}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            reply = grade_one(job)
        except Exception as e:  # a grader-side failure: report it, keep serving
            reply = {"id": job.get("id"), "report": {"error": f"worker failed: {e!r}"}, "events": [],
                     "stdout": "", "stdout_bytes": 0, "result_overflow": False, "wall": 0.0}
        proto.write(json.dumps(reply) + "\n")
        learn(reply["events"])


if __name__ == "__main__":
    main()
