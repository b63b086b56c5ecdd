"""The build's proof of an assignment: before its zip is handed out, the warm grader (autograder.grade) grades
notebooks made from the built student notebooks, and each must score what it should.

    solution    every test passes, on every proven variant (Otter Assign runs the solution's tests too)
    blank       the notebook as handed out earns 0
    <example>   each mistakes.py example: named by a mistake of its own question, and losing points there only
    memorized   each code question's functions replaced by one returning a public test's expected value as a
                constant: no hidden test passes (a hidden test that a memorized answer passes proves nothing)

Proven variants: the default and, with a roster, an evenly spaced sample of the students' variants (`sample`).
`prove` returns the table of what each notebook scored and what named it; a failure raises ProofError whose
message names the notebook, variant, question, test and the grader's words.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.build.examples import defined_functions, fill, mcq_keys
from autograder.build.notebook import solution_source, write_notebook
from autograder.course.content import Assignment, load_assignment
from autograder.course.variants import DEFAULT
from autograder.runtime.checks import UNATTEMPTED, Checks, Question, Test

DEFAULT_FOLDER = "default-variant"  # the proof folder of the default variant's notebooks (no student's id)


class ProofError(RuntimeError):
    """The build's proof failed: the message holds the proof table and every failure."""


@dataclass
class Case:
    """One notebook of the proof."""

    kind: str  # solution | blank | mistake | memorized
    label: str  # solution, blank, the example's name, memorized-<k>
    variant: str
    file: str  # its name in the graded folder, <folder>/<label>.ipynb
    question: str | None = None  # mistake: the example's question
    memorized: dict[str, str] = field(default_factory=dict)  # memorized: question -> the public test it returns


@dataclass
class Proof:
    assignment: str
    variants: list[str]
    rows: list[list[str]]  # the table: notebook, question, score, named, verdict
    failures: list[str]
    notebooks: int
    seconds: float

    def table(self) -> str:
        head = ["notebook", "question", "score", "named", "verdict"]
        rows = [head, *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        where = "the default variant" if self.variants == [DEFAULT] else \
            f"{len(self.variants)} variants ({', '.join(self.variants)})"
        return "\n".join([f"{self.assignment}: proof on {where}: {self.notebooks} notebooks graded in "
                          f"{self.seconds:.1f} s", *lines])


def sample(variants: list[str], n: int) -> list[str]:
    """The default variant and up to n of the others, evenly spaced in sorted order (the same build, the same
    sample)."""
    others = sorted(set(variants) - {DEFAULT})
    if n >= len(others):
        return [DEFAULT, *others]
    return [DEFAULT, *(others[(i * len(others)) // n] for i in range(max(n, 0)))]


def prove(assignment: str, built: Path, n_variants: int = 3, workers: int = 0, root: Path | None = None) -> Proof:
    """Prove the built assignment folder `built` (DIR/<id>: student/, autograder/autograder.zip, checks/,
    variants.csv). Raises ProofError when a notebook scores other than it should."""
    from autograder.grade import batch

    t0 = time.perf_counter()
    a = load_assignment(assignment, *([root] if root else []))
    mapping = _mapping(built / "variants.csv")
    variants = sample([DEFAULT, *mapping], n_variants)
    checks = {v: Checks.from_json((built / "autograder" / "checks" / f"{v}.json").read_text(encoding="utf-8"))
              for v in variants}
    with tempfile.TemporaryDirectory(prefix=f"lmcourse-proof-{assignment}-") as tmp:
        subs, graded = Path(tmp) / "notebooks", Path(tmp) / "graded"
        cases = []
        for v in variants:
            cases += _write_cases(a, built, v, mapping.get(v), subs)
        # every proof notebook sits in a folder named like a roster entry of its variant, so the grader looks it up
        # as it looks up a student (no fallback to what the notebook claims)
        roster = Path(tmp) / "variants.csv"
        roster.write_text("student_id,variant\n" + "".join(f"{mapping.get(v, DEFAULT_FOLDER)},{v}\n"
                                                             for v in variants), encoding="utf-8")
        opts = batch.Options(workers=workers, progress=False, force=True, variants_csv=roster)
        summaries = {s["file"]: s for s in batch.run(built / "autograder" / "autograder.zip", [subs], graded, opts)}
        results = {c.file: _result(graded, c.file) for c in cases}
    failures: list[str] = []
    broken: set[str] = set()  # variants whose solution fails: their other notebooks, made from it, prove nothing
    for c in sorted(cases, key=lambda c: c.kind != "solution"):
        if c.variant in broken and c.kind in ("mistake", "memorized"):
            continue
        found = _verdict(c, summaries[c.file], results[c.file], checks[c.variant]) if c.file in summaries \
            else [f"{c.label} ({c.variant}): the grader returned no result"]
        if found and c.kind == "solution":
            broken.add(c.variant)
            found.append(f"(the mistake examples and memorized answers of variant {c.variant} are made from the "
                         "solution: they are judged once it passes)")
        failures += found
    proof = Proof(assignment, variants, _rows(cases, summaries, results, checks, failures), failures, len(cases),
                  time.perf_counter() - t0)
    if failures:
        raise ProofError(f"{proof.table()}\n{assignment}: the proof failed; nothing was written:\n  "
                         + "\n  ".join(failures))
    return proof


def _mapping(path: Path) -> dict[str, str]:
    """variant -> the first student (by id) who has it, from the build's variants.csv (empty without a roster)."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in sorted(csv.DictReader(f), key=lambda r: r["student_id"]):
            out.setdefault(row["variant"], row["student_id"])
    return out


def _write_cases(a: Assignment, built: Path, variant: str, student: str | None, subs: Path) -> list[Case]:
    """Write this variant's proof notebooks under subs/<student id or DEFAULT_FOLDER>/ and describe them."""
    folder = student or DEFAULT_FOLDER
    path = built / "student" / (f"{student}/{a.id}.ipynb" if student else f"{a.id}.ipynb")
    handed_out = nbformat.read(path, as_version=4)
    solution = nbformat.read(built / "autograder" / f"{a.id}.ipynb", as_version=4)
    checks_path = built / "autograder" / "checks" / f"{variant}.json"
    checks = Checks.from_json(checks_path.read_text(encoding="utf-8"))
    keys = mcq_keys(checks_path)
    cases: list[tuple[Case, nbformat.NotebookNode]] = []

    def add(kind: str, label: str, nb: nbformat.NotebookNode, **extra) -> None:
        cases.append((Case(kind, label, variant, f"{folder}/{label}.ipynb", **extra), nb))

    add("solution", "solution", fill(handed_out, solution, keys))
    add("blank", "blank", nbformat.from_dict(handed_out))
    for q in a.questions:
        for name, source in q.example_mistakes().items():
            (fn,) = defined_functions(source)
            add("mistake", name, fill(handed_out, solution, keys, replace={fn: source}), question=q.name)
    by_name = {q.name: q for q in checks.questions}
    code = {q.name: (by_name[q.name], defined_functions(solution_source(a, q))) for q in a.questions
            if q.kind == "code"}
    publics = {n: [t for t in q.tests if not t.hidden and memorized_literal(t) is not None]
               for n, (q, _) in code.items() if any(t.hidden for t in q.tests)}
    publics = {n: ts for n, ts in publics.items() if ts}
    for k in range(max((len(ts) for ts in publics.values()), default=0)):
        replace, used = {}, {}
        for n, ts in publics.items():
            t = ts[k % len(ts)]
            used[n] = t.name
            replace.update({fn: _constant(fn, memorized_literal(t)) for fn in code[n][1]})
        add("memorized", f"memorized-{k + 1}", fill(handed_out, solution, keys, replace=replace), memorized=used)
    for c, nb in cases:
        write_notebook(nb, subs / c.file)
    return [c for c, _ in cases]


def memorized_literal(t: Test) -> str | None:
    """Python source of a public test's expected value as a memorizing student would return it (a tensor for an
    array test, the plain value otherwise); None for an MCQ's tests, which have no value to memorize."""
    if t.kind in ("choice", "choice-format"):
        return None
    if t.kind == "array":
        dtype = t.dtype if t.dtype not in (None, "float", "int") else \
            "int64" if t.dtype == "int" or _all_ints(t.expect) else "float64"
        return f"torch.tensor({_py(t.expect)}, dtype=torch.{dtype})"
    return _py(t.expect)


def _py(value: object) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _all_ints(value: object) -> bool:
    if isinstance(value, list):
        return all(_all_ints(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


def _constant(fn: str, literal: str) -> str:
    return f"def {fn}(*args, **kwargs):\n    import torch\n    return {literal}\n"


def _result(graded: Path, name: str) -> dict:
    from autograder.grade.files import result_path

    try:
        return json.loads(result_path(graded, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _lines(result: dict, question: str) -> list[str]:
    entry = next((t for t in result.get("tests", []) if t.get("name") == question), {})
    return str(entry.get("output", "")).split("\n")


def _passed(t: Test, lines: list[str]) -> bool:
    return f"{t.name}: passed" in lines


def _said(t: Test, lines: list[str]) -> str:
    """What the grader said about test t: its feedback line."""
    return next((ln for ln in lines if ln.startswith(f"{t.name}:")), f"{t.name}: no result")


def _verdict(c: Case, summary: dict, result: dict, checks: Checks) -> list[str]:
    """What is wrong with one graded proof notebook (nothing when it scored as it should)."""
    who = f"{c.label} ({c.variant})"
    if summary.get("status") != "Completed":
        return [f"{who}: graded with status {summary.get('status')!r}: {str(result.get('output', ''))[:600]}"]
    earned, points = summary["questions"], summary["points"]
    named = [m for m in summary.get("mistakes", []) if m.get("mistake") != UNATTEMPTED]
    out = []
    for q in checks.questions:
        lines = _lines(result, q.name)
        if c.kind == "solution":
            out += [f"{who}: {q.name} / {_said(t, lines)}" for t in q.tests if not _passed(t, lines)]
        elif c.kind == "blank":
            out += [f"{who}: {q.name} / {t.name} passes on the notebook as handed out (worth {t.points:g} points "
                    "without any work)" for t in q.tests if t.points > 0 and _passed(t, lines)]
        elif c.kind == "mistake" and q.name == c.question:
            if not earned[q.name] < points[q.name]:
                out.append(f"{who}: the example scores {earned[q.name]:g}/{points[q.name]:g} on its question "
                           f"{q.name}: no test catches it")
            if not [m for m in named if m["question"] == q.name]:
                said = "; ".join(_said(t, lines) for t in q.tests if not _passed(t, lines))
                out.append(f"{who}: no mistake of {q.name} names the example (the grader said: {said})")
        elif c.kind == "mistake":
            if earned[q.name] < points[q.name]:
                said = "; ".join(_said(t, lines) for t in q.tests if not _passed(t, lines))
                out.append(f"{who}: the example of {c.question} also loses points on {q.name}: {said}")
        elif c.kind == "memorized" and q.name in c.memorized:
            out += [f"{who}: {q.name} / hidden test {t.name!r} passes when {q.name}'s function returns the expected "
                    f"value of public test {c.memorized[q.name]!r} as a constant: a memorized answer earns it "
                    "(give the hidden test inputs whose answer differs)" for t in _hidden(q) if _passed(t, lines)]
    if c.kind == "mistake":
        elsewhere = sorted({(m["question"], m["mistake"]) for m in named if m["question"] != c.question})
        out += [f"{who}: the example of {c.question} is named {mistake!r} on {q} too" for q, mistake in elsewhere]
    return out


def _hidden(q: Question) -> list[Test]:
    return [t for t in q.tests if t.hidden]


def _rows(cases: list[Case], summaries: dict[str, dict], results: dict[str, dict], checks: dict[str, Checks],
          failures: list[str]) -> list[list[str]]:
    """One row per notebook label, over every proven variant: the default variant's score, the mistakes named."""
    rows, seen = [], []
    for c in cases:
        if c.label not in seen:
            seen.append(c.label)
    for label in seen:
        mine = [c for c in cases if c.label == label]
        first = mine[0]
        s = summaries.get(first.file, {})
        bad = sum(any(f.startswith(f"{c.label} ({c.variant}):") for f in failures) for c in mine)
        unjudged = sum(first.kind in ("mistake", "memorized") and any(f.startswith(f"solution ({c.variant}):")
                                                                      for f in failures) for c in mine)
        n = f"{len(mine)} variant" + "s" * (len(mine) != 1)
        verdict = f"FAILED on {bad} of {n}" if bad else \
            f"not judged on {unjudged} of {n}: the solution fails" if unjudged else f"ok on {n}"
        if first.kind == "mistake":
            q = first.question or ""
            score = f"{s.get('questions', {}).get(q, 0):g}/{s.get('points', {}).get(q, 0):g} on {q}"
            named = sorted({m["mistake"] for c in mine for m in summaries.get(c.file, {}).get("mistakes", [])
                            if m.get("question") == q and m.get("mistake") != UNATTEMPTED})
        elif first.kind == "memorized":
            q = ", ".join(first.memorized)
            mem = [qq for qq in checks[first.variant].questions if qq.name in first.memorized]
            lines = {qq.name: _lines(results.get(first.file, {}), qq.name) for qq in mem}
            passed = sum(_passed(t, lines[qq.name]) for qq in mem for t in _hidden(qq))
            score = f"{passed}/{sum(len(_hidden(qq)) for qq in mem)} hidden passed"
            named = []
        else:
            q = "all"
            score = f"{s.get('total', 0):g}/{s.get('possible', 0):g}"
            named = sorted({m["mistake"] for c in mine for m in summaries.get(c.file, {}).get("mistakes", [])})
        rows.append([label, q, score, ", ".join(named) or "-", verdict])
    return rows
