"""The class's state: one SQLite file in the class folder (`class.sqlite`), merged into by every run.

nbgrader keeps its gradebook in SQLite too; here the store holds what the instructor told lmcourse (roster, overrides,
extensions, deadlines and export settings) and what each run learned (every collected submission with the identity
its collector gave it, and the summary of its graded result). Every change is one transaction (WAL journal), so a
`kill -9` leaves the store as it was before the run or after it, never half-written; the submissions' files, results
and every output are written atomically beside it, and every output is recomputed from the store (views.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from autograder.course.variants import Student

FILE = "class.sqlite"
VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (position INTEGER NOT NULL, student_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (name TEXT PRIMARY KEY, student_id TEXT, sha256 TEXT NOT NULL,
                                        record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (student_id);
CREATE TABLE IF NOT EXISTS results (name TEXT PRIMARY KEY, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overrides (position INTEGER PRIMARY KEY, student_id TEXT NOT NULL, target TEXT NOT NULL,
                                      points TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS extensions (student_id TEXT PRIMARY KEY, days REAL NOT NULL);
"""


class StoreError(ValueError):
    pass


class ClassStore:
    """`with ClassStore(out) as store:`; writes go through `with store.transaction():` (all or nothing)."""

    def __init__(self, out: Path, readonly: bool = False) -> None:
        self.path = Path(out) / FILE
        try:
            if readonly:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None, timeout=60)
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version > VERSION:
                    raise StoreError(f"{self.path}: written by a newer lmcourse (store version {version}); "
                                     "upgrade lmcourse to use this class folder")
                with self.transaction():  # executescript would commit on its own: one statement at a time
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version = {VERSION}")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a readable class store ({e})") from e

    def __enter__(self) -> ClassStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---------------------------------------------------------------- settings (deadlines, export, hand-back)
    def setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM settings ORDER BY key")}

    def set_settings(self, values: dict[str, Any]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                            [(k, json.dumps(v, sort_keys=True)) for k, v in values.items()])

    # ---------------------------------------------------------------- roster
    def roster(self) -> list[Student]:
        rows = self.db.execute("SELECT record FROM students ORDER BY position")
        return [Student(**json.loads(r[0])) for r in rows]

    def set_roster(self, students: list[Student]) -> None:
        self.db.execute("DELETE FROM students")
        self.db.executemany("INSERT INTO students VALUES (?, ?, ?)",
                            [(i, s.student_id, json.dumps(asdict(s), sort_keys=True)) for i, s in enumerate(students)])

    # ---------------------------------------------------------------- submissions and their results
    def submissions(self) -> dict[str, dict]:
        return {json.loads(n): json.loads(r) for n, r in self.db.execute("SELECT name, record FROM submissions")}

    def put_submission(self, record: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?)",
                        (_key(record["name"]), record.get("student_id"), record["sha256"],
                         json.dumps(record, sort_keys=True)))

    def results(self) -> dict[str, dict]:
        return {json.loads(n): json.loads(s) for n, s in self.db.execute("SELECT name, summary FROM results")}

    def put_result(self, name: str, summary: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?)",
                        (_key(name), json.dumps(summary, sort_keys=True)))

    def forget(self, names: list[str]) -> None:
        self.db.executemany("DELETE FROM submissions WHERE name = ?", [(_key(n),) for n in names])
        self.db.executemany("DELETE FROM results WHERE name = ?", [(_key(n),) for n in names])

    # ---------------------------------------------------------------- overrides and extensions
    def overrides(self) -> list[dict]:
        rows = self.db.execute("SELECT student_id, target, points, reason FROM overrides ORDER BY position")
        return [{"student_id": s, "target": t, "points": p, "reason": r} for s, t, p, r in rows]

    def set_overrides(self, overrides: list[dict]) -> None:
        self.db.execute("DELETE FROM overrides")
        self.db.executemany("INSERT INTO overrides VALUES (?, ?, ?, ?, ?)",
                            [(i, o["student_id"], o["target"], o["points"], o["reason"])
                             for i, o in enumerate(overrides)])

    def extensions(self) -> dict[str, float]:
        return dict(self.db.execute("SELECT student_id, days FROM extensions ORDER BY student_id"))

    def set_extensions(self, days: dict[str, float]) -> None:
        self.db.execute("DELETE FROM extensions")
        self.db.executemany("INSERT INTO extensions VALUES (?, ?)", sorted(days.items()))


def _key(name: str) -> str:
    """Submission names are kept JSON-encoded: a file name may hold bytes that are not UTF-8 (surrogate escapes)."""
    return json.dumps(name)


def exists(out: Path) -> bool:
    return (Path(out) / FILE).is_file()
