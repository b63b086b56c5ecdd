"""Issue 16's done-when: the student's submission from a real browser, in JupyterLab 4 and in Notebook 7.

For each assignment, in each UI, a student (a headless Debian chromium driven by playwright) opens the notebook
`lmcourse build` made, types answers (the reference solutions, or the same with one known mistake from a question
folder's mistakes.py), runs every cell above the export cell, and runs the export cell without ever saving. The
kernel runs in the student kit's venv (`pip install -r requirements.txt` on torch, as students install it), so the
runtime under test is the one the wheel ships, not the checkout. The exported zip must hold the notebook at its top
level under its relative name, with the typed answers, and no absolute path of the student's folder; its download
link must serve it (HTTP 200). Stock `otter run`, the Gradescope emulation (from the autograder zip alone) and
`lmcourse grade` must give that zip the same score: full marks when correct, the example's partial score with the
mistake. In the `loss` sessions the student renames the notebook (`loss (1).ipynb` in JupyterLab, `loss_ada.ipynb`
in Notebook 7) after the first export, changes an answer and exports again without re-running the first cell.

One server, one browser and one student venv serve every session; the three graders run in two background threads
as each session's zip comes in, while the browser goes on with the next session.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grade_fixtures as gf  # tests/support, importable through tests/conftest.py
import nbformat
import pytest

from autograder.build.examples import fill, mistakes
from autograder.course.content import assignment_ids

from .jupyter_ui import CHROMIUM, CHROMIUM_ARGS, UIS, JupyterServer, NotebookPage

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "submissions"
ASSIGNMENTS = assignment_ids()
OTTER = Path(sys.executable).with_name("otter")


PREFERRED = {"tokens": "unknown_dropped"}  # its feedback says "<unk>": the HTML must show it as written


def mistake_of(assignment: str) -> str:
    """The example mistake (mistakes.py of the question folders) typed in `assignment`, by example name: the first
    whose answers compile. Run All Above stops at a cell that raises, as Jupyter does, so a syntax error (loss's
    `does_not_run`) would leave every check and the export cell after it unrun."""
    if assignment in PREFERRED:
        return PREFERRED[assignment]
    return next(name for name, answers in sorted(mistakes(assignment).items()) if all(map(_compiles, answers.values())))


def _compiles(source: str) -> bool:
    try:
        compile(source, "<answer>", "exec")
    except SyntaxError:
        return False
    return True


@dataclass(frozen=True)
class Scenario:
    ui: str
    assignment: str
    typed: str  # "correct" or an example mistake's name
    rename: str | None = None  # renamed to this after the first export...
    then: str | None = None  # ...then these answers typed, and exported again

    @property
    def id(self) -> str:
        return f"{self.ui}-{self.assignment}"


def scenarios() -> list[Scenario]:
    """Each UI answers every assignment; per assignment one UI is correct and the other makes a mistake; `loss` is
    renamed mid-session in both UIs (then the correct one gets the mistake and vice versa)."""
    out = []
    for k, a in enumerate(ASSIGNMENTS):
        correct_ui, mistake_ui = ("lab", "notebook") if k % 2 == 0 else ("notebook", "lab")
        for ui, typed in ((correct_ui, "correct"), (mistake_ui, mistake_of(a))):
            if a == "loss":
                other = mistake_of(a) if typed == "correct" else "correct"
                name = f"{a} (1).ipynb" if ui == "lab" else f"{a}_ada.ipynb"
                out.append(Scenario(ui, a, typed, name, other))
            else:
                out.append(Scenario(ui, a, typed))
    return out


SCENARIOS = scenarios()


@dataclass
class Export:
    typed: str
    notebook: str  # the notebook's name when the export cell ran
    zip: Path
    link_path: str  # the path the download link points to
    link_status: int
    link_bytes: bytes
    disk_before: bytes | None = None  # the notebook file on disk just before the export cell ran


@dataclass
class Session:
    folder: Path
    answers: dict[str, list[str]] = field(default_factory=dict)  # example name -> typed answer texts
    exports: list[Export] = field(default_factory=list)
    first_cell_prompts: tuple[str, str] = ("", "")  # before the rename, at the last export
    feedback: list[tuple[str, str]] = field(default_factory=list)  # failed checks' feedback: (rendered, word-break)
    scores: dict[str, Future] = field(default_factory=dict)  # grader -> (score, possible) of the last export


def answer_texts(built: Path, assignment: str, example: str) -> list[str]:
    student = nbformat.read(built / assignment / "student" / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / assignment / "autograder" / f"{assignment}.ipynb", as_version=4)
    replace = None if example == "correct" else mistakes(assignment)[example]
    nb = fill(student, solution, replace=replace)
    return [c.source for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]


# ------------------------------------------------------------------ the three graders
def _otter_run(autograder_zip: Path, submission: Path, out: Path) -> dict:
    out.mkdir(parents=True)
    r = subprocess.run([str(OTTER), "run", "-a", str(autograder_zip), "-o", str(out), str(submission)], cwd=out,
                       capture_output=True, text=True, timeout=600)
    assert (out / "results.json").is_file(), f"otter run wrote no results.json: {r.stdout[-2000:]}{r.stderr[-2000:]}"
    return json.loads((out / "results.json").read_text())


def _lmcourse_grade(autograder_zip: Path, submission: Path, out: Path) -> dict:
    gf.grade(autograder_zip, [submission], out)
    result = gf.result(out, submission.name)
    assert result["extra_data"]["lmcourse"]["status"] == "Completed", result["extra_data"]["lmcourse"]
    return result


def _score(results: dict) -> tuple[float, float]:
    scored = [t for t in results["tests"] if t.get("max_score") is not None]
    return sum(t["score"] for t in scored), sum(t["max_score"] for t in scored)


@dataclass
class Graders:
    """Stock `otter run`, the Gradescope emulation and `lmcourse grade` of one zip, each a background job."""
    built: Path
    gradescope: Future  # of a Gradescope, set up in the background too
    out: Path
    pool: ThreadPoolExecutor

    def submit(self, assignment: str, submission: Path) -> dict[str, Future]:
        autograder_zip = self.built / assignment / "autograder" / "autograder.zip"
        out = self.out / submission.stem
        return {"otter run": self.pool.submit(lambda: _score(_otter_run(autograder_zip, submission, out / "otter"))),
                "gradescope": self.pool.submit(lambda: _score(self.gradescope.result().grade(assignment, submission))),
                "lmcourse grade": self.pool.submit(lambda: _score(_lmcourse_grade(autograder_zip, submission,
                                                                                  out / "ours")))}


@pytest.fixture(scope="module")
def graders(built, gradescope_soon, tmp_path_factory):
    with ThreadPoolExecutor(2) as pool:
        yield Graders(built, gradescope_soon, tmp_path_factory.mktemp("graded"), pool)


# ------------------------------------------------------------------ one server, one browser, every session
@pytest.fixture(scope="module")
def jupyter(kit_venv, kit_tmp):
    venv, _ = kit_venv
    root = kit_tmp / "students"
    root.mkdir()
    server = JupyterServer(root, venv / "bin" / "python", kit_tmp / "jupyter")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium (as root)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = b.new_context(viewport={"width": 1280, "height": 900})
        yield context
        context.close()
        b.close()


@pytest.fixture(scope="module")
def sessions(built, graders, jupyter, browser):
    """session(scenario) -> Session, each run once in the browser; its last zip then goes to the graders."""
    cache: dict[Scenario, Session | BaseException] = {}

    def get(s: Scenario) -> Session:
        if s not in cache:
            try:
                cache[s] = _run_session(s, built, jupyter, browser)
            except BaseException as e:  # the later tests of this session report this failure, not a folder clash
                cache[s] = e
                raise
            cache[s].scores = graders.submit(s.assignment, cache[s].exports[-1].zip)
        if isinstance(cache[s], BaseException):
            pytest.fail(f"the {s.id} session failed in an earlier test: {cache[s]!r}"[:2000])
        return cache[s]

    return get


def _run_session(s: Scenario, built: Path, jupyter: JupyterServer, context) -> Session:
    a = s.assignment
    source = built / a / "student" / f"{a}.ipynb"
    folder = jupyter.root / s.id
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    nb = nbformat.read(source, as_version=4)
    answer_cells = [i for i, c in enumerate(nb.cells) if "otter_answer_cell" in c.metadata.get("tags", [])]
    (export_cell,) = [i for i, c in enumerate(nb.cells) if (c.metadata.get("lmcourse") or {}).get("key") == "submit"]
    session = Session(folder)
    page = context.new_page()
    try:
        ui = NotebookPage(page, s.ui, jupyter.url(s.ui, f"{s.id}/{source.name}", s.id), len(nb.cells))
        session.answers[s.typed] = answer_texts(built, a, s.typed)
        for i, text in zip(answer_cells, session.answers[s.typed], strict=True):
            ui.type_answer(i, text)
        ui.run_all_above(export_cell)  # every answer and every check
        session.feedback = ui.feedback()
        disk = (folder / source.name).read_bytes()
        session.exports.append(_export(ui, context, folder, export_cell, s.typed, source.name, disk))
        if s.rename:
            before = ui.prompt(0)
            ui.rename(s.rename)
            session.answers[s.then] = answer_texts(built, a, s.then)
            for i, old, new in zip(answer_cells, session.answers[s.typed], session.answers[s.then], strict=True):
                if old != new:
                    ui.type_answer(i, new)
                    ui.run(i)
            session.exports.append(_export(ui, context, folder, export_cell, s.then, s.rename, None))
            session.first_cell_prompts = (before, ui.prompt(0))
    finally:
        page.close()
        jupyter.shut_down_kernels()
    return session


def _export(ui: NotebookPage, context, folder: Path, cell: int, typed: str, name: str, disk: bytes | None) -> Export:
    before = set(folder.glob("*.zip"))
    ui.run(cell)
    href = ui.link(cell)
    response = context.request.get(href)
    (made,) = set(folder.glob("*.zip")) - before
    return Export(typed, name, made, urllib.parse.unquote(urllib.parse.urlsplit(href).path), response.status,
                  response.body(), disk)


# ------------------------------------------------------------------ the zip, as exported
@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.id)
def test_browser_export_zips_the_latest_notebook_at_top_level_without_absolute_paths(s, sessions, built, kit_tmp):
    session = sessions(s)
    assert len(session.exports) == (2 if s.rename else 1)
    for export in session.exports:
        with zipfile.ZipFile(export.zip) as z:
            names = z.namelist()
            contents = {n: z.read(n) for n in names}
        assert export.notebook in names and [n for n in names if n.endswith(".ipynb")] == [export.notebook], names
        assert all("/" not in n and "\\" not in n and ".." not in n for n in names), names
        assert export.zip.name.startswith(export.notebook.removesuffix(".ipynb") + "_")
        assert contents["__zip_filename__"].decode() == export.zip.name
        for text in (str(kit_tmp), str(session.folder), str(Path.home())):
            leaks = [n for n, data in contents.items() if text.encode() in data]
            assert not leaks, f"{s.id}: {text} appears in {leaks} of {export.zip.name}"
        nb = nbformat.reads(contents[export.notebook].decode(), as_version=4)
        typed = [c.source for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
        assert typed == session.answers[export.typed], f"{s.id}: the zip does not hold the answers typed last"
    first = session.exports[0]
    assert first.disk_before == (built / s.assignment / "student" / f"{s.assignment}.ipynb").read_bytes(), \
        "the notebook was saved before the export cell ran: the test would not show that export saves it"


@pytest.mark.parametrize("s", [s for s in SCENARIOS if s.typed != "correct"], ids=lambda s: s.id)
def test_browser_feedback_shows_as_written_and_breaks_lines_between_words(s, sessions):
    """Issue 16 item 5: a failed check's feedback, as the browser shows it, is the text Otter's plain output holds
    ("<unk>" included), in a block that breaks lines at spaces (JupyterLab's `<pre>` style broke words)."""
    session = sessions(s)
    with zipfile.ZipFile(session.exports[0].zip) as z:
        nb = nbformat.reads(z.read(session.exports[0].notebook).decode(), as_version=4)
    plain = " ".join(" ".join(o.get("data", {}).get("text/plain", "").split()) for c in nb.cells
                     if c.cell_type == "code" and "grader.check(" in c.source for o in c.get("outputs", []))
    assert session.feedback, f"{s.id}: no failed check shows feedback"
    for text, word_break in session.feedback:
        assert word_break == "normal" and " ".join(text.split()) in plain, (text, word_break)
    if s.assignment == "tokens":
        assert any("<unk>" in text for text, _ in session.feedback), session.feedback


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.id)
def test_browser_download_link_serves_the_zip(s, sessions, jupyter):
    session = sessions(s)
    for export in session.exports:
        assert export.link_status == 200, (s.id, export.link_path)
        assert export.link_path == f"/files/{session.folder.relative_to(jupyter.root).as_posix()}/{export.zip.name}"
        assert export.link_bytes == export.zip.read_bytes()


@pytest.mark.parametrize("s", [s for s in SCENARIOS if s.rename], ids=lambda s: s.id)
def test_browser_rename_mid_session_exports_under_the_new_name_without_rerunning_the_first_cell(s, sessions):
    session = sessions(s)
    before, after = session.first_cell_prompts
    assert before == after and before.startswith("[") and before != "[ ]:", session.first_cell_prompts
    assert [e.notebook for e in session.exports] == [f"{s.assignment}.ipynb", s.rename]
    assert [e.typed for e in session.exports] == [s.typed, s.then]
    assert sorted(p.name for p in session.folder.glob("*.ipynb")) == [s.rename]  # renamed, not copied


# ------------------------------------------------------------------ one zip, three graders, one score
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_browser_zips_score_the_same_in_otter_run_gradescope_and_lmcourse_grade(assignment, sessions):
    expected = json.loads((EXAMPLES / assignment / "expected.json").read_text())
    mine = [sessions(s) for s in SCENARIOS if s.assignment == assignment]
    assert sorted(m.exports[-1].typed == "correct" for m in mine) == [False, True], "one correct zip, one mistake"
    for m in mine:
        export = m.exports[-1]
        scores = {grader: future.result() for grader, future in m.scores.items()}
        want = expected["correct.ipynb"] if export.typed == "correct" else expected[f"{export.typed}.ipynb"]
        assert {possible for _, possible in scores.values()} == {expected["correct.ipynb"]}, scores
        assert all(score == pytest.approx(want) for score, _ in scores.values()), (export.zip.name, want, scores)


def test_browser_covers_both_uis_every_assignment_and_both_renames():
    assert {(s.ui, s.assignment) for s in SCENARIOS} == {(ui, a) for ui in UIS for a in ASSIGNMENTS}
    assert sorted(s.rename for s in SCENARIOS if s.rename) == ["loss (1).ipynb", "loss_ada.ipynb"]
