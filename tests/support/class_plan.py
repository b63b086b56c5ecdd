"""The generated class of tests/support/classroom.py as a roster class: who copies whom, who is blank, broken or
missing; the roster build its notebooks start from; the term's class rows the report gets for it."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from classroom import Student, answer_cells, copied, honest, notebook, write

ROSTER_NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Claude Shannon", "Katherine Johnson", "John McCarthy",
                "Barbara Liskov", "Donald Knuth", "Frances Allen", "Edsger Dijkstra", "Margaret Hamilton",
                "Dennis Ritchie", "Radia Perlman", "Ken Thompson", "Shafi Goldwasser", "Tim Berners-Lee",
                "Sophie Wilson", "Niklaus Wirth", "Adele Goldberg", "Leslie Lamport", "Annie Easley", "Yann LeCun",
                "Fei-Fei Li", "Geoffrey Hinton", "Cynthia Dwork", "Judea Pearl", "Daphne Koller", "Yoshua Bengio",
                "Jean Sammet", "Robin Milner", "Hedy Lamarr", "Carl Gauss"]


@dataclass
class Plan:
    """Who is who in a generated class (by roster id)."""

    students: dict[str, Student]
    whole_copy: tuple[str, str]  # (source, copier)
    edited_copy: tuple[str, str]
    blank: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # id -> "syntax-error" | "infinite-loop"
    missing: list[str] = field(default_factory=list)


def roster(n: int = 30) -> list[tuple[str, str, str]]:
    """(student_id, name, email) of a class of n."""
    return [(f"s{i:03d}", ROSTER_NAMES[i % len(ROSTER_NAMES)],
             f"{ROSTER_NAMES[i % len(ROSTER_NAMES)].split()[0].lower()}{i}@example.edu") for i in range(1, n + 1)]


def make_class(starters: dict[str, Path], keys: dict[str, str], seed: int = 0, troubled: bool = True) -> Plan:
    """A class over the given starter notebooks (student id -> their own notebook) with MCQ keys (id -> letter):
    honest students (some with known mistakes), a whole-notebook copy and a renamed-and-edited copy of four
    questions; with `troubled`, also a blank notebook, a syntax error, an infinite loop and a student who submits
    nothing."""
    rng = random.Random(seed)
    ids = sorted(starters)
    order = ids[:]
    rng.shuffle(order)
    whole, edited = (order[0], order[1]), (order[2], order[3])
    plan = Plan({}, whole, edited)
    special = list(order[4:8]) if troubled else []
    if troubled:
        plan.blank, plan.missing = [special[0]], [special[3]]
        plan.broken = {special[1]: "syntax-error", special[2]: "infinite-loop"}
    planted = [("q1", "mean-instead-of-sum")] * 3 + [("q6", "mean-instead-of-sum"), ("q3", "log-base-2"),
                                                     ("q3", "log-base-2"), ("q4", "missing-minus"),
                                                     ("q4", "log-softmax-overflow"), ("q5", "product-of-probabilities")]
    mistaken = dict(zip([i for i in order[8:] if i not in (whole[0], edited[0])], planted, strict=False))
    nbs = {i: json.loads(starters[i].read_text(encoding="utf-8")) for i in ids}
    for sid in ids:
        if sid in (whole[1], edited[1]):
            continue
        q_m = mistaken.get(sid)
        plan.students[sid] = honest(sid, nbs[sid], keys[sid], rng, dict([q_m]) if q_m else None)
    src = plan.students[whole[0]]
    plan.students[whole[1]] = Student(whole[1], dict(src.answers), src.mcq, list(src.scratch), list(src.mistakes))
    plan.students[edited[1]] = copied(edited[1], plan.students[edited[0]], nbs[edited[1]], rng,
                                      ["q2", "q3", "q4", "q6"])
    return plan


def write_class(plan: Plan, starters: dict[str, Path], dest: Path) -> list[Path]:
    """Each student's submission as dest/<id>.ipynb (the troubled ones as planned; missing ones not written)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for sid, s in sorted(plan.students.items()):
        if sid in plan.missing:
            continue
        nb = json.loads(starters[sid].read_text(encoding="utf-8"))
        if sid == plan.whole_copy[1]:  # the source's whole notebook, its data cells included
            nb = json.loads(starters[plan.whole_copy[0]].read_text(encoding="utf-8"))
            doc = notebook(nb, plan.students[plan.whole_copy[0]])
        elif sid in plan.blank:
            doc = nb
        else:
            doc = notebook(nb, s)
            cells = answer_cells(doc)
            if plan.broken.get(sid) == "syntax-error":
                doc["cells"][cells["q4"]]["source"] = doc["cells"][cells["q4"]]["source"] + "\n    return (1 +\n"
            elif plan.broken.get(sid) == "infinite-loop":
                doc["cells"][cells["q5"]]["source"] += "\n\nwhile True:\n    pass\n"
        written.append(write(dest / f"{sid}.ipynb", doc))
    return written


def mcq_keys(zip_path: Path) -> dict[str, str]:
    """Roster id -> the key letter of their variant's multiple-choice question (what an honest student answers)."""
    from autograder.grade.bundle import Bundle

    bundle = Bundle.load(zip_path)
    keys = {}
    for sid, variant in bundle.mapping.items():
        q = next(q for q in bundle.checks[variant].questions if q.kind == "mcq")
        expect = next(t for t in q.tests if t.kind == "choice").expect
        keys[sid] = expect[0] if isinstance(expect, list) else str(expect)
    return keys


def build_roster_class(tmp: Path, n: int = 30, seed: int = 0) -> dict:
    """`lmcourse build loss --roster` for a class of n, then the generated class's submissions in tmp/subs."""
    import csv
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    roster_csv = tmp / "roster.csv"
    with open(roster_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "name", "email"])
        w.writerows(roster(n))
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--roster", str(roster_csv), "--seed", "7",
                    "--out", str(tmp / "dist")], cwd=root, check=True, capture_output=True)
    zip_path = tmp / "dist" / "loss" / "autograder" / "autograder.zip"
    starters = {sid: tmp / "dist" / "loss" / "student" / sid / "loss.ipynb" for sid, _, _ in roster(n)}
    plan = make_class(starters, mcq_keys(zip_path), seed=seed)
    write_class(plan, starters, tmp / "subs")
    return {"zip": zip_path, "plan": plan, "subs": tmp / "subs", "roster": roster(n), "starters": starters}


def class_rows(roster_rows: list[tuple[str, str, str]], summaries: list[dict], plan: Plan) -> list[dict]:
    """The term's class rows (INTERFACES.md) for this class, as `lmcourse grade` with a roster would give the
    report: one per roster student, "missing" without a submission; the whole-notebook copier's notebook names its
    source as its student (the identity flag the term raises)."""
    by_file = {s["file"]: s for s in summaries}
    possible = max(s["possible"] for s in summaries)
    rows = []
    for sid, name, email in roster_rows:
        s = by_file.get(f"{sid}.ipynb")
        flags = [f"identity-mismatch: the notebook says student {plan.whole_copy[0]}"] if sid == plan.whole_copy[1] \
            else []
        rows.append({"student_id": sid, "name": name, "email": email, "file": s["file"] if s else None,
                     "status": s["status"] if s else "missing", "raw": s["total"] if s else 0.0,
                     "possible": s["possible"] if s else possible, "questions": s["questions"] if s else {},
                     "late_days": 0, "penalty": 0.0, "overrides": [], "final": s["total"] if s else 0.0,
                     "percent": s["percent"] if s else 0.0, "flags": flags, "summary": s})
    return rows
