"""Code similarity for `lmcourse grade`: every pair of submissions' answers to a code question, and each answer
against the reference (the source of the lmcore functions the question forbids, and its solution file).

Fingerprints (`fingerprints.py`) are copydetect's winnowed k-gram hashes of normalized code: identifiers, names and
literals become placeholders, so renaming variables or changing constants does not hide a copy. Every k-gram of the
notebook the class started from (the student notebook: setup, stubs, signatures, docstrings) is boilerplate and
never counts.

Cost: one pass over the batch builds, per question, an index fingerprint → answers; only answers sharing a
fingerprint are compared, and a fingerprint held by more than COMMON answers of a question is common code (MOSS's
`-m`), ignored for pairs. So the pairs compared are at most COMMON² per fingerprint: linear in the batch. References
are compared with every answer through the same index, whatever the fingerprint's frequency (a pasted lmcore function
is a copy however many students pasted it).
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from copydetect.utils import find_fingerprint_overlap, get_copied_slices

from autograder.grade.fingerprints import Doc, K, all_kgrams, fingerprint, normalize
from autograder.grade.submissions import Submission, Ungradable, parse
from autograder.runtime.checks import Checks

COMMON = 10  # a fingerprint in more than this many answers to one question is common code (MOSS's -m default)
THRESHOLD = 0.5  # default --similarity-threshold: measured in benchmarks/similarity.py (see its docstring)
ROOT = Path(__file__).resolve().parents[2]
CHECK_CELL = re.compile(r"""^\s*grader\.check\(\s*["']([^"'\s]+)["']\s*\)\s*$""", re.M)
_PROMPT_BLOCK = re.compile(r"^[^\n]*# BEGIN PROMPT\s*\n.*?# END PROMPT[^\n]*\n?", re.S | re.M)
_SOLUTION_MARK = re.compile(r"^[^\n]*# (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


@dataclass
class Pair:
    question: str
    a: str
    b: str  # another submission's file, or reference:<name>
    score: float
    a_code: str = ""
    b_code: str = ""
    a_marks: list[tuple[int, int]] = field(default_factory=list)  # matched ranges in a_code
    b_marks: list[tuple[int, int]] = field(default_factory=list)


def compare(a: Doc, b: Doc, keep: set[int] | None, question: str, both_sides: bool) -> Pair:
    """Score in [0, 1]: both_sides (two answers): matched share of both answers together, as Dolos scores a pair;
    otherwise (b a reference): the share of answer a found in the reference. Only fingerprints in `keep` can
    match (common code is not evidence), but every fingerprint counts in the answer's size."""
    ia = a.idx if keep is None else {h: v for h, v in a.idx.items() if h in keep}
    ib = b.idx if keep is None else {h: v for h, v in b.idx.items() if h in keep}
    pa, pb = find_fingerprint_overlap(set(ia), set(ib), ia, ib)
    sa, sb = get_copied_slices(pa, K), get_copied_slices(pb, K)
    over_a, over_b = int(np.sum(sa[1] - sa[0])), int(np.sum(sb[1] - sb[0]))
    cov_a, cov_b = a.coverage, b.coverage
    if both_sides:
        score = (over_a + over_b) / (cov_a + cov_b) if cov_a + cov_b else 0.0
    else:
        score = over_a / cov_a if cov_a else 0.0
    return Pair(question, a.name, b.name, round(min(1.0, score), 4), a.raw, b.raw, a.raw_slices(sa),
                b.raw_slices(sb))


def answer_regions(cells: list[str]) -> dict[str, list[str]]:
    """Question → its answer's code cells: the cells after the previous `grader.check(...)` cell, up to the cell
    `grader.check("q")` (Otter's layout: a question's answer cells, then its check cell). Cells students add
    between two checks belong to the answer; the first question's region also holds the notebook's first cells
    (left out later when unchanged from the template)."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for src in cells:
        m = CHECK_CELL.search(src)
        if m is None:
            current.append(src)
            continue
        out.setdefault(m.group(1), current)
        current = []
    return out


def solution_code(assignment: str, question: str, root: Path = ROOT) -> str | None:
    """The question's solutions/<assignment>/<slug>.py without Otter's prompt block and solution markers, or None."""
    from autograder.course.content import ContentError, load_assignment

    try:
        a = load_assignment(assignment, root)
    except (ContentError, OSError):
        return None
    q = next((q for q in a.questions if q.name == question), None)
    path = a.solution_path(q) if q is not None else None
    if path is None or not path.is_file():
        return None
    return _SOLUTION_MARK.sub("", _PROMPT_BLOCK.sub("", path.read_text(encoding="utf-8")))


def references(checks: Checks, root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Code question → {reference name: code}: lmcore's source of each function it forbids (read here, in the
    trusted grader, with inspect.getsource) and its solution file."""
    out: dict[str, dict[str, str]] = {}
    for q in checks.questions:
        if q.kind != "code":
            continue
        refs: dict[str, str] = {}
        for dotted in q.forbidden:
            fn = _resolve_function(dotted)
            if fn is not None:
                refs[f"reference:{dotted}"] = textwrap.dedent(inspect.getsource(fn))
        sol = solution_code(checks.assignment, q.name, root)
        if sol is not None:
            refs[f"reference:solutions/{checks.assignment}/{q.name}.py"] = sol
        out[q.name] = refs
    return out


def _resolve_function(dotted: str) -> Any:
    """"pkg.module.Class.method" -> the function object of the full lmcore (read in the trusted grader), or None."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, None)
        obj = getattr(obj, "__func__", obj)
        return obj if inspect.isfunction(obj) else None
    return None


def template_path(autograder: Path, assignment: str) -> Path:
    """Where `lmcourse build` put the student notebook next to the autograder zip: DIR/<id>/student/<id>.ipynb."""
    return Path(autograder).resolve().parent.parent / "student" / f"{assignment}.ipynb"


@dataclass
class Template:
    """The notebook the students started from: its k-grams (boilerplate) and its cells' normalized texts."""

    boilerplate: set[int]
    cells: set[str]

    @classmethod
    def load(cls, path: Path) -> Template:
        """Every k-gram of every code cell, and of each answer region (its cells joined, so k-grams across two
        template cells are boilerplate too)."""
        cells = parse(path.name, path.read_bytes()).cells
        boilerplate: set[int] = set()
        for src in [*cells, *("\n\n".join(r) for r in answer_regions(cells).values())]:
            boilerplate |= all_kgrams(src)
        return cls(boilerplate, {normalize(c)[0] for c in cells})

    def own(self, cells: list[str]) -> list[str]:
        """The cells a student changed or added (an untouched template cell holds nothing of theirs)."""
        return [c for c in cells if normalize(c)[0] not in self.cells]


def find_pairs(answers: dict[str, dict[str, str | list[str]]], refs: dict[str, dict[str, str]],
               boilerplate: set[int], threshold: float) -> list[Pair]:
    """answers: question → {submission: answer code or cells}; every pair scoring at least `threshold`, best
    first."""
    pairs: list[Pair] = []
    for question in sorted(answers):
        docs = [fingerprint(n, c, boilerplate) for n, c in sorted(answers[question].items())]
        index: dict[int, list[int]] = defaultdict(list)
        for i, d in enumerate(docs):
            for h in d.idx:
                index[h].append(i)
        common = {h for h, holders in index.items() if len(holders) > COMMON}
        keep = set(index) - common
        candidates: set[tuple[int, int]] = set()
        for h in keep:
            holders = index[h]
            candidates.update((holders[x], holders[y]) for x in range(len(holders)) for y in range(x + 1, len(holders)))
        for i, j in sorted(candidates):
            p = compare(docs[i], docs[j], keep, question, both_sides=True)
            if p.score >= threshold:
                pairs.append(p)
        for name, code in refs.get(question, {}).items():
            ref = fingerprint(name, code, boilerplate)
            for i in sorted({i for h in ref.idx for i in index.get(h, [])}):
                p = compare(docs[i], ref, None, question, both_sides=False)
                if p.score >= threshold:
                    pairs.append(p)
    pairs.sort(key=lambda p: (p.question, -p.score, p.a, p.b))
    return pairs


def collect_answers(subs: list[Submission], checks: Checks, template: Template) -> dict[str, dict[str, list[str]]]:
    """Question → {submission name: the answer cells the student wrote or changed} for every readable submission
    (unreadable ones are skipped: their grade row already says why)."""
    code_qs = {q.name for q in checks.questions if q.kind == "code"}
    out: dict[str, dict[str, list[str]]] = {q: {} for q in code_qs}
    for sub in subs:
        try:
            cells = parse(sub.name, sub.read()).cells
        except (Ungradable, OSError):
            continue
        for q, region in answer_regions(cells).items():
            if q in code_qs and (own := template.own(region)):
                out[q][sub.name] = own
    return out


def run(subs: list[Submission], checks: Checks, template: Path | None, threshold: float) -> list[Pair]:
    """The flagged pairs of one batch. Without the template notebook every answer's starter code would count as
    similarity, so it is required."""
    if template is None or not template.is_file():
        raise FileNotFoundError(f"{template}: the student notebook the class started from is needed to leave its "
                                "template code out of similarity; pass --template or --no-similarity")
    t = Template.load(template)
    return find_pairs(collect_answers(subs, checks, t), references(checks), t.boilerplate, threshold)


def write_csv(path: Path, pairs: list[Pair]) -> None:
    from autograder.course.outputs import write_csv

    write_csv(path, ["question", "a", "b", "score"], ([p.question, p.a, p.b, f"{p.score:.4f}"] for p in pairs))


def html_pair(p: Pair) -> str:
    """One flagged pair for report.html: the two answers side by side, matched regions in <mark> (copydetect's
    highlighter)."""
    import html

    from copydetect.utils import highlight_overlap

    def marked(code: str, marks: list[tuple[int, int]]) -> str:
        if not marks:
            return html.escape(code)
        return highlight_overlap(code, np.array(marks).T, "<mark>", "</mark>", escape_html=True)[0]

    return (f"<h3>{html.escape(p.question)}: {html.escape(p.a)} ↔ {html.escape(p.b)} — score {p.score:.2f}</h3>"
            f"<table class=pair><tr><th>{html.escape(p.a)}</th><th>{html.escape(p.b)}</th></tr><tr>"
            f"<td><pre>{marked(p.a_code, p.a_marks)}</pre></td><td><pre>{marked(p.b_code, p.b_marks)}</pre></td>"
            "</tr></table>")


def flag(autograder: Path, variants_csv: Path | None, inputs: list[Path], out: Path, threshold: float,
         template: Path | None) -> list[Pair] | None:
    """The `lmcourse grade` step: DIR/similarity.csv, and the pairs for report.html. Without the student notebook
    (no --template and none next to the zip) it warns and returns None: grades are written either way."""
    import warnings

    from autograder.grade.bundle import Bundle
    from autograder.grade.submissions import collect

    bundle = Bundle.load(autograder, variants_csv)
    checks = bundle.checks[sorted(bundle.checks)[0]]
    template = template or template_path(autograder, checks.assignment)
    if not template.is_file():
        warnings.warn(f"lmcourse grade: no similarity check: {template} (the student notebook the class started "
                      "from) is missing; pass --template NOTEBOOK, or --no-similarity", stacklevel=1)
        return None
    pairs = run(collect(inputs), checks, template, threshold)
    write_csv(out / "similarity.csv", pairs)
    return pairs
