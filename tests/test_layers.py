"""Layers import one way: lmcore <- autograder.runtime <- content (assignments/, solutions/) <- tools.

Read from the source with `ast` (every import statement, also inside functions), so a lazy import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("autograder.build", "autograder.grade", "autograder.quiz", "autograder.cli", "autograder.kit",
         "autograder.train", "autograder.demo", "autograder.variants")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _offenders(folder: str, banned: tuple[str, ...], root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                bad.append(f"{path.relative_to(root)} imports {name}")
    return bad


@pytest.mark.parametrize("folder, banned", [
    ("lmcore", ("autograder", "assignments", "solutions")),
    ("autograder/runtime", (*TOOLS, "assignments", "solutions")),
    ("assignments", TOOLS),
    ("solutions", (*TOOLS, "assignments")),
])
def test_layers_import_one_way(folder, banned):
    assert _offenders(folder, banned) == []


def test_layers_scan_sees_a_violation(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("def f():\n    from autograder.build import x\n")
    assert sorted(_offenders("pkg", TOOLS, tmp_path)) == ["pkg/m.py imports autograder.build",
                                                          "pkg/m.py imports autograder.build.x"]
