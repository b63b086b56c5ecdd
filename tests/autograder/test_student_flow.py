"""The student flow of issue 10, end to end in a real Jupyter kernel, on public behaviour only: one `lmcourse build
--out` of every assignment, the example submissions of examples/submissions/<id>/ (each file is named after the
mistake it makes), the text `grader.check` prints, `lmcourse grade` results and stock `otter run`.

- correct.ipynb: every public check prints as passed; an MCQ's public check only validates the answer's form and
  says the answer is recorded and graded later (a wrong letter is not told it passed, "Option B" is refused);
- each mistake notebook: every failing public test case names the mistake the file is named after, and no check
  names another known mistake; the graded results name that mistake and no other (a blank notebook: none);
- `grader.export(pdf=False)` writes a zip that `lmcourse grade` and stock `otter run` score the same.

A notebook runs as a student runs it: saved under the built notebook's name next to the built student files, executed
top to bottom with one `grader.check(q)` per question appended (as the student would type them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from autograder.course.content import assignment_ids, load_assignment
from autograder.course.mistakes import declared
from autograder.runtime.mistakes import catalogue


def _catalogue() -> dict:
    """The catalogue's ids and those the content declares next to its questions (issue 21)."""
    for aid in assignment_ids():
        a = load_assignment(aid)
        for q in a.questions:
            declared(a, q if q.kind == "code" else None)
    return catalogue()


MISTAKES = _catalogue()

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "submissions"
OTTER = Path(sys.executable).with_name("otter")
ASSIGNMENTS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and (p / "expected.json").is_file())

# An example's file name -> the catalogue id of its mistake, where the name is not the id itself.
ALIASES = {"one_hot_int64": "wrong-dtype", "one_hot_row_for_x0": "row-for-x0", "unknown_dropped": "dropped-unknown",
           "blank": "unattempted"}
# Ids that name one mistake (its signature): a product of probabilities is diagnosed by its underflow.
SAME = {"product-of-probabilities": {"product-underflow"}, "product-underflow": {"product-of-probabilities"},
        # GPT-2's pre-tokenizer makes both: "isn't" split, "?!" kept whole
        "inner-word-split": {"punctuation-run-merged"}}
# The words a message uses for a mistake, besides the catalogue's label (case-insensitive regex).
WORDS = {
    "mean-instead-of-sum": r"\bmean\b",
    "log-base-2": r"log base 2|log2",
    "missing-minus": r"\bminus\b|\bsign\b",
    "loss-term-for-x0": r"x_0",
    "log-softmax-overflow": r"log-softmax|overflow",
    "product-of-probabilities": r"\bproduct\b|underflow|sum of (the )?logs",
    "product-underflow": r"\bproduct\b|underflow",
    "wrong-dtype": r"dtype|float32|int64",
    "row-for-x0": r"x_0",
    "dropped-unknown": r"<unk>|unknown",
    "unattempted": r"not attempted|NotImplementedError|no answer",
    "stale-gradients": r"zero_grad|gradients",
    "inner-word-split": r"apostrophe|hyphen|isn't",
    "does-not-run": r"does not run|not defined",
}
MCQ_ANSWER = re.compile(r"^\s*(q\w*?)_answer\s*=\s*(['\"])(.*?)\2", re.M)
RECORDED = re.compile(r"recorded.{0,200}graded (later|after)", re.I | re.S)


def mistake_of(example: Path) -> str:
    stem = example.stem
    mid = ALIASES.get(stem, stem.replace("_", "-"))
    assert mid in MISTAKES, f"{example}: its name names no catalogued mistake; add it to ALIASES in {__file__}"
    return mid


def names(text: str, mid: str) -> bool:
    """Does `text` name mistake `mid` (its catalogue label or its words)?"""
    ids = {mid} | SAME.get(mid, set())
    return any(MISTAKES[i].label.lower() in text.lower() or (i in WORDS and re.search(WORDS[i], text, re.I))
               for i in ids)


def other_mistakes_named(text: str, mid: str, assignment: str) -> list[str]:
    """Known mistakes other than `mid` that `text` names: any catalogue label, and the words of the mistakes this
    assignment's examples make (only labels for a blank notebook)."""
    own = {mid} | SAME.get(mid, set())
    siblings = {mistake_of(p) for p in (EXAMPLES / assignment).glob("*.ipynb") if p.stem not in ("correct", "blank")}
    if mid == "unattempted":  # a stub's message may carry the question's hint ("… maps to the id of <unk>")
        siblings = set()
    found = [i for i, k in MISTAKES.items() if i not in own and k.label.lower() in text.lower()]
    found += [i for i in sorted(siblings - own - set(found)) if i in WORDS and re.search(WORDS[i], text, re.I)]
    return found


def failed_cases(text: str) -> list[str]:
    """The failing test cases in a `grader.check` output, one text each (Otter prints "qN - k result:" blocks)."""
    blocks = re.split(r"\n\s*\S+ - \d+ (?:result|message):", text)
    return [b for b in blocks if re.search(r"failed|❌|Error|Traceback", b)]


# ------------------------------------------------------------------ running a notebook as a student does
@dataclass
class Run:
    checks: dict[str, str] = field(default_factory=dict)  # question -> text of the appended grader.check(q)
    probes: dict[str, str] = field(default_factory=dict)  # probe label -> text
    notebook_checks: list[str] = field(default_factory=list)  # texts of the notebook's own check cells
    mcq_cells: list[str] = field(default_factory=list)  # texts of the notebook's own MCQ check cells
    errors: list[str] = field(default_factory=list)  # errors raised by any cell outside check cells
    stderr: list[str] = field(default_factory=list)  # stderr streams of check cells (warnings)
    zip: Path | None = None


def _text(outputs: list) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "error":
            parts.append(f"{o['ename']}: {o['evalue']}")
        elif o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        else:
            parts.append((o.get("data") or {}).get("text/plain", ""))
    return "\n".join(parts)


def questions(nb, student_dir: Path) -> list[str]:
    """Every question a student can check: Otter tests in the notebook's metadata or tests/, check cells, MCQs."""
    qs = set((nb.metadata.get("otter") or {}).get("tests") or {})
    qs |= {p.stem for p in (student_dir / "tests").glob("q*.py")}
    for c in nb.cells:
        if c.cell_type == "code":
            qs |= set(re.findall(r"grader\.check\(\s*['\"](\w+)['\"]", c.source))
            qs |= {m.group(1) for m in MCQ_ANSWER.finditer(c.source)}
    return sorted(qs, key=lambda q: (len(q), q))


def mcq_answers(nb) -> dict[str, tuple[str, list[str]]]:
    """question -> (the answer written in the notebook, the option letters its prompt shows)."""
    out = {}
    for i, c in enumerate(nb.cells):
        m = MCQ_ANSWER.search(c.source) if c.cell_type == "code" else None
        if m:
            prompt = "\n".join(x.source for x in nb.cells[max(0, i - 2):i] if x.cell_type == "markdown")
            out[m.group(1)] = (m.group(3), re.findall(r"\*\*([A-Z])\.\*\*", prompt) or ["A", "B"])
    return out


def run_student(example: Path, student_nb: Path, work: Path, mcq_probes: bool = False) -> Run:
    """Save `example` as the built student notebook (next to the built student files), add an export cell if the
    notebook has none, and execute it in a real kernel with one `grader.check(q)` per question appended in memory."""
    from nbclient import NotebookClient

    shutil.copytree(student_nb.parent, work)
    built = nbformat.read(student_nb, as_version=4)
    nb = nbformat.read(example, as_version=4)
    nb.metadata = built.metadata  # the public tests of this build
    if not any("grader.export(" in c.source for c in nb.cells):
        nb.cells.append(nbformat.v4.new_code_cell("grader.export(pdf=False)"))
    nbformat.write(nb, work / student_nb.name)  # what the student saves: what export zips

    qs = questions(nb, work)
    probes = [(f"check:{q}", f'grader.check("{q}")') for q in qs]
    if mcq_probes:
        for q, (answer, letters) in mcq_answers(nb).items():
            wrong = next(x for x in letters if x not in answer.upper())
            probes += [(f"wrong:{q}", f'{q}_answer = "{wrong}"\ngrader.check("{q}")'),
                       (f"option:{q}", f'{q}_answer = "Option {wrong}"\ngrader.check("{q}")'),
                       (f"restore:{q}", f"{q}_answer = {answer!r}")]
    export_at = next(i for i, c in enumerate(nb.cells) if "grader.export(" in c.source)
    cells = [nbformat.v4.new_code_cell(src, metadata={"flow": label}) for label, src in probes]
    nb.cells[export_at:export_at] = cells

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute(env=env)
    run = Run()
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        text, label = _text(c.get("outputs", [])), c.metadata.get("flow")
        is_check = "grader.check" in c.source
        if label and label.startswith("check:"):
            run.checks[label[6:]] = text
        elif label:
            run.probes[label] = text
        elif is_check:
            run.notebook_checks.append(text)
            if "recorded(grader.check(" in c.source:
                run.mcq_cells.append(text)
        if not is_check:
            run.errors += [f"{o['ename']}: {o['evalue']}" for o in c.get("outputs", [])
                           if o.get("output_type") == "error"]
        if is_check:
            run.stderr += [o["text"] for o in c.get("outputs", [])
                           if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    zips = sorted(work.glob("*.zip"))
    assert len(zips) == 1, f"{example.name}: grader.export wrote {len(zips)} zips in {work}: {run.errors}"
    run.zip = zips[0]
    return run


# ------------------------------------------------------------------ shared fixtures (one build per session)
@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("flow-dist")
    r = subprocess.run([sys.executable, "-m", "autograder.cli", "build", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out


def student_notebook(built: Path, assignment: str) -> Path:
    nbs = list((built / assignment / "student").glob("*.ipynb"))
    assert len(nbs) == 1, f"{built / assignment / 'student'}: expected one student notebook, found {nbs}"
    return nbs[0]


@pytest.fixture(scope="session")
def runs(built, tmp_path_factory):
    """run(assignment, example name) -> Run, each notebook executed once per session."""
    cache: dict[tuple[str, str], Run] = {}

    def get(assignment: str, name: str) -> Run:
        if (assignment, name) not in cache:
            work = tmp_path_factory.mktemp(f"flow-{assignment}-{Path(name).stem}") / "home"
            cache[assignment, name] = run_student(EXAMPLES / assignment / name, student_notebook(built, assignment),
                                                  work, mcq_probes=name == "correct.ipynb")
        return cache[assignment, name]

    return get


def lmcourse_grade(autograder_zip: Path, submissions: list[Path], out: Path) -> dict[str, dict]:
    """file name -> its `lmcourse grade` result (Gradescope form, extra_data.lmcourse)."""
    r = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "-q", "-n", "2", "-a", str(autograder_zip),
                        "-o", str(out), *map(str, submissions)], cwd=ROOT, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    results = {}
    for p in (out / "results").glob("*.json"):
        d = json.loads(p.read_text())
        results[d["extra_data"]["lmcourse"]["file"]] = d
    return results


@pytest.fixture(scope="session")
def graded(built, tmp_path_factory):
    """graded(assignment) -> {example file name: `lmcourse grade` result}, one grading run per assignment."""
    cache: dict[str, dict[str, dict]] = {}

    def get(assignment: str) -> dict[str, dict]:
        if assignment not in cache:
            zip_path = built / assignment / "autograder" / "autograder.zip"
            cache[assignment] = lmcourse_grade(zip_path, sorted((EXAMPLES / assignment).glob("*.ipynb")),
                                               tmp_path_factory.mktemp(f"flow-graded-{assignment}"))
        return cache[assignment]

    return get


MISTAKE_EXAMPLES = [(a, p.name) for a in ASSIGNMENTS for p in sorted((EXAMPLES / a).glob("*.ipynb"))
                    if p.stem not in ("correct", "blank")]


def test_student_flow_reader_flags_the_false_diagnoses_of_issue_10():
    """The text reader these tests use, on messages quoted in issue 10 and on Otter's output form."""
    underflow = "q5 a 400-token sequence: a product of 400 probabilities underflows to 0"
    assert "product-of-probabilities" in other_mistakes_named(underflow, "missing-minus", "loss")  # item 3
    single = "q5 one 1 per row: each row is a distribution with a single 1. Got an array of shape (7,), dtype float32."
    assert not names(single, "row-for-x0") and other_mistakes_named(single, "row-for-x0", "tokens") == ["wrong-dtype"]
    assert names("this is the mean of the step losses", "mean-instead-of-sum")
    assert not names("q4 logits scaled by 1000: the value is not correct.", "missing-minus")
    otter = ("q5 results:\n    q5 - 1 result:\n        ❌ Test case failed\n        AssertionError: row for x_0\n\n"
             "    q5 - 2 result:\n        ✅ Test case passed\n\n    q5 - 3 result:\n        ❌ Test case failed\n"
             "        AssertionError: single 1")
    assert [c.strip().splitlines()[-1].strip() for c in failed_cases(otter)] == ["AssertionError: row for x_0",
                                                                        "AssertionError: single 1"]
    assert failed_cases("q1 results: All test cases passed!") == []


# ------------------------------------------------------------------ correct notebooks
@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
def test_student_flow_examples_cover_every_assignment(built):
    assert ASSIGNMENTS == sorted(d.name for d in built.iterdir() if (d / "student").is_dir())
    assert all((EXAMPLES / a / "correct.ipynb").is_file() for a in ASSIGNMENTS)
    assert len(MISTAKE_EXAMPLES) >= 3 and all(mistake_of(EXAMPLES / a / n) for a, n in MISTAKE_EXAMPLES)


@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_flow_correct_notebook_passes_every_public_check(assignment, runs):
    run = runs(assignment, "correct.ipynb")
    assert run.checks and not run.errors, run.errors
    mcqs = set(mcq_answers(nbformat.read(EXAMPLES / assignment / "correct.ipynb", as_version=4)))
    assert len(run.checks) > len(mcqs)
    for q, text in [*run.checks.items(), *((f"own cell {i}", t) for i, t in enumerate(run.notebook_checks))]:
        assert not failed_cases(text) and re.search(r"\bpassed\b|recorded", text, re.I), f"{assignment} {q}:\n{text}"
    for q, text in run.checks.items():
        if q not in mcqs:
            assert "All test cases passed!" in text, f"{assignment} {q}:\n{text}"


@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_flow_correct_checks_print_no_warnings(assignment, runs):
    """Issue 10 item 10: the grader's own probes must not print a warning under correct code."""
    run = runs(assignment, "correct.ipynb")
    assert not run.stderr, run.stderr
    assert all("Warning" not in t for t in [*run.checks.values(), *run.notebook_checks]), run.checks


@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
def test_student_flow_mcq_public_check_only_validates_the_form(runs):
    """Issue 10 item 2: an MCQ's public check says the answer is recorded and graded later, for a right and a wrong
    letter alike (never "All test cases passed!" alone), and refuses "Option B" naming the letters it wants."""
    seen = 0
    for a in ASSIGNMENTS:
        run = runs(a, "correct.ipynb")
        nb = nbformat.read(EXAMPLES / a / "correct.ipynb", as_version=4)
        for q in mcq_answers(nb):
            seen += 1
            right, wrong, option = run.checks[q], run.probes[f"wrong:{q}"], run.probes[f"option:{q}"]
            assert RECORDED.search(right), f"{a} {q} (right letter) does not say it is recorded and graded later:\n" \
                                           f"{right}"
            assert RECORDED.search(wrong) and not failed_cases(wrong), f"{a} {q} (wrong letter):\n{wrong}"
            assert failed_cases(option) and re.search(r"letter", option, re.I), f"{a} {q} ('Option X'):\n{option}"
        # issue 18: the notebook's own MCQ cell has no "passed" headline, only "recorded"
        assert run.mcq_cells and all(RECORDED.search(t) and "passed" not in t.lower() for t in run.mcq_cells), \
            run.mcq_cells
    assert seen > 0


# ------------------------------------------------------------------ mistake notebooks
@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
@pytest.mark.parametrize(("assignment", "name"), MISTAKE_EXAMPLES)
def test_student_flow_mistake_named_by_its_public_check_and_no_other(assignment, name, runs):
    """Every failing public test case names the mistake the file is named after; no check names another one.
    (Some mistakes show only in hidden tests: then every public check passes, and the graded test below names it.)"""
    mid = mistake_of(EXAMPLES / assignment / name)
    run = runs(assignment, name)
    cannot_run = ("SyntaxError", "IndentationError", "ImportError", "ModuleNotFoundError")  # its own cell only
    assert not run.errors or (mid == "does-not-run" and len(run.errors) == 1
                               and run.errors[0].startswith(cannot_run)), run.errors
    texts = {**run.checks, **{f"own cell {i}": t for i, t in enumerate(run.notebook_checks)}}
    for q, text in texts.items():
        for case in failed_cases(text):
            assert names(case, mid), f"{assignment}/{name} {q}: a failing test does not name {mid!r}:\n{case}"
            other = other_mistakes_named(case, mid, assignment)
            assert not other, f"{assignment}/{name} {q}: names {other} besides {mid!r}:\n{case}"


@pytest.mark.slow  # real Jupyter kernels on built notebooks (session fixtures)
@pytest.mark.parametrize(("assignment", "name"), [*MISTAKE_EXAMPLES, *((a, "blank.ipynb") for a in ASSIGNMENTS)])
def test_student_flow_mistake_named_alone_in_graded_feedback(assignment, name, graded):
    """`lmcourse grade` diagnoses the example's mistake and no other (a blank notebook: at most `unattempted`), and
    its feedback names it, never another known mistake."""
    mid = mistake_of(EXAMPLES / assignment / name)
    result = graded(assignment)[name]
    ids = {m["mistake"] for m in result["extra_data"]["lmcourse"]["mistakes"]}
    own = {mid} | SAME.get(mid, set())
    assert ids <= own and (ids or mid == "unattempted"), f"{assignment}/{name}: diagnosed {ids}, want {own}"
    lines = [f"{t['name']}: {line}" for t in result["tests"] for line in t.get("output", "").splitlines()
             if line.strip() and not line.rstrip().endswith("passed")]
    assert any(names(x, mid) for x in lines), f"{assignment}/{name}: no feedback names {mid!r}: {lines}"
    wrong = [(x, o) for x in lines if (o := other_mistakes_named(x, mid, assignment))]
    assert not wrong, f"{assignment}/{name}: feedback names other mistakes: {wrong}"


# ------------------------------------------------------------------ export: one zip, two graders, one score
def _otter_run(autograder_zip: Path, submission: Path, out: Path) -> float:
    out.mkdir(parents=True)
    r = subprocess.run([str(OTTER), "run", "-a", str(autograder_zip), "-o", str(out), str(submission)], cwd=out,
                       capture_output=True, text=True, timeout=600)
    assert (out / "results.json").is_file(), f"otter run wrote no results.json: {r.stdout[-2000:]}{r.stderr[-2000:]}"
    tests = json.loads((out / "results.json").read_text())["tests"]
    return sum(t["score"] for t in tests if t.get("max_score") is not None)


@pytest.mark.slow  # stock `otter run` with torch: ~10 s a notebook, plus a sandboxed `lmcourse grade`
@pytest.mark.parametrize("name", ["correct.ipynb", "mean_instead_of_sum.ipynb"])
def test_student_flow_export_zip_scores_the_same_in_lmcourse_grade_and_otter_run(name, runs, built, tmp_path):
    assignment = "loss"
    run = runs(assignment, name)
    with zipfile.ZipFile(run.zip) as z:
        members = z.namelist()
    assert any(m.endswith(".ipynb") for m in members) and not any(m.endswith(".pdf") for m in members), members
    autograder_zip = built / assignment / "autograder" / "autograder.zip"
    ours = lmcourse_grade(autograder_zip, [run.zip], tmp_path / "ours")
    assert len(ours) == 1, ours
    (result,) = ours.values()
    assert result["extra_data"]["lmcourse"]["status"] == "Completed", result["extra_data"]["lmcourse"]
    stock = _otter_run(autograder_zip, run.zip, tmp_path / "otter")
    expected = json.loads((EXAMPLES / assignment / "expected.json").read_text())[name]
    assert result["score"] == pytest.approx(stock) == pytest.approx(expected), (result["score"], stock, expected)
