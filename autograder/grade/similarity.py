"""Code similarity for `lmcourse grade`: every pair of submissions' answers to a code question, and each answer
against the reference (the source of the lmcore functions the question forbids, and its solution file).

Fingerprints are copydetect's (k-gram hashes selected by robust winnowing, Schleimer, Wilkerson & Aiken 2003, what
MOSS does). Code is first normalized (Python's tokenizer; Pygments' lexer for code it rejects): identifiers become
V, function/class names F, number literals N, string literals S; comments, docstrings and whitespace go; builtins
and attribute names (`torch.log`: the library API a student cannot rename) stay. So renaming variables or changing
constants does not hide a copy. Every k-gram of the notebook the class started from (the student notebook: setup,
stubs, signatures, docstrings) is boilerplate and never counts.

Cost: one pass over the batch builds, per question, an index fingerprint → answers; only answers sharing a
fingerprint are compared, and a fingerprint held by more than COMMON answers of a question is common code (MOSS's
`-m`), ignored for pairs. So the pairs compared are at most COMMON² per fingerprint: linear in the batch. References
are compared with every answer through the same index, whatever the fingerprint's frequency (a pasted lmcore function
is a copy however many students pasted it).
"""

from __future__ import annotations

import builtins
import csv
import importlib
import inspect
import io
import keyword
import re
import textwrap
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from copydetect.utils import find_fingerprint_overlap, get_copied_slices, winnow
from pygments import token
from pygments.lexers import PythonLexer

from autograder.grade.submissions import Submission, Ungradable, parse
from autograder.runtime.checks import Checks

K = 25  # noise threshold (normalized characters): shorter matches are ignored (copydetect's default)
WINDOW = 6  # winnowing window: every match of K + WINDOW - 1 = 30 characters or more is found
COMMON = 10  # a fingerprint in more than this many answers to one question is common code (MOSS's -m default)
THRESHOLD = 0.5  # default --similarity-threshold: measured in benchmarks/similarity.py (see its docstring)
ROOT = Path(__file__).resolve().parents[2]
CHECK_CELL = re.compile(r"""^\s*grader\.check\(\s*["']([^"'\s]+)["']\s*\)\s*$""", re.M)
_PROMPT_BLOCK = re.compile(r"^[^\n]*# BEGIN PROMPT\s*\n.*?# END PROMPT[^\n]*\n?", re.S | re.M)
_SOLUTION_MARK = re.compile(r"^[^\n]*# (BEGIN|END) SOLUTION[^\n]*\n?", re.M)
_LEXER = PythonLexer()
_BUILTINS = frozenset(dir(builtins))  # sum, len, float, NotImplementedError: kept, like Pygments' Name.Builtin
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
_LINE_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
_FSTRING = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}
_NAMES = {token.Name, token.Name.Variable, token.Name.Namespace, token.Name.Other}  # attributes (torch.log) stay


@dataclass
class Doc:
    """One piece of code (an answer or a reference), normalized and fingerprinted."""

    name: str
    raw: str
    starts: np.ndarray  # raw offset where the token behind each normalized character starts
    ends: np.ndarray  # ... and ends
    idx: dict[int, list[int]]  # fingerprint → its positions in the normalized text (boilerplate removed)
    length: int  # normalized length

    @cached_property
    def coverage(self) -> int:
        """Normalized characters covered by the fingerprints: the denominator of a score."""
        covered = np.zeros(self.length + K, dtype=bool)
        for positions in self.idx.values():
            for p in positions:
                covered[p:p + K] = True
        return int(covered[:self.length].sum())

    def raw_slices(self, slices: np.ndarray) -> list[tuple[int, int]]:
        """Normalized [start, end) slices (copydetect's 2×N array) → merged raw-text ranges."""
        out: list[tuple[int, int]] = []
        for s, e in zip(slices[0].astype(int), slices[1].astype(int), strict=True):
            a, b = int(self.starts[s]), int(self.ends[min(e, self.length) - 1])
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(b, out[-1][1]))
            else:
                out.append((a, b))
        return out


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


@lru_cache(maxsize=16384)
def normalize(code: str) -> tuple[str, np.ndarray, np.ndarray]:
    """(normalized text, raw start and end of each normalized character's token). Cached: a class's notebooks share
    most cells (setup, checks, untouched starters), which are then lexed once."""
    try:
        toks = _python_tokens(code)
    except (tokenize.TokenError, SyntaxError):  # code Python cannot tokenize: Pygments' lexer never gives up
        toks = _pygments_tokens(code)
    text = "".join(t for _, _, t in toks)
    a = np.fromiter((s for s, _, t in toks for _ in t), dtype=np.int64, count=len(text))
    b = np.fromiter((e for _, e, t in toks for _ in t), dtype=np.int64, count=len(text))
    a.flags.writeable = b.flags.writeable = False  # shared through the cache
    return text, a, b


def _python_tokens(code: str) -> list[tuple[int, int, str]]:
    """(start, end, normalized text) of each token that counts, from the standard library's tokenizer."""
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    raw = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _SKIP]
    out: list[tuple[int, int, str]] = []
    for i, t in enumerate(raw):
        start, end = offsets[t.start[0] - 1] + t.start[1], offsets[t.end[0] - 1] + t.end[1]
        prev = raw[i - 1] if i else None
        if t.type == tokenize.STRING or t.type in _FSTRING:
            statement = (prev is None or prev.type in _LINE_START) and raw[i + 1].type in (tokenize.NEWLINE,
                                                                                           tokenize.ENDMARKER)
            if statement:  # a docstring, or a string used as a comment
                continue
            joined = prev is not None and (prev.type == tokenize.STRING or prev.type in _FSTRING)
            if out and out[-1][2] == "S" and joined:
                out[-1] = (out[-1][0], end, "S")  # one S for a whole (implicitly concatenated) literal
                continue
            text = "S"
        elif t.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        elif t.type == tokenize.NUMBER:
            text = "N"
        elif t.type == tokenize.NAME and not keyword.iskeyword(t.string):
            after = prev.string if prev is not None else ""
            text = "F" if after in ("def", "class") else t.string if after == "." or t.string in _BUILTINS else "V"
        else:
            text = t.string.strip()
            if not text:
                continue
        out.append((start, end, text))
    return out


def _pygments_tokens(code: str) -> list[tuple[int, int, str]]:
    """The same from Pygments' lexer (for code the standard tokenizer rejects)."""
    out: list[tuple[int, int, str]] = []
    in_string = False
    for start, ttype, value in _LEXER.get_tokens_unprocessed(code):
        end = start + len(value)
        if ttype in token.Literal.String and ttype is not token.Literal.String.Doc:
            if in_string:  # one S for a whole string literal, whatever its parts
                out[-1] = (out[-1][0], end, "S")
                continue
            in_string, text = True, "S"
        else:
            in_string = False
            if ttype in token.Comment or ttype in token.Text or ttype is token.Literal.String.Doc or not value.strip():
                continue
            if ttype in _NAMES:
                text = value if out and out[-1][2] == "." else "V"  # an attribute (library API) stays
            elif ttype in token.Name.Function or ttype in token.Name.Class:
                text = "F"
            elif ttype in token.Literal.Number:
                text = "N"
            else:
                text = value
        out.append((start, end, text))
    return out


def hashed_kgrams(text: str, k: int) -> np.ndarray:
    """Hashes of every k-gram of `text`: a polynomial rolling hash mod 2^64 (copydetect's own uses Python's hash(),
    salted per process, so its winnowing, and so the scores, would change from run to run)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + codes[j:j + n]
    return h.view(np.int64)


def all_kgrams(code: str) -> set[int]:
    """Every k-gram hash of the normalized code (boilerplate: copydetect uses window 1 for it too)."""
    text, _, _ = normalize(code)
    return set(hashed_kgrams(text, K).tolist()) if len(text) >= K else set()


def fingerprint(name: str, code: str | list[str], boilerplate: set[int]) -> Doc:
    """A Doc for `code`, or for code cells (joined by a blank line, each normalized once through the cache)."""
    cells = [code] if isinstance(code, str) else code
    pieces, shift = [], 0
    for cell in cells:
        text, starts, ends = normalize(cell)
        pieces.append((text, starts + shift, ends + shift))
        shift += len(cell) + 2
    text = "".join(p[0] for p in pieces)
    starts = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([p[2] for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    idx: dict[int, list[int]] = {}
    if len(text) >= K:
        hashes, positions = winnow(hashed_kgrams(text, K), WINDOW, remove_duplicates=False)
        for h, p in zip(hashes.tolist(), positions.tolist(), strict=True):
            if h not in boilerplate:
                idx.setdefault(h, []).append(p)
    return Doc(name, "\n\n".join(cells), starts, ends, idx, len(text))


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
    from autograder.build_content import ContentError, load_assignment

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
    from autograder.grade.batch import write_atomic

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["question", "a", "b", "score"])
    w.writerows([p.question, p.a, p.b, f"{p.score:.4f}"] for p in pairs)
    write_atomic(path, buf.getvalue())


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
