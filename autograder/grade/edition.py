"""The only Python packages of ours a grading jail can import: the student edition of lmcore, the student runtime and
the jail's own code, written into one folder that becomes the first entry of the worker's sys.path.

The warm worker is exec'd as `python -I -S` with an explicit sys.path: this folder, the standard library and the
third-party site-packages (whose .pth files are not processed, so an editable install's finder never runs). So the
checkout, the full reference lmcore, `assignments/` and the build tools are not importable in the jail: the capability
to compute a hidden expectation is not there, rather than watched.

Where the student lmcore comes from, first found wins:
  1. a wheel inside the autograder zip that holds `lmcore/` (the kit's student edition);
  2. `autograder.kit.edition.write_student_edition(dest, forbidden)`, when that module exists;
  3. a copy of this checkout's lmcore whose forbidden functions (every question's `forbidden` list) keep their
     signature and docstring but only raise NotImplementedError. A forbidden function that the assignment's own
     setup code or probes call is kept (it is listed in `Edition.kept`), since the probes could not run without it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import autograder.grade
import autograder.runtime
from autograder.runtime.checks import Checks

JAIL_PACKAGE = "lmcourse_jail"
JAIL_MODULES = ("worker.py", "sandbox.py", "harness.py")
HIDDEN_PACKAGES = ("lmcore", "autograder", "assignments", "solutions")  # never visible from site-packages in a jail


@dataclass
class Edition:
    root: Path
    source: str  # "wheel:<name>", "kit", or "stubbed copy"
    kept: list[str] = field(default_factory=list)  # forbidden functions left in because the probes call them


def forbidden_names(checks: list[Checks]) -> tuple[list[str], list[str]]:
    """(functions to leave out, forbidden functions the grader's own setup/probes call and so must keep)."""
    names = sorted({f for c in checks for q in c.questions for f in q.forbidden})
    used_text = "\n".join([c.setup for c in checks] + [t.probe for c in checks for q in c.questions for t in q.tests])
    out, kept = [], []
    for dotted in names:
        parts = dotted.split(".")
        # lmcore.losses.dataset_loss -> dataset_loss; lmcore.tokenize.Vocabulary.build -> Vocabulary (the class)
        short = parts[2] if len(parts) > 2 else parts[-1]
        (kept if re.search(rf"\blmcore(\.\w+)*\.{re.escape(short)}\b", used_text) else out).append(dotted)
    return out, kept


def write(dest: Path, bundle_zip: Path, checks: list[Checks]) -> Edition:
    """Fill `dest` (an empty folder) with lmcore (student edition), autograder.runtime and the jail's code."""
    dest.mkdir(parents=True, exist_ok=True)
    out, kept = forbidden_names(checks)
    source = _from_wheel(dest, bundle_zip)
    if source is None:
        source = _from_kit(dest, out)
    if source is None:
        _stubbed_copy(dest / "lmcore", out)
        source = "stubbed copy"
    if not (dest / "autograder" / "runtime").is_dir():
        _copy_package(Path(autograder.runtime.__file__).parent, dest / "autograder" / "runtime")
    (dest / "autograder" / "__init__.py").write_text("")  # not the tools' package: only its runtime is here
    jail = dest / JAIL_PACKAGE
    jail.mkdir(exist_ok=True)
    (jail / "__init__.py").write_text('"""The grading jail: the warm worker, the sandbox and the harness."""\n')
    here = Path(autograder.grade.__file__).parent
    for name in JAIL_MODULES:
        shutil.copyfile(here / name, jail / name)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return Edition(dest, source, kept)


def _copy_package(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)


def _from_wheel(dest: Path, bundle_zip: Path) -> str | None:
    with zipfile.ZipFile(bundle_zip) as z:
        for name in z.namelist():
            if not name.endswith(".whl"):
                continue
            wheel = zipfile.ZipFile(io.BytesIO(z.read(name)))
            members = wheel.namelist()
            if "lmcore/__init__.py" not in members:
                continue
            for m in members:
                parts = m.split("/")
                if m.endswith("/") or ".." in parts or m.startswith("/"):
                    continue
                if parts[0] == "lmcore" or parts[:2] == ["autograder", "runtime"]:
                    target = dest.joinpath(*parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(wheel.read(m))
            return f"wheel:{name}"
    return None


def _from_kit(dest: Path, forbidden: list[str]) -> str | None:
    try:
        kit = importlib.import_module("autograder.kit.edition")
    except ImportError:
        return None
    scratch = dest / ".kit"
    made = Path(kit.write_student_edition(scratch, forbidden))
    inits = sorted(made.rglob("lmcore/__init__.py"), key=lambda p: len(p.parts)) if made.is_dir() else []
    if not inits:
        raise RuntimeError(f"autograder.kit.edition wrote no lmcore package under {made}")
    root = inits[0].parent.parent
    _copy_package(root / "lmcore", dest / "lmcore")
    if (root / "autograder" / "runtime").is_dir():
        _copy_package(root / "autograder" / "runtime", dest / "autograder" / "runtime")
    shutil.rmtree(scratch, ignore_errors=True)
    return "kit"


class _Stub(ast.NodeTransformer):
    """Replace the body of each named function (`f` or `Class.method`) by `raise NotImplementedError(...)`."""

    def __init__(self, targets: set[str], module: str) -> None:
        self.targets, self.module, self.scope = targets, module, []

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        qual = ".".join([*self.scope, node.name])
        if qual in self.targets:
            doc = ast.get_docstring(node, clean=False)
            msg = (f"{self.module}.{qual} is not part of the student edition of lmcore: the assignment asks you to "
                   "write it yourself")
            body = ast.parse(f"raise NotImplementedError({msg!r})").body
            node.body = ([ast.Expr(ast.Constant(doc))] if doc else []) + body
            node.decorator_list = [d for d in node.decorator_list if not _is_torch_decorator(d)]
        return node


def _is_torch_decorator(d: ast.expr) -> bool:
    return "torch" in ast.unparse(d)


def _stubbed_copy(dest: Path, forbidden: list[str]) -> None:
    spec = importlib.util.find_spec("lmcore")  # found, not imported: the grader need not load torch
    if spec is None or spec.origin is None:
        raise RuntimeError("lmcore is not installed: cannot write the student edition")
    src = Path(spec.origin).parent
    _copy_package(src, dest)
    by_module: dict[str, set[str]] = {}
    for dotted in forbidden:
        parts = dotted.split(".")
        if len(parts) >= 3 and parts[0] == "lmcore":
            by_module.setdefault(parts[1], set()).add(".".join(parts[2:]))
    for module, targets in by_module.items():
        path = dest / f"{module}.py"
        if not path.is_file():
            continue
        tree = _Stub(targets, f"lmcore.{module}").visit(ast.parse(path.read_text(encoding="utf-8")))
        path.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")
