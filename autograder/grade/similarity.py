"""Code similarity for `lmcourse grade`: one ranked list of student pairs, each with its evidence per question, and
each student against the reference (lmcore's source of the functions a question forbids, and its solution file).

What is compared: every cell a student changed or added, wherever it stands (answer cells, helper cells, cells after
the last check), each labelled with the question whose check follows it. The starter notebook a student got (their
own variant's, so the data cells of their variant are starter code too) never counts: its cells are left out and its
k-grams are boilerplate. Fingerprints (`fingerprints.py`) are winnowed k-grams of normalized code, so renaming
variables or changing constants hides nothing; how matches are weighed by length and rarity is `matching.py`.

Cost: each cell is cut at MAX_CELL characters and a submission's own code at MAX_OWN, and code is read as the student
wrote it (no IPython transform), so a submission costs the grader at most a bounded, linear amount of work. Pairs are
compared only through fingerprints few students share (matching.COMMON), so the whole pass is linear in the class.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.grade.files import result_path
from autograder.grade.fingerprints import all_kgrams, normalize
from autograder.grade.matching import TAIL, Answer, Index, Pair, pair, reference
from autograder.grade.submissions import Submission, Ungradable, parse
from autograder.runtime.checks import Checks

if TYPE_CHECKING:
    from autograder.grade.bundle import Bundle

THRESHOLD = 0.5  # default --similarity-threshold: measured in benchmarks/similarity.py (see its docstring)

MAX_CELL = 20_000  # characters of one cell that similarity reads (answer cells are rarely over 2,000)
MAX_OWN = 60_000  # characters of a submission's own cells that similarity reads
MAX_CELLS = 400  # own cells of a submission that similarity reads
ROOT = Path(__file__).resolve().parents[2]
CHECK_CELL = re.compile(r"""^\s*grader\.check\(\s*["']([^"'\s]+)["']\s*\)\s*$""", re.M)
_PROMPT_BLOCK = re.compile(r"^[^\n]*# BEGIN PROMPT\s*\n.*?# END PROMPT[^\n]*\n?", re.S | re.M)
_SOLUTION_MARK = re.compile(r"^[^\n]*# (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def answer_regions(cells: list[str]) -> dict[str, list[str]]:
    """Question → the cells before its `grader.check("q")` cell, after the previous check (Otter's layout: a
    question's answer cells, then its check cell); the first question's region also holds the notebook's first
    cells. Cells after the last check are region TAIL: nothing a student writes is outside every region."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for src in cells:
        m = CHECK_CELL.search(src)
        if m is None:
            current.append(src)
            continue
        out.setdefault(m.group(1), []).extend(current)
        current = []
    if current:
        out[TAIL] = current
    return out


@dataclass
class Template:
    """A notebook students started from: its k-grams (boilerplate) and its cells' normalized texts."""

    boilerplate: set[int]
    cells: set[str]

    @classmethod
    def load(cls, path: Path, base: Template | None = None) -> Template:
        """Every k-gram of every code cell, and of each answer region (its cells joined, so k-grams across two
        template cells are boilerplate too); with `base`, only what it does not hold already (a variant's notebook
        differs from the default one in its data cells: a roster of 1,000 keeps 1,000 small differences)."""
        cells = parse(path.name, path.read_bytes(), transform=False).cells
        boilerplate: set[int] = set()
        for src in [*cells, *("\n\n".join(r) for r in answer_regions(cells).values())]:
            boilerplate |= all_kgrams(src)
        normalized = {normalize(c)[0] for c in cells}
        if base is not None:
            boilerplate, normalized = boilerplate - base.boilerplate, normalized - base.cells
        return cls(boilerplate, normalized)


@dataclass
class Starters:
    """The starter notebooks of a class: the default one, and each variant's (roster builds write one per student).
    A student's starter code is whatever is in either of theirs."""

    default: Template
    paths: dict[str, Path] = field(default_factory=dict)  # variant → its student notebook
    loaded: dict[str, Template] = field(default_factory=dict)

    def of(self, variant: str | None) -> list[Template]:
        if variant is None or variant not in self.paths:
            return [self.default]
        if variant not in self.loaded:
            self.loaded[variant] = Template.load(self.paths[variant], self.default)
        return [self.default, self.loaded[variant]]


class _Either:
    """`h in` any of several boilerplate sets (no union built per student)."""

    def __init__(self, sets: list[set[int]]) -> None:
        self.sets = sets

    def __contains__(self, h: object) -> bool:
        return any(h in s for s in self.sets)


def own_cells(cells: list[str], templates: list[Template]) -> list[tuple[str, str]]:
    """(region, code) of each cell the student changed or added, within the size caps."""
    out, total = [], 0
    for region, srcs in answer_regions(cells).items():
        for src in srcs:
            if total >= MAX_OWN or len(out) >= MAX_CELLS:
                return out
            code = src[:min(MAX_CELL, MAX_OWN - total)]
            if len(src) <= MAX_CELL and any(normalize(src)[0] in t.cells for t in templates):
                continue  # an untouched starter cell holds nothing of theirs
            if code.strip():
                out.append((region, code))
                total += len(code)
    return out


def collect_answers(subs: list[Submission], starters: Starters,
                    variants: dict[str, str] | None = None) -> list[Answer]:
    """Each readable submission's own code (unreadable ones are skipped: their grade row already says why).
    `variants`: submission name → the variant it was graded on (its starter notebook)."""
    out = []
    for sub in subs:
        try:
            cells = parse(sub.name, sub.read(), transform=False).cells
        except (Ungradable, OSError):
            continue
        templates = starters.of((variants or {}).get(sub.name))
        own = own_cells(cells, templates)
        out.append(Answer.of(sub.name, own, _Either([t.boilerplate for t in templates])))
    return out


def rank(answers: list[Answer], refs: dict[str, dict[str, str]], boilerplate: set[int]) -> list[Pair]:
    """Every pair compared (students sharing a fingerprint few others hold) and every student matching a reference,
    best first."""
    index = Index(answers)
    pairs = [pair(answers[i], answers[j], index) for i, j in sorted(index.candidates() | index.alike(answers))]
    seen: set[str] = set()
    for question, named in refs.items():
        for name, code in named.items():
            if name in seen:  # one lmcore function forbidden in two questions is compared once
                continue
            seen.add(name)
            ref = Answer.of(name, [(question, code)], boilerplate)
            holders = {int(s) for h in set(ref.hashes.tolist()) for s in index.holders(h)}
            pairs += [reference(answers[i], ref, index) for i in sorted(holders)]
    pairs = [p for p in pairs if p.score > 0]
    pairs.sort(key=lambda p: (-p.score, p.a.name, p.b.name))
    return pairs


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


def warm(bundle: Bundle) -> None:
    """Import and read ahead what `flag` needs (lmcore with torch, copydetect with matplotlib, the references: ~2 s
    of CPU), e.g. in a thread of the grader while its workers warm up; whatever fails here, `flag` meets again."""
    try:
        from copydetect.utils import winnow  # noqa: F401

        references(bundle.checks[sorted(bundle.checks)[0]])
    except Exception:  # noqa: BLE001, S110 - flag reports it
        pass


def template_path(autograder: Path, assignment: str) -> Path:
    """Where `lmcourse build` put the student notebook next to the autograder zip: DIR/<id>/student/<id>.ipynb
    (a roster build adds each student's DIR/<id>/student/<student_id>/<id>.ipynb)."""
    return Path(autograder).resolve().parent.parent / "student" / f"{assignment}.ipynb"


def run(subs: list[Submission], checks: Checks, template: Path | None,
        variants: dict[str, str] | None = None, variant_notebooks: dict[str, Path] | None = None) -> list[Pair]:
    """Every pair and reference match of one batch, best first. Without the starter notebook every answer's
    starter code would count as similarity, so it is required."""
    if template is None or not template.is_file():
        raise FileNotFoundError(f"{template}: the student notebook the class started from is needed to leave its "
                                "template code out of similarity; pass --template or --no-similarity")
    starters = Starters(Template.load(template), dict(variant_notebooks or {}))
    return rank(collect_answers(subs, starters, variants), references(checks), starters.default.boilerplate)


def graded_variants(out: Path, subs: list[Submission]) -> dict[str, str]:
    """Submission → the variant grading used (from results/<name>.json, which grading has just written)."""
    found = {}
    for sub in subs:
        try:
            lm = json.loads(result_path(out, sub.name).read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(lm, dict) and isinstance(lm.get("variant"), str):
            found[sub.name] = lm["variant"]
    return found


def variant_notebooks(template: Path, mapping: dict[str, str]) -> dict[str, Path]:
    """Variant → a student notebook of that variant that a roster build wrote (student/<student_id>/<id>.ipynb)."""
    out: dict[str, Path] = {}
    for sid, variant in sorted(mapping.items()):
        path = template.parent / sid / template.name
        if variant not in out and path.is_file():
            out[variant] = path
    return out


def flag(autograder: Path, variants_csv: Path | None, inputs: list[Path], out: Path, threshold: float,
         template: Path | None) -> list[Pair] | None:
    """The `lmcourse grade` step: DIR/similarity.csv (every pair compared, ranked) and DIR/similarity.html (the
    evidence of every pair at or above `threshold`); returns those pairs for report.html. Without the student
    notebook (no --template and none next to the zip) it warns and returns None: grades are written either way."""
    import warnings

    from autograder.grade.bundle import Bundle
    from autograder.grade.similarity_page import write_csv, write_html
    from autograder.grade.submissions import collect

    bundle = Bundle.load(autograder, variants_csv)
    checks = bundle.checks[sorted(bundle.checks)[0]]
    built = template_path(autograder, checks.assignment)
    template = template or built
    if not template.is_file():
        warnings.warn(f"lmcourse grade: no similarity check: {template} (the student notebook the class started "
                      "from) is missing; pass --template NOTEBOOK, or --no-similarity", stacklevel=1)
        return None
    subs = collect(inputs)
    pairs = run(subs, checks, template, graded_variants(out, subs), variant_notebooks(built, bundle.mapping))
    flagged = [p for p in pairs if p.score >= threshold]
    write_csv(out / "similarity.csv", pairs, threshold)
    write_html(out / "similarity.html", flagged, threshold)
    return flagged
