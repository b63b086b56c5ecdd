"""AUTHORING.md's recipes, followed in a temporary copy of the repository: adding a question is creating its folder
and its solution file; adding an assignment is creating its folder. Each build then contains the new work and its
solution notebook scores 100 %."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

def _question(jinja_x: str, python_x: str) -> tuple[str, str]:
    """prompt.md.j2 and checks.py of a `double(x)` question, x read from the assignment's parameters."""
    prompt = f"**Question {{{{ number }}}}.** Write `double(x)` returning 2x. For x = {{{{ {jinja_x} }}}} that is " \
             f"{{{{ 2 * {jinja_x} }}}}.\n"
    checks = f"""\
from autograder.runtime.checks import Question, Test


def question(p: dict, name: str) -> Question:
    x = {python_x}
    return Question(name, 2, [
        Test(f"{{name}} doubles", f"double({{x!r}})", 2.0 * x),
        Test(f"{{name}} doubles again", "double(-1.5)", -3.0, hidden=True),
    ])
"""
    return prompt, checks


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
ASSIGNMENT = """\
TITLE = "Doubling"


def params(seed):
    return {"x": 21 if seed is None else seed % 50}


def data_cell(p):
    return f"X = {p['x']!r}"
"""
BUILD_AND_SCORE = """\
import json, sys
from pathlib import Path
from autograder.build import build_assignment
from autograder.build.examples import score
from autograder.runtime.checks import Checks

out = Path(sys.argv[1])
result = {}
for a in sys.argv[2:]:
    build_assignment(a, out, [], None)
    checks = Checks.from_json((out / a / "autograder" / "checks" / "default.json").read_text())
    result[a] = {"questions": [q.name for q in checks.questions],
                 "possible": sum(q.points for q in checks.questions),
                 "solution": score(out / a / "autograder" / f"{a}.ipynb", checks),
                 "student": (out / a / "student" / f"{a}.ipynb").read_text()}
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The repository's code and content, copied; the recipes then only add files."""
    root = tmp_path_factory.mktemp("repo")
    for d in ("autograder", "lmcore", "assignments", "solutions"):
        shutil.copytree(ROOT / d, root / d, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_authoring_recipes_add_a_question_and_an_assignment(copy: Path, tmp_path: Path):
    before = sorted(p.name for p in (copy / "assignments" / "loss").iterdir())
    # recipe "add a question": its folder and its solution, nothing else
    prompt, checks = _question("p.steps[0]", 'p["steps"][0]')
    _write(copy / "assignments" / "loss" / "08_double" / "prompt.md.j2", prompt)
    _write(copy / "assignments" / "loss" / "08_double" / "checks.py", checks)
    _write(copy / "solutions" / "loss" / "double.py", SOLUTION)
    # recipe "add an assignment": its folder (module, intro, one question) and its solution
    demo = copy / "assignments" / "demo"
    _write(demo / "__init__.py", "")
    _write(demo / "assignment.py", ASSIGNMENT)
    _write(demo / "intro.md.j2", "# {{ title }}\n\nRun the data cell first.\n")
    prompt, checks = _question("p.x", 'p["x"]')
    _write(demo / "01_double" / "prompt.md.j2", prompt)
    _write(demo / "01_double" / "checks.py", checks)
    _write(copy / "solutions" / "demo" / "double.py", SOLUTION)

    env = {**os.environ, "PYTHONPATH": str(copy)}
    proc = subprocess.run([sys.executable, "-c", BUILD_AND_SCORE, str(tmp_path / "dist"), "loss", "demo"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    loss = result["loss"]
    assert loss["questions"] == [f"q{i}" for i in range(1, 9)]  # the new folder is q8
    points = json.loads((ROOT / "examples" / "submissions" / "loss" / "expected.json").read_text())["correct.ipynb"]
    assert loss["possible"] == points + 2 and loss["solution"] == loss["possible"]  # the solution scores 100 %
    assert "**Question 8.** Write `double(x)` returning 2x. For x = 1.2 that is 2.4" in loss["student"]
    assert "return 2 * x" not in loss["student"]
    demo_result = result["demo"]
    assert demo_result["questions"] == ["q1"] and demo_result["solution"] == demo_result["possible"] == 2
    assert "For x = 21 that is 42" in demo_result["student"]
    ids = subprocess.run([sys.executable, "-c", "from autograder.course.content import assignment_ids as a; "
                          "print(a())"], cwd=copy, env=env, capture_output=True, text=True, check=True)
    assert ids.stdout.strip() == "['demo', 'loss', 'tokens', 'training']"
    assert sorted(p.name for p in (copy / "assignments" / "loss").iterdir()) == sorted([*before, "08_double"])
