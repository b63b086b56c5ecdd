"""The grader's side of the warm workers: start N `autograder.grade.worker` templates and run submissions on them.

For each submission the grader makes four pipes, hands the student-side ends to a template (which forks the
sandbox), writes the job into the job pipe and drains the output, result and status pipes itself, with byte caps and
a deadline. N threads each own one template, so all cores are busy and a slow submission never holds up the others.
"""

from __future__ import annotations

import json
import os
import queue
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from autograder.grade.sandbox import Limits

_ROOT = str(Path(__file__).resolve().parents[2])


class WorkerDied(RuntimeError):
    pass


class Worker:
    """One template's socket; `proc` is set on the worker whose template the grader started itself."""

    def __init__(self, sock: socket.socket, proc: subprocess.Popen | None) -> None:
        self.sock, self.proc = sock, proc
        self.hello: dict | None = None

    @classmethod
    def start(cls, n: int) -> list[Worker]:
        """One process imports torch & co., then forks into n templates, each answering its own socket."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)}
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(n)]
        theirs = [b.fileno() for _, b in pairs]
        proc = subprocess.Popen([sys.executable, "-m", "autograder.grade.worker", ",".join(map(str, theirs))],
                                pass_fds=theirs, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
                                cwd=_ROOT)
        for _, b in pairs:
            b.close()
        return [cls(a, proc if i == 0 else None) for i, (a, _) in enumerate(pairs)]

    def _recv(self, timeout: float) -> dict:
        self.sock.settimeout(timeout)
        try:
            msg = self.sock.recv(1 << 16)
        except (TimeoutError, OSError) as e:
            raise WorkerDied(f"worker did not answer ({e})") from e
        if not msg:
            raise WorkerDied("worker exited")
        return json.loads(msg)

    def ready(self, timeout: float = 300.0) -> dict:
        if self.hello is None:
            self.hello = self._recv(timeout)
        return self.hello

    def grade(self, job: dict) -> dict:
        """Run one job in a fresh sandbox; the reply holds the status report, the result events and the output."""
        self.ready()
        limits = Limits(**job["limits"])
        t0 = time.monotonic()
        (job_r, job_w), (out_r, out_w), (res_r, res_w), (st_r, st_w) = os.pipe(), os.pipe(), os.pipe(), os.pipe()
        header = {"limits": job["limits"], "uid": job["uid"], "setup": job.get("setup", "")}
        try:
            socket.send_fds(self.sock, [json.dumps(header).encode()], [job_r, out_w, res_w, st_w])
        finally:
            for fd in (job_r, out_w, res_w, st_w):
                os.close(fd)
        try:
            pid = self._recv(60.0)["pid"]
        except (WorkerDied, KeyError):
            for fd in (job_w, out_r, res_r, st_r):
                os.close(fd)
            raise
        deadline = t0 + limits.timeout + 20
        _write_all(job_w, json.dumps({k: job[k] for k in ("cells", "setup", "questions", "variant")}).encode(),
                   deadline)
        out, res, st, out_total, res_over = _collect(out_r, res_r, st_r, limits, pid, deadline)
        try:
            report = json.loads(st.decode() or "{}")
        except ValueError:
            report = {}
        events = []
        for line in res.split(b"\n"):
            try:
                ev = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(ev, dict):
                events.append(ev)
        done = next((e for e in events if e.get("ev") == "done"), {})
        if isinstance(done.get("modules"), list):
            self.sock.send(json.dumps({"learn": [m for m in done["modules"] if isinstance(m, str)][:1000]}).encode())
        return {"id": job["id"], "report": report, "events": events, "stdout": out.decode("utf-8", "replace"),
                "stdout_bytes": out_total, "result_overflow": res_over, "wall": time.monotonic() - t0}

    def close(self) -> None:
        self.sock.close()  # the template sees EOF and exits
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write the job into the student's job pipe; a sandbox that died or stalls just gets it cut short."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_WRITE)
            while view and time.monotonic() < deadline:
                if sel.select(timeout=1.0):
                    view = view[os.write(fd, view[: 1 << 16]):]
    except OSError:  # EPIPE: the sandbox is gone
        pass
    finally:
        os.close(fd)


def _collect(out_r: int, res_r: int, st_r: int, limits: Limits, pid: int, hard_deadline: float):
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
        if killed_at is None and now > hard_deadline:  # the supervisor itself is stuck: take the chain down
            if pid > 0:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
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


def run_jobs(jobs: list[dict], workers: int) -> Iterator[tuple[dict, dict]]:
    """Yield (job, reply) in completion order. A worker that dies is replaced; its job is reported as failed."""
    if not jobs:
        return
    todo: queue.Queue = queue.Queue()
    for j in jobs:
        todo.put(j)
    done: queue.Queue = queue.Queue()
    n = max(1, min(workers, len(jobs)))
    pool = Worker.start(n)

    def serve(slot: int) -> None:
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            job = {**job, "uid": job["uid"] + slot}  # one uid per slot: RLIMIT_NPROC is counted per uid
            try:
                reply = pool[slot].grade(job)
            except (WorkerDied, OSError, ValueError, KeyError) as e:
                pool[slot].close()
                pool[slot] = Worker.start(1)[0]
                reply = {"id": job["id"], "report": {"error": f"grading worker failed: {e}"}, "events": []}
            done.put((job, reply))

    threads = [threading.Thread(target=serve, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    try:
        for _ in jobs:
            yield done.get()
    finally:
        for w in sorted(pool, key=lambda w: w.proc is not None):  # the forked templates first, then their parent
            w.close()
