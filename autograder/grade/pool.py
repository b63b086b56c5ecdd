"""The grader's side of the warm workers: start N `autograder.grade.worker` processes and feed them jobs.

Each worker imports torch/numpy/lmcore once (a few seconds), then grades one submission at a time by forking;
N threads each own one worker, so all cores are busy and a slow submission never holds up the others.
"""

from __future__ import annotations

import json
import os
import queue
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])


class WorkerDied(RuntimeError):
    pass


class Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([_ROOT, os.environ.get("PYTHONPATH", "")]).rstrip(":")}
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.grade.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=_ROOT)
        self._buf = b""
        self.hello: dict | None = None

    def ready(self, timeout: float = 300.0) -> dict:
        if self.hello is None:
            self.hello = json.loads(self._readline(time.monotonic() + timeout))
        return self.hello

    def _readline(self, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(timeout=left):
                    raise WorkerDied("worker did not answer in time")
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerDied(f"worker exited (code {self.proc.poll()})")
                self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def grade(self, job: dict) -> dict:
        self.ready()
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        return json.loads(self._readline(time.monotonic() + job["limits"]["timeout"] + 60))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def run_jobs(jobs: list[dict], workers: int) -> Iterator[tuple[dict, dict]]:
    """Yield (job, reply) in completion order. A worker that dies is replaced; its job is reported as failed."""
    if not jobs:
        return
    todo: queue.Queue = queue.Queue()
    for j in jobs:
        todo.put(j)
    done: queue.Queue = queue.Queue()
    n = max(1, min(workers, len(jobs)))
    pool = [Worker() for _ in range(n)]  # all start importing at once

    def serve(slot: int) -> None:
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            job = {**job, "uid": job["uid"] + slot}  # one uid per slot: RLIMIT_NPROC is counted per uid
            try:
                reply = pool[slot].grade(job)
            except (WorkerDied, OSError, ValueError) as e:
                pool[slot].close()
                pool[slot] = Worker()
                reply = {"id": job["id"], "report": {"error": f"grading worker failed: {e}"}, "events": []}
            done.put((job, reply))

    threads = [threading.Thread(target=serve, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    try:
        for _ in jobs:
            yield done.get()
    finally:
        for w in pool:
            w.close()
