"""Deadlines: the due date, each student's extension, late days and the late policy.

    deadline(student)  = due + extension days (roster column `extension_days`, or the extensions CSV, which wins)
    late days          = ceil((submitted - deadline) / 1 day) when submitted after the deadline, else 0
    penalty (points)   = min(per_day × late days, cap) % of the points possible, at most the score itself;
                         past `cutoff` late days, the whole score (zero after the cutoff)

When a submission was made: Moodle's download carries each file's time; a plain file's own modification time counts
(keep it when copying: `cp -p`, `unzip`); Canvas's download says only whether Canvas counted the submission late
(`LATE` in its name, against Canvas's due date), not by how much, so a Canvas late mark counts as one late day and an
extension of at least a day covers it. Times are compared as absolute instants; `--due` without a zone is this
machine's local time.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

DAY = 86400.0


@dataclass(frozen=True)
class Policy:
    due: float | None = None  # epoch seconds
    per_day: float = 0.0  # % of the points possible deducted per late day
    cap: float = 100.0  # % of the points possible deducted at most
    cutoff: float | None = None  # more late days than this: the score is 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict | None) -> Policy:
        return cls(**d) if d else cls()

    def describe(self) -> str:
        if self.due is None and not self.per_day and self.cutoff is None:
            return "no due date set"
        parts = [f"due {datetime.fromtimestamp(self.due).astimezone().isoformat(timespec='minutes')}"
                 if self.due is not None else "no due date (Canvas late marks only)"]
        if self.per_day:
            parts.append(f"{self.per_day:g} % of the points per late day, at most {self.cap:g} %")
        if self.cutoff is not None:
            parts.append(f"0 after {self.cutoff:g} late days")
        return "; ".join(parts)


def parse_due(text: str) -> float:
    """ISO 8601 date or date-time ("2026-12-10", "2026-12-10T23:59", "2026-12-10T23:59+01:00"); a date alone means
    the end of that day; no zone means this machine's local time."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise ValueError(f"--due {text!r}: not an ISO date or date-time (e.g. 2026-12-10T23:59)") from e
    if len(text.strip()) == 10:
        when = when.replace(hour=23, minute=59, second=59)
    return when.timestamp()


def read_extensions(path: Path) -> dict[str, float]:
    """An extensions CSV: `student_id,days` (extra days past the due date; a header row is required)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: cannot read the extensions CSV ({e})") from e
    out = {}
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        sid, days = row.get("student_id") or row.get("student") or "", row.get("days", "")
        try:
            value = float(days)
            if not sid or not 0 <= value < 10_000:
                raise ValueError
        except ValueError:
            raise ValueError(f"{path}:{line}: needs a student_id and a number of days >= 0 "
                             f"(got {sid!r}, {days!r})") from None
        out[sid] = value
    return out


def late_days(record: dict | None, policy: Policy, extension: float) -> tuple[int, str]:
    """(late days, how they were decided) for a collected submission (collect.record)."""
    if record is None:
        return 0, ""
    if record.get("lms") == "canvas":
        if not record.get("late_mark"):
            return 0, ""
        if extension >= 1:
            return 0, f"Canvas marked it late; the {extension:g}-day extension covers it"
        return 1, "Canvas marked it late (its download does not say by how much: counted as 1 day)"
    when = record.get("submitted_at")
    if policy.due is None or when is None:
        return 0, ""
    deadline = policy.due + extension * DAY
    if when <= deadline:
        return 0, ""
    days = math.ceil((when - deadline) / DAY - 1e-9)
    source = "Moodle's time" if record.get("lms") == "moodle" else "the file's time"
    return days, f"submitted {days} day{'s' if days != 1 else ''} after the deadline ({source})"


def penalty(score: float, possible: float, days: int, policy: Policy) -> float:
    """Points deducted for `days` late days (>= 0, at most the score)."""
    if days <= 0 or score <= 0:
        return 0.0
    if policy.cutoff is not None and days > policy.cutoff:
        return score
    return round(min(score, possible * min(policy.per_day * days, policy.cap) / 100), 5)
