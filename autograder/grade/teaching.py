"""What the teacher's view is made of, as data: one row per student (the class rows `lmcourse grade` gets from the
term, or one per submission), who needs attention and why, the mistakes to reteach, each question's statistics and
each multiple-choice question's answers counted by what the option means.

Non-gradable rows (missing, timeout, crashed, a notebook that does not run at all, ...) count once, as their status:
nothing ran, so no question is charged with a mistake.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from autograder.runtime.checks import Checks

COMPLETED = "Completed"  # grading_status of a submission graded normally (autograder.grade.scoring.COMPLETED)
MISSING = "missing"  # a roster student with no submission (the term's class rows)
UNATTEMPTED = "unattempted"  # catalogue id: the starter code left in place
UNDIAGNOSED = "undiagnosed"  # a lost point no known mistake explains
DOES_NOT_RUN = "does-not-run"  # catalogue id: the question's code raises a syntax or import error
NOT_A_MISTAKE = (UNATTEMPTED, UNDIAGNOSED, DOES_NOT_RUN)  # why points were lost, but nothing to reteach
LOW = 0.5  # below this share of the points a student needs help
PARTIAL = 0.8  # below this, or with a question left unattempted, they may


def label(mistake: str) -> str:
    from autograder.runtime.mistakes import label as catalogued

    return "failed, no known mistake diagnosed" if mistake == UNDIAGNOSED else catalogued(mistake)


def gradable(s: dict | None) -> bool:
    """A submission that ran: its questions can be charged with mistakes."""
    return bool(s) and s.get("status") == COMPLETED and s.get("variant", "") is not None and not runs_nowhere(s)


def runs_nowhere(s: dict) -> bool:
    """Every question's code fails to run (a syntax or import error before anything): one status, not a mistake
    in every question."""
    qs = set(s.get("questions") or {})
    dead = {m.get("question") for m in _mistakes(s) if m.get("mistake") == DOES_NOT_RUN}
    return bool(qs) and qs <= dead


def status(row: dict) -> str:
    s = row.get("summary")
    if s and s.get("status") == COMPLETED and runs_nowhere(s):
        return "does not run"
    return str(row.get("status") or (s or {}).get("status") or MISSING)


def _mistakes(s: dict) -> list[dict]:
    return [m for m in (s.get("mistakes") or []) if isinstance(m, dict) and isinstance(m.get("mistake"), str)]


def categories(s: dict) -> dict[str, list[str]]:
    """Question → why it lost points: its diagnosed mistake ids, else `unattempted`, `does-not-run` or
    `undiagnosed`. Questions with full marks are absent; so are non-gradable submissions (nothing ran)."""
    if not gradable(s):
        return {}
    out: dict[str, list[str]] = {}
    blank = set(s.get("unattempted") or []) | {m.get("question") for m in _mistakes(s) if m["mistake"] == UNATTEMPTED}
    points = s.get("points") or {}
    for q, earned in (s.get("questions") or {}).items():
        ids = list(dict.fromkeys(m["mistake"] for m in _mistakes(s) if m.get("question") == q))
        lost = earned < points[q] - 1e-9 if q in points else bool(ids or q in blank)
        if lost:
            out[q] = [UNATTEMPTED] if q in blank else ids or [UNDIAGNOSED]
    return out


def rows_from_summaries(summaries: list[dict]) -> list[dict]:
    """Class rows (the term's schema, INTERFACES.md) when there is no roster: one per submission."""
    return [{"student_id": s.get("student_id"), "name": "", "email": "", "file": s.get("file"),
             "status": s.get("status"), "raw": s.get("total", 0.0), "possible": s.get("possible", 0.0),
             "questions": s.get("questions", {}), "late_days": 0, "penalty": 0.0, "overrides": [],
             "final": s.get("total", 0.0), "percent": s.get("percent", 0.0), "flags": list(s.get("flags") or []),
             "summary": s} for s in sorted(summaries, key=lambda s: str(s.get("file")))]


def who(row: dict) -> str:
    """How a student is named in the report: "Name (id)", or the id, or the file."""
    sid, name = row.get("student_id"), row.get("name")
    if name and sid:
        return f"{name} ({sid})"
    return str(name or sid or row.get("file") or "?")


def share(row: dict) -> float | None:
    """final / possible (None for a student with nothing to score)."""
    possible = float(row.get("possible") or 0)
    return float(row.get("final") or 0) / possible if possible > 0 else None


@dataclass
class Attention:
    row: dict
    tier: int  # see TIERS
    reasons: list[str] = field(default_factory=list)


TIERS = ["did not submit", "not graded", "needs help", "check integrity", "may need help"]
STATUS_WORDS = {"timeout": "ran past the time limit", "memory": "ran out of memory",
                "crashed": "stopped before every test ran", "output-limit": "printed too much",
                "does not run": "no code runs (a syntax or import error)", "grader-error": "the grader failed "
                "(regraded next run)", "wrong-assignment": "another assignment's notebook",
                "unknown-variant": "not on the roster"}  # other statuses: the file itself (README, Grading)


def attention(rows: list[dict], similar: dict[str, list[str]], order: list[str]) -> list[Attention]:
    """Who needs attention, most in need first: no submission, then a submission that could not be graded, then
    scores under LOW, then identity or similarity flags, then scores under PARTIAL or a question left unattempted
    (by score within each). `similar`: file → "similar to X (0.74)" lines."""
    out = []
    for row in rows:
        s, st, pct = row.get("summary"), status(row), share(row)
        flags = [str(f) for f in row.get("flags") or []] + similar.get(str(row.get("file")), [])
        reasons = flags + lost_points(categories(s) if s else {}, order)
        if st == MISSING or not s:
            tier, reasons = 0, ["no submission"] + flags
        elif not gradable(s):
            tier, reasons = 1, [STATUS_WORDS.get(st, "could not be graded")] + flags
        elif pct is not None and pct < LOW:
            tier = 2
        elif any(f.startswith(("identity", "similar")) for f in flags):
            tier = 3
        elif (pct is not None and pct < PARTIAL) or UNATTEMPTED in {m for ids in categories(s).values() for m in ids}:
            tier = 4
        else:
            continue
        out.append(Attention(row, tier, reasons))
    out.sort(key=lambda a: (a.tier, share(a.row) if share(a.row) is not None else -1.0, who(a.row)))
    return out


def lost_points(cats: dict[str, list[str]], order: list[str]) -> list[str]:
    """Why points were lost, one line per reason with its questions ("not attempted: q1, q2, q3")."""
    by: dict[str, list[str]] = defaultdict(list)
    for q in sorted(cats, key=lambda q: order.index(q) if q in order else len(order)):
        for m in cats[q]:
            by[label(m)].append(q)
    if by and set(by) == {label(UNATTEMPTED)} and len(by[label(UNATTEMPTED)]) == len(order):
        return ["nothing attempted"]
    return [f"{reason}: {', '.join(qs)}" for reason, qs in by.items()]


@dataclass
class Mistake:
    id: str
    students: list[dict] = field(default_factory=list)  # class rows
    questions: Counter = field(default_factory=Counter)  # question -> students


def mistakes(rows: list[dict]) -> list[Mistake]:
    """Each mistake id with the students who made it (once each, whatever the number of questions), most first;
    the categories that are not mistakes (not attempted, does not run, undiagnosed) last."""
    found: dict[str, Mistake] = {}
    for row in rows:
        per: dict[str, set[str]] = defaultdict(set)
        for q, ids in categories(row.get("summary") or {}).items():
            for m in ids:
                per[m].add(q)
        for m, qs in per.items():
            entry = found.setdefault(m, Mistake(m))
            entry.students.append(row)
            entry.questions.update(qs)
    return sorted(found.values(), key=lambda m: (m.id in NOT_A_MISTAKE, -len(m.students), label(m.id)))


@dataclass
class QuestionStats:
    name: str
    points: float
    mean: float  # mean earned over gradable submissions
    full: int  # students with full marks
    attempted: int
    n: int  # gradable submissions
    top: str = ""  # its most common mistake's label


def question_stats(rows: list[dict], questions: list[tuple[str, float]]) -> list[QuestionStats]:
    graded = [r["summary"] for r in rows if gradable(r.get("summary"))]
    out = []
    for q, pts in questions:
        earned = [float((s.get("questions") or {}).get(q, 0.0)) for s in graded]
        cats = [categories(s).get(q, []) for s in graded]
        counts = Counter(m for ids in cats for m in ids if m not in NOT_A_MISTAKE)
        out.append(QuestionStats(q, pts, sum(earned) / len(earned) if earned else 0.0,
                                 sum(e >= pts - 1e-9 for e in earned), sum(UNATTEMPTED not in ids for ids in cats),
                                 len(graded), label(counts.most_common(1)[0][0]) if counts else ""))
    return out


KEY, NO_ANSWER, NOT_A_LETTER, OTHER = "the key (correct)", "(no answer)", "(not an option letter)", "wrong option"


def letters(answer: str | None) -> str | None:
    """An MCQ answer as sorted option letters ("A,C"), None when it is not made of letters."""
    if answer is None:
        return None
    parts = sorted({c.strip().upper().strip("()") for c in str(answer).replace(";", ",").split(",") if c.strip()})
    return ",".join(parts) if parts and all(re.fullmatch(r"[A-Z]", p) for p in parts) else None


def mcq_meanings(rows: list[dict], checks: dict[str, Checks] | None) -> dict[str, Counter]:
    """MCQ question → Counter of what the chosen options mean, across every variant (letters are shuffled per
    variant, meanings are not): the key, a distractor's mistake (from the summary's mistakes, or the choice test's
    mistakes by letter), a wrong option with no named mistake, no answer, or not an option letter."""
    if not checks:
        return {}
    first = checks[sorted(checks)[0]]
    out: dict[str, Counter] = {q.name: Counter() for q in first.questions if q.kind == "mcq" and q.tests}
    for row in rows:
        s = row.get("summary")
        if not gradable(s) or not isinstance(s.get("answers"), dict):
            continue
        variant = checks.get(str(s.get("variant"))) or first
        for q in out:
            if q not in s["answers"]:
                continue
            out[q][_meaning(s, q, variant)] += 1
    return out


def _meaning(s: dict, q: str, checks: Checks) -> str:
    answer = s["answers"][q]
    chosen = letters(answer)
    if answer is None:
        return NO_ANSWER
    if chosen is None:
        return NOT_A_LETTER
    tests = next((x.tests for x in checks.questions if x.name == q), [])
    graded = next((t for t in tests if t.kind == "choice"), tests[-1] if tests else None)
    key = letters(",".join(map(str, graded.expect)) if graded and isinstance(graded.expect, list)
                  else str(graded.expect) if graded else None)
    if chosen == key:
        return KEY
    named = [m["mistake"] for m in _mistakes(s) if m.get("question") == q and m["mistake"] not in NOT_A_MISTAKE]
    for m in graded.mistakes if graded else []:
        if letters(",".join(m.value) if isinstance(m.value, list) else str(m.value)) == chosen:
            named.append(m.name)
    return label(named[0]) if named else OTHER


def options(meanings: Counter) -> list[tuple[str, int]]:
    """Meanings in reading order: the key first, then mistakes by count, then the rest."""
    rank = {KEY: 0, OTHER: 2, NOT_A_LETTER: 3, NO_ANSWER: 4}
    return sorted(meanings.items(), key=lambda kv: (rank.get(kv[0], 1), -kv[1], kv[0]))


def similar_flags(pairs: list[Any] | None, names: dict[str, str]) -> dict[str, list[str]]:
    """file → "similar to <who> (score)" for each flagged pair it is in (references included)."""
    out: dict[str, list[str]] = defaultdict(list)
    for p in pairs or []:
        a, b = p.a.name, p.b.name
        out[a].append(f"similar to {names.get(b, b.removeprefix('reference:'))} ({p.score:.2f})")
        if not p.reference:
            out[b].append(f"similar to {names.get(a, a)} ({p.score:.2f})")
    return out
