"""The quiz engine (autograder.quiz.engine): items discovered from assignments/quiz/items/ in a stable order, mistake
ids from the one catalogue, clear errors for a malformed item file, and the "add a quiz item" recipe followed in a
temporary copy of the content."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.quiz import engine
from autograder.quiz.engine import item_ids, item_module, render_variant
from autograder.runtime.mistakes import MISTAKES

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

ROOT = Path(__file__).parents[2]


def test_quiz_engine_discovers_every_item_file_in_order():
    files = sorted(p.stem for p in (ROOT / "assignments" / "quiz" / "items").glob("*.py") if p.stem[0] != "_")
    ids = item_ids()
    assert sorted(ids) == files
    assert ids == sorted(files, key=lambda i: (item_module(i).ORDER, i))  # by ORDER, then file name


def test_quiz_engine_content_holds_no_engine():
    """Content only: the item package lists nothing and imports no tool."""
    init = (ROOT / "assignments" / "quiz" / "__init__.py").read_text(encoding="utf-8")
    assert "ITEMS" not in init and "render_variant" not in init
    for path in (ROOT / "assignments" / "quiz").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in mods if m.startswith("autograder")], path


def test_quiz_engine_every_mistake_id_is_catalogued():
    used: dict[str, str] = {}
    for item in item_ids():
        for index in range(300):
            v = render_variant(item, 3, index)
            for m in v.get("mistakes", []) + [c for c in v.get("choices", []) if not c["correct"]]:
                used.setdefault(m["mistake"], f"{item}/3/{index}")
    unknown = {m: where for m, where in used.items() if m not in MISTAKES}
    assert not unknown, f"mistake ids not in autograder/runtime/mistakes.py: {unknown}"
    assert {"mean-instead-of-sum", "missing-minus", "loss-term-for-x0", "mean-per-token",
            "product-of-probabilities"} <= set(used)


def _copy_content(tmp_path: Path) -> Path:
    """A checkout whose content (assignments/) is a copy: tools and lmcore still come from this worktree."""
    shutil.copytree(ROOT / "assignments", tmp_path / "assignments",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "assignments" / "quiz" / "items"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)])}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # a pytest run and a quiz export in a copy
def test_quiz_engine_recipe_adds_an_item_with_one_file(tmp_path):
    """Follows AUTHORING.md's quiz-item recipe: its example file is the only change, the item tests pass on it and
    the export contains it, in the place its ORDER gives it (the whole content suite: test_authoring.py)."""
    from recipes import recipe_files

    ((path, code),) = [(p, c) for p, c in recipe_files().items() if p.startswith("assignments/quiz/items/")]
    name = Path(path).stem
    items = _copy_content(tmp_path)
    (items / f"{name}.py").write_text(code, encoding="utf-8")
    tests = [str(ROOT / "tests" / "assignments" / f) for f in ("test_quiz_exact_keys.py", "test_quiz_items.py")]
    r = _run(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests, "-k", name)
    assert r.returncode == 0 and re.search(r"\b3 passed", r.stdout), r.stdout[-3000:]  # keys, answers, determinism
    out = tmp_path / "quiz"
    r = _run(tmp_path, "-m", "autograder.cli", "quiz", "--variants", "3", "--format", "gift,moodle-xml,json",
             "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads((out / "quiz.json").read_text(encoding="utf-8"))
    order = {i: item_module(i).ORDER for i in item_ids()} | {name: int(re.search(r"^ORDER = (\d+)", code,
                                                                                 flags=re.M).group(1))}
    assert doc["items"] == sorted(order, key=lambda i: (order[i], i))
    mine = [v for v in doc["variants"] if v["item"] == name]
    assert len(mine) == 3 and all(m["mistake"] in MISTAKES for v in mine for m in v["mistakes"])
    assert f"$CATEGORY: $course$/top/lmcourse/{name}" in (out / "quiz.gift").read_text(encoding="utf-8")
    assert f"<text>{name}/0/0</text>" in (out / "quiz.moodle.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("file", "text", "message"), [
    ("broken.py", "TYPE = 'mcq'\n", "must define ORDER, TYPE"),
    ("Bad-Name.py", "", "lower-case identifiers"),
    ("wrong_type.py", "ORDER = 1\nTYPE = 'essay'\nTITLE = STEM = ''\nORIGINAL = {}\n"
     "def generate(rng): return {}\ndef solve(p): return {}\n", "TYPE must be one of"),
])
def test_quiz_engine_malformed_item_names_the_file(tmp_path, file, text, message):
    items = _copy_content(tmp_path)
    (items / file).write_text(text, encoding="utf-8")
    r = _run(tmp_path, "-m", "autograder.cli", "quiz", "--out", str(tmp_path / "q"))
    assert r.returncode != 0 and message in r.stderr and str(items / file) in r.stderr


def test_quiz_engine_unknown_item():
    with pytest.raises(KeyError, match="unknown quiz item 'nope'; known items: total_loss"):
        item_module("nope")
    assert engine.items_dir() == ROOT / "assignments" / "quiz" / "items"
