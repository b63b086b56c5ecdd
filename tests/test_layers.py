"""Layers import one way: lmcore <- autograder.runtime <- content (assignments/, solutions/) <- tools, and among the
tools each package imports only packages below it (PACKAGES, lowest first): no import circle between packages.

Read from the source with `ast` (every import statement, also inside functions), so a lazy import counts too.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the tool packages by rank: a package may import its own modules and packages of a lower rank only
PACKAGES = {"autograder.course": 0, "autograder.kit": 1, "autograder.quiz": 1, "autograder.grade": 2,
            "autograder.term": 3, "autograder.build": 4, "autograder.cli": 5}
TOOLS = tuple(PACKAGES)


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                package = path.relative_to(root).parts[:-1]
                base = ".".join(package[:len(package) - node.level + 1])
                module = f"{base}.{module}" if module else base
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
    return names


def _offenders(folder: str, banned: tuple[str, ...], root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in _imports(path, root):
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


@pytest.mark.parametrize("package", list(PACKAGES))
def test_tool_packages_import_only_downward(package):
    rank = PACKAGES[package]
    banned = tuple(p for p, r in PACKAGES.items() if p != package and r >= rank)
    assert _offenders(package.replace(".", "/"), banned) == [] if (ROOT / package.replace(".", "/")).is_dir() else True


def test_tools_are_packages_not_loose_modules():
    """Every tool lives in a package of PACKAGES (or the runtime): no loose modules at the top of autograder/."""
    loose = sorted(p.name for p in (ROOT / "autograder").glob("*.py") if p.name != "__init__.py")
    folders = sorted(p.name for p in (ROOT / "autograder").iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert loose == []
    assert set(folders) <= {p.split(".")[1] for p in PACKAGES} | {"runtime"}


def test_relative_imports_resolve_to_their_package(tmp_path):
    (tmp_path / "autograder" / "kit").mkdir(parents=True)
    (tmp_path / "autograder" / "kit" / "m.py").write_text("from ..grade import batch\nfrom . import edition\n")
    assert sorted(_offenders("autograder/kit", ("autograder.grade",), tmp_path)) == [
        "autograder/kit/m.py imports autograder.grade", "autograder/kit/m.py imports autograder.grade.batch"]


def test_every_tool_folder_is_a_package_and_no_source_is_git_ignored():
    """A package's __init__.py exists and is not hidden by a .gitignore pattern (`build/` once matched
    autograder/build/, and its __init__.py never reached a commit)."""
    dirs = {p.parent for p in (ROOT / "autograder").rglob("*.py") if "__pycache__" not in p.parts}
    assert sorted(str(d.relative_to(ROOT)) for d in dirs if not (d / "__init__.py").is_file()) == []
    files = [str(p.relative_to(ROOT)) for d in ("autograder", "lmcore", "assignments", "solutions")
             for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".j2", ".toml") and "__pycache__" not in p.parts]
    r = subprocess.run(["git", "check-ignore", "--no-index", *files], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr  # 1: nothing ignored
    assert r.stdout.split() == []
