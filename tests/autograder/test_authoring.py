"""AUTHORING.md's recipes, followed in a temporary copy of the repository with the files the recipes show (read from
AUTHORING.md): the perplexity question and quiz item, then the verification commands the recipe gives, then the
content and export test suite (`pytest -m content`) run there untouched. Also: adding an assignment is creating its
folder, and a question inserted among handed-out ones renames none of them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from recipes import recipe_files, write_recipe_files

ROOT = Path(__file__).resolve().parents[2]
REPO = ("autograder", "lmcore", "assignments", "solutions", "tests", "examples", "docs", "benchmarks")
REPO_FILES = ("AUTHORING.md", "README.md", "pyproject.toml")


def _copy(dest: Path, with_tests: bool = False) -> Path:
    """The repository's code and content (and with_tests its tests, examples and docs), copied."""
    for d in REPO if with_tests else REPO[:4]:
        shutil.copytree(ROOT / d, dest / d, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for f in REPO_FILES if with_tests else ():
        shutil.copyfile(ROOT / f, dest / f)
    return dest


def _run(root: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _names(root: Path, assignment: str) -> dict[str, str]:
    return tomllib.loads((root / "assignments" / assignment / "names.toml").read_text(encoding="utf-8"))


def test_authoring_recipe_files_are_in_authoring_md():
    files = recipe_files()
    question = [p for p in files if p.startswith("assignments/loss/")]
    assert {Path(p).name for p in question} == {"prompt.md.j2", "checks.py", "mistakes.py"}
    assert len({Path(p).parent for p in question}) == 1
    assert [p for p in files if p.startswith("solutions/")] and [p for p in files if "/quiz/items/" in p]
    checks = files[next(p for p in question if p.endswith("checks.py"))]
    assert "mean-per-token" in checks and "REQUIREMENTS = [" in checks  # its known mistakes and its requirements
    mistakes = files[next(p for p in question if p.endswith("mistakes.py"))]
    assert "MISTAKES = {" in mistakes and "EXAMPLES = {" in mistakes  # an id of its own, declared with its words
    slug = Path(next(iter(question))).parent.name.split("_", 1)[1]
    assert f"tests/support/corpus/loss/{slug}.py" in files  # its corpus: a file, no table edited
    assert not [p for p in files if p.startswith(("autograder/", "lmcore/"))]  # no tool file


@pytest.mark.slow
def test_authoring_recipes_keep_the_content_and_export_tests_green(tmp_path):
    """The perplexity question and quiz item, added by the recipes; then `lmcourse prove`, examples --update and
    `pytest -m content`, as AUTHORING.md says, in the copy."""
    root = _copy(tmp_path / "repo", with_tests=True)
    before = _names(root, "loss")
    written = write_recipe_files(root)
    folder = Path(next(p for p in written if p.endswith("/checks.py"))).parent
    slug = folder.name.split("_", 1)[1]
    example = next(iter(re.findall(r'"(\w+)": "def ', recipe_files()[f"{folder}/mistakes.py"])))

    r = _run(root, "-m", "autograder.cli", "prove", "loss")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    new = f"q{max(int(n[1:]) for n in before.values()) + 1}"
    assert _names(root, "loss") == {**before, slug: new}  # the build named it; no other name changed
    assert re.search(r"^loss: proof on the default variant: \d+ notebooks graded in \d+\.\d s$", r.stdout, re.M)
    assert re.search(r"^  solution +all +(\d+)/\1 .*ok", r.stdout, flags=re.M), r.stdout
    assert re.search(rf"^  {example} +{new} +0/2 on {new} +mean-per-token +ok", r.stdout, flags=re.M), r.stdout
    assert re.search(rf"^  memorized-1 +.*{new}.* 0/\d+ hidden passed .*ok", r.stdout, flags=re.M), r.stdout

    r = _run(root, "-m", "autograder.build.examples", "--update", "loss")
    assert r.returncode == 0, r.stderr[-3000:]
    expected = json.loads((root / "examples" / "submissions" / "loss" / "expected.json").read_text())
    assert f"{example}.ipynb" in expected and expected["blank.ipynb"] == 0

    r = _run(root, "tests/support/mutation.py", "loss")  # the corpus: every wrong answer named, none misleading
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(rf"^\| loss \| {new} {slug} \| (\d+) \| \1 \(100%\) \| 0 \| 0 \| 0 \|$", r.stdout, re.M), r.stdout

    r = _run(root, "-m", "pytest", "-m", "content", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
             timeout=3000)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert re.search(r"\d+ passed", r.stdout) and " failed" not in r.stdout.splitlines()[-1], r.stdout[-2000:]


ASSIGNMENT = """\
TITLE = "Doubling"


def params(seed):
    return {"x": 21 if seed is None else seed % 50}


def data_cell(p):
    return f"X = {p['x']!r}"
"""
CHECKS = """\
from autograder.runtime.checks import Question, Test


def question(p: dict, name: str) -> Question:
    return Question(name, 2, [
        Test(f"{name} doubles", f"double({p['x']!r})", 2.0 * p["x"]),
        Test(f"{name} doubles another number", "double(-1.5)", -3.0, hidden=True),
    ])
"""
SOLUTION = '''\
def double(x):
    """2x."""
    # BEGIN SOLUTION NO PROMPT
    return 2 * x
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("multiply by two")
    """ # END PROMPT
'''


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.mark.slow
def test_authoring_recipe_adds_an_assignment_and_the_build_proves_it(tmp_path):
    root = _copy(tmp_path / "repo")
    demo = root / "assignments" / "demo"
    _write(demo / "__init__.py", "")
    _write(demo / "assignment.py", ASSIGNMENT)
    _write(demo / "intro.md.j2", "# {{ title }}\n\nRun the data cell first.\n")
    _write(demo / "01_double" / "prompt.md.j2", "**Question {{ number }}.** Write `double(x)`; here x = {{ p.x }}.\n")
    _write(demo / "01_double" / "checks.py", CHECKS)
    _write(root / "solutions" / "demo" / "double.py", SOLUTION)

    r = _run(root, "-m", "autograder.cli", "build", "demo", "--out", str(tmp_path / "dist"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert re.search(r"^  solution +all +2/2 ", r.stdout, flags=re.M), r.stdout
    assert _names(root, "demo") == {"double": "q1"}
    student = (tmp_path / "dist" / "demo" / "student" / "demo.ipynb").read_text(encoding="utf-8")
    assert "**Question 1.** Write `double(x)`; here x = 21." in student and "return 2 * x" not in student
    assert (tmp_path / "dist" / "demo" / "autograder" / "autograder.zip").is_file()
    ids = _run(root, "-c", "from autograder.course.content import assignment_ids as a; print(a())")
    assert "'demo'" in ids.stdout


@pytest.mark.slow
def test_authoring_inserting_a_question_keeps_handed_out_notebooks_valid(tmp_path):
    """A question inserted as folder 02 (the later folders renumbered) gets a new name; a notebook handed out before,
    its MCQ answer variable included, is graded by the new build on every question it has, in full."""
    root = _copy(tmp_path / "repo")
    loss = root / "assignments" / "loss"
    before = _names(root, "loss")
    folders = sorted(p for p in loss.iterdir() if re.match(r"\d+_", p.name))
    for i, d in reversed(list(enumerate(folders[1:], start=3))):
        d.rename(loss / f"{i:02d}_{d.name.split('_', 1)[1]}")
    for path, body in recipe_files().items():  # the recipe's question, as folder 02
        if path.startswith(("assignments/loss/", "solutions/loss/")):
            target = root / re.sub(r"assignments/loss/\d+_", "assignments/loss/02_", path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")

    dist = tmp_path / "dist"
    r = _run(root, "-m", "autograder.cli", "build", "loss", "--out", str(dist))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    after = _names(root, "loss")
    (new,) = set(after) - set(before)
    assert {s: after[s] for s in before} == before and after[new] not in before.values()

    handed_out = ROOT / "examples" / "submissions" / "loss" / "correct.ipynb"  # built before the insertion
    assert "q7_answer" in handed_out.read_text(encoding="utf-8")
    r = _run(root, "-m", "autograder.cli", "grade", "-a", str(dist / "loss" / "autograder" / "autograder.zip"),
             str(handed_out), "--out", str(tmp_path / "grades"))
    assert r.returncode == 0, r.stderr[-3000:]
    (result,) = (tmp_path / "grades" / "results").glob("*.json")
    lm = json.loads(result.read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
    assert {q: lm["questions"][q] for q in before.values()} == {q: lm["points"][q] for q in before.values()}
    assert lm["questions"][after[new]] == 0

    # renumbering is explicit: --renumber names the questions in folder order again, and says what changed
    r = _run(root, "-m", "autograder.cli", "build", "loss", "--renumber", "--no-proof", "--out", str(dist))
    assert r.returncode == 0 and "UNPROVEN" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    slugs = [p.name.split("_", 1)[1] for p in sorted(loss.iterdir()) if re.match(r"\d+_", p.name)]
    assert _names(root, "loss") == {s: f"q{i}" for i, s in enumerate(slugs, start=1)}
    assert f"{new}: {after[new]} -> q2" in r.stdout
