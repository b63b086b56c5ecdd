"""The grader's fixed part overlapped (issue 22, speed): workers take jobs while the grader still parses, and the
grader's own imports skip what it never uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.grade import pool

ROOT = Path(__file__).resolve().parents[2]


class FakeWorker:
    """Stands in for a warm template: answers each job at once, records what it was given."""

    def __init__(self) -> None:
        self.proc = None
        self.seen: list[dict] = []
        self.closed = False

    def grade(self, job: dict) -> dict:
        self.seen.append(job)
        return {"id": job["id"], "report": {}}

    def close(self) -> None:
        self.closed = True


def test_workers_take_jobs_as_they_are_parsed_and_are_closed() -> None:
    workers = [FakeWorker(), FakeWorker()]
    parsed: list[str] = []

    def jobs():
        for i in range(7):
            parsed.append(f"s{i}")
            yield {"id": f"s{i}"}

    got = sorted(job["id"] for job, _ in pool.run_jobs(jobs(), workers, SimpleNamespace(uid_base=5000)))
    assert got == [f"s{i}" for i in range(7)] and parsed == got
    assert sum(len(w.seen) for w in workers) == 7
    assert all(j["uid"] in (5000, 5001) for w in workers for j in w.seen)  # one uid per slot
    assert all(w.closed for w in workers)


def test_a_failure_while_parsing_reaches_the_grader_after_the_jobs_before_it() -> None:
    workers = [FakeWorker()]

    def jobs():
        yield {"id": "a"}
        raise RuntimeError("parser bug")

    seen = []
    with pytest.raises(RuntimeError, match="parser bug"):
        for job, _ in pool.run_jobs(jobs(), workers, SimpleNamespace(uid_base=5000)):
            seen.append(job["id"])
    assert seen == ["a"] and workers[0].closed


def test_parsing_a_notebook_skips_jsonschemas_iri_grammars_and_leaves_them_importable() -> None:
    code = ("import sys; from pathlib import Path; from autograder.grade.submissions import parse; "
            "p = next(Path('examples/submissions/loss').glob('*.ipynb')); assert parse(p.name, p.read_bytes()).cells; "
            "assert 'rfc3987_syntax' not in sys.modules, 'imported'; "
            "import importlib.util; spec = importlib.util.find_spec('rfc3987_syntax'); "  # ValueError if left None
            "spec and __import__('rfc3987_syntax'); print('importable')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "importable"
