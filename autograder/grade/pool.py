"""The grader's side of the warm workers: start N worker templates in a jail folder and run submissions on them.

For each submission the grader makes four pipes, hands the student-side ends to a template (which forks the
sandbox), and then drives the protocol of `harness.py` itself: it writes the cells, waits for "ready", asks each probe
in a fixed order (public tests first) and accepts exactly the one answer it asked for, streaming the result pipe line
by line with bounded line size, line count and bytes, so a flood costs it a few MB at most. It drains the output and
status pipes with byte caps and a deadline. N threads each own one template, so all cores are busy and a slow
submission never holds up the others.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator

from autograder.grade.jail import Jail
from autograder.grade.sandbox import Limits, wall_limit

MAX_LINE = 4_000_000  # bytes of one result line (one probe's value); longer lines are dropped unparsed
MAX_DROPPED = 10_000  # lines the grader did not ask for; past this the submission is stopped (output-limit)
MAX_CELL_EVENTS = 200
# What one line may cost the grader once parsed: JSON items (its "[", "{" and "," bytes, counted before parsing;
# each item costs at most ~80 bytes as a Python object), per line and kept per submission. An answer past either is
# kept as TOO_LARGE (a failed test), never parsed; with `done` holding at most one reply per worker, the grader
# keeps at most about (2 × workers + 1) × MAX_ITEMS_KEPT items of answers at a time, whatever the submissions send.
MAX_ITEMS = 200_000
MAX_ITEMS_KEPT = 250_000
TOO_LARGE = {"type": "other", "repr": "a value too large for the grader to read"}
BOOT = ("import sys, json; c = json.loads(sys.argv[1]); sys.path[:] = c['path']; import runpy; "
        "runpy.run_module('lmcourse_jail.worker', run_name='__main__')")
MINIMAL_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


class WorkerDied(RuntimeError):
    pass


class Worker:
    """One template's socket; `proc` is set on the worker whose template the grader started itself."""

    def __init__(self, sock: socket.socket, proc: subprocess.Popen | None) -> None:
        self.sock, self.proc = sock, proc
        self.hello: dict | None = None

    @classmethod
    def start(cls, n: int, jail: Jail) -> list[Worker]:
        """One process imports torch & co. from the jail's sys.path, then forks into n templates."""
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(n)]
        theirs = [b.fileno() for _, b in pairs]
        config = {**jail.worker_config(), "fds": theirs}
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", BOOT, json.dumps(config)], pass_fds=theirs,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=MINIMAL_ENV, cwd="/")
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
        """Run one job in a fresh sandbox; the reply holds the status report, what the probes answered and the
        output the student may see."""
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
        session = Session(job, limits, pid)
        session.drive(job_w, out_r, res_r, st_r, t0 + wall_limit(limits, True) + 20)  # S enforces the limits
        return {"id": job["id"], **session.reply(), "wall": time.monotonic() - t0}

    def close(self) -> None:
        self.sock.close()  # the template sees EOF and exits
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Session:
    """The grader's half of one submission's protocol (see harness.py), fed the result pipe chunk by chunk."""

    def __init__(self, job: dict, limits: Limits, pid: int) -> None:
        self.probes: list[dict] = job["probes"]  # in the order they are asked: public first
        self.limits, self.pid = limits, pid
        first = json.dumps({"cells": job["cells"], "variant": job["variant"], "setup": job.get("setup", "")})
        self.outbox = bytearray((first + "\n").encode())
        self.phase = "cells"  # cells -> probing -> ending -> done
        self.asked = 0
        self.nonce = ""  # of the probe asked last: an answer must echo it, so none can be written before it is asked
        self.answers: dict[str, object] = {}
        self.cell_errors: list[dict] = []
        self.line = bytearray()
        self.skipping = False  # inside a line longer than MAX_LINE
        self.dropped = 0
        self.items_kept = 0
        self.res_total = 0
        self.overflow = False
        self.out = bytearray()
        self.out_total = 0
        self.out_visible: int | None = None  # bytes of output shown to the student (None: all that was kept)
        self.total_at_cut = 0
        self.status = bytearray()

    # ---- what the grader sends
    def _ask_next(self) -> None:
        if self.asked < len(self.probes):
            p = self.probes[self.asked]
            if p["hidden"] and self.out_visible is None:
                self.out_visible, self.total_at_cut = len(self.out), self.out_total  # nothing later is shown
            self.nonce = secrets.token_hex(8)
            self.outbox += (json.dumps({"probe": p["probe"], "name": p["name"], "seq": self.nonce}) + "\n").encode()
        else:
            self.outbox += b'{"end": true}\n'
            self.phase = "ending"

    # ---- what the student process sends
    def feed_result(self, chunk: bytes) -> None:
        if self.overflow:  # the submission is being stopped: what else it sends is not even split into lines
            return
        self.res_total += len(chunk)
        if self.res_total > self.limits.result_bytes:
            self.overflow = True
            return
        *complete, rest = chunk.split(b"\n")
        for piece in complete:
            if not self.skipping and len(self.line) + len(piece) <= MAX_LINE:
                self._line(bytes(self.line + piece) if self.line else piece)
            elif not self.skipping:
                self._drop()
            self.line, self.skipping = bytearray(), False
            if self.overflow:
                return
        if not self.skipping:
            if len(self.line) + len(rest) > MAX_LINE:
                self.skipping, self.line = True, bytearray()
                self._drop()
            else:
                self.line += rest

    def _drop(self) -> None:
        self.dropped += 1
        if self.dropped > MAX_DROPPED:
            self.overflow = True

    def _line(self, line: bytes) -> None:
        expected = {"cells": (b'{"ev": "cell"', b'{"ev": "ready"}'), "probing": (b'{"ev": "probe", "seq": ',),
                    "ending": (b'{"ev": "done"}',)}.get(self.phase, ())
        if not line.startswith(expected):  # not a line the grader is waiting for: dropped without parsing
            return self._drop()
        items = line.count(b"[") + line.count(b"{") + line.count(b",")
        if self.phase == "probing" and (items > MAX_ITEMS or self.items_kept + items > MAX_ITEMS_KEPT) \
                and line.startswith(f'{{"ev": "probe", "seq": "{self.nonce}", '.encode()):
            return self._answer(dict(TOO_LARGE))  # the answer to the probe asked, too large to read: that test fails
        if items > MAX_ITEMS:
            return self._drop()
        try:
            ev = json.loads(line)
        except (ValueError, RecursionError):
            return self._drop()
        kind = ev.get("ev") if isinstance(ev, dict) else None
        if self.phase == "cells" and kind == "cell" and isinstance(ev.get("etype"), str) \
                and isinstance(ev.get("error"), str):
            if len(self.cell_errors) < MAX_CELL_EVENTS:
                self.cell_errors.append({"i": ev.get("i") if type(ev.get("i")) is int else None,
                                         "etype": ev["etype"][:100], "error": ev["error"][-2000:]})
        elif self.phase == "cells" and kind == "ready":
            self.phase = "probing"
            self._ask_next()
        elif self.phase == "probing" and kind == "probe" and ev.get("seq") == self.nonce:
            self.items_kept += items
            self._answer(ev.get("plain") if self.items_kept <= MAX_ITEMS_KEPT else dict(TOO_LARGE))
        elif self.phase == "ending" and kind == "done":
            self.phase = "done"
        else:
            self._drop()

    def _answer(self, plain: object) -> None:
        self.answers[self.probes[self.asked]["name"]] = plain
        self.asked += 1
        self._ask_next()

    def feed_output(self, chunk: bytes) -> None:
        self.out_total += len(chunk)
        room = self.limits.output_bytes - len(self.out)
        if room > 0:
            self.out += chunk[:room]

    def drive(self, job_w: int, out_r: int, res_r: int, st_r: int, hard_deadline: float) -> None:
        """Write what is due, drain the three pipes, until every writer is gone (or the deadline passed)."""
        os.set_blocking(job_w, False)
        sel = selectors.DefaultSelector()
        readers = {out_r: self.feed_output, res_r: self.feed_result, st_r: self.status.extend}
        for fd in readers:
            sel.register(fd, selectors.EVENT_READ)
        writing = False
        killed_at = None
        open_fds = set(readers)
        try:
            while open_fds:
                if self.outbox and job_w >= 0 and not writing:
                    sel.register(job_w, selectors.EVENT_WRITE)
                    writing = True
                now = time.monotonic()
                if killed_at is None and (now > hard_deadline or self.overflow):
                    self._kill()
                    killed_at = now
                if killed_at is not None and now > killed_at + 5:  # an escaped process holds a pipe (rlimits mode)
                    break
                for key, _ in sel.select(timeout=1.0):
                    if key.fd == job_w:
                        try:
                            del self.outbox[:os.write(job_w, self.outbox[: 1 << 16])]
                        except (BlockingIOError, InterruptedError):
                            pass
                        except OSError:  # EPIPE: the sandbox is gone
                            self.outbox.clear()
                        if not self.outbox or self.phase == "done":
                            sel.unregister(job_w)
                            writing = False
                        continue
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        sel.unregister(key.fd)
                        os.close(key.fd)
                        open_fds.discard(key.fd)
                        continue
                    if key.fd == st_r and len(self.status) + len(chunk) > 65536:
                        continue
                    readers[key.fd](chunk)
        finally:
            sel.close()
            for fd in open_fds | {job_w}:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _kill(self) -> None:
        if self.pid > 0:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def reply(self) -> dict:
        try:
            report = json.loads(self.status.decode() or "{}")
        except ValueError:
            report = {}
        visible = bytes(self.out if self.out_visible is None else self.out[: self.out_visible])
        return {"report": report if isinstance(report, dict) else {}, "answers": self.answers,
                "cell_errors": self.cell_errors, "ready": self.phase != "cells", "done": self.phase == "done",
                "stdout": visible.decode("utf-8", "replace"),  # its size: only what was printed before the cut
                "stdout_bytes": self.out_total if self.out_visible is None else self.total_at_cut,
                "stdout_hidden": self.out_visible is not None and self.out_total > self.total_at_cut,
                "dropped_lines": self.dropped,
                "result_overflow": self.overflow}


def start(n: int, jail: Jail) -> list[Worker]:
    """Start n warm templates now (the CPU weight of n busy processes): they import and warm up while the grader goes
    on (parsing the submissions), and `run_jobs` uses them."""
    jail.weigh(n)
    return Worker.start(n, jail)


def run_jobs(jobs: Iterable[dict], workers: int | list[Worker], jail: Jail) -> Iterator[tuple[dict, dict]]:
    """Yield (job, reply) in completion order. A worker that dies is replaced; its job is reported as failed by the
    grader (status grader-error, which a rerun grades again). `workers`: how many to start, or those `start` gave,
    which then take `jobs` as they come (a thread of the grader draws them, so the grader parses the next
    submissions while the first ones run). The workers are closed at the end either way."""
    if isinstance(workers, int):
        jobs = list(jobs)
        if not jobs:
            return
        pool = start(max(1, min(workers, len(jobs))), jail)
    else:
        pool = workers
    n = len(pool)
    todo: queue.Queue = queue.Queue()
    done: queue.Queue = queue.Queue(maxsize=n)  # replies wait here for scoring: at most one per worker
    stopped = threading.Event()
    feed_error: list[BaseException] = []

    def feed() -> None:
        try:
            for job in jobs:
                if stopped.is_set():
                    return
                todo.put(job)
        except BaseException as e:  # noqa: BLE001 - raised again by run_jobs, in the grader's thread
            feed_error.append(e)
        finally:
            for _ in range(n):
                todo.put(None)  # one end marker per worker thread

    def serve(slot: int) -> None:
        while True:
            job = todo.get()
            if job is None or stopped.is_set():
                done.put(None)
                return
            job = {**job, "uid": jail.uid_base + slot}  # one uid per slot: RLIMIT_NPROC is counted per uid
            try:
                reply = pool[slot].grade(job)
            except Exception as e:  # whatever it was, a thread that died here would hang the batch
                pool[slot].close()
                pool[slot] = Worker.start(1, jail)[0]
                reply = {"id": job["id"], "report": {"error": f"grading worker failed: {e}"}}
            done.put((job, reply))

    threads = [threading.Thread(target=feed, daemon=True)]
    threads += [threading.Thread(target=serve, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    try:
        ended = 0
        while ended < n:
            item = done.get()
            if item is None:
                ended += 1
            else:
                yield item
        if feed_error:
            raise feed_error[0]
    finally:
        stopped.set()
        for w in sorted(pool, key=lambda w: w.proc is not None):  # the forked templates first, then their parent
            w.close()
