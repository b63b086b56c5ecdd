"""The only Python packages of ours a grading jail can import: the student edition of lmcore, the student runtime and
the jail's own code, written into one folder that becomes the first entry of the worker's sys.path.

The warm worker is exec'd as `python -I -S` with an explicit sys.path: this folder, the standard library and the
third-party site-packages (whose .pth files are not processed, so an editable install's finder never runs). So the
checkout, the full reference lmcore, `assignments/` and the build tools are not importable in the jail: the capability
to compute a hidden expectation is not there, rather than watched.

Where the student lmcore comes from, first found wins:
  1. a wheel inside the autograder zip that holds `lmcore/` (the kit's student edition, what students install);
  2. `autograder.kit.edition.write_student_edition(dest, forbidden)`, cut from this installation's lmcore with the
     bundle's forbidden lists (every question's `forbidden`, and whatever depends on them, is not there).
A forbidden function that the assignment's own setup code or probes call is kept (listed in `Edition.kept`), since
the probes could not run without it; the content should hand such values out as data instead.
"""

from __future__ import annotations

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
JAIL_MODULES = ("worker.py", "warmup.py", "sandbox.py", "harness.py", "mounts.py", "budget.py")
HIDDEN_PACKAGES = ("lmcore", "autograder", "assignments", "solutions")  # never visible from site-packages in a jail


@dataclass
class Edition:
    root: Path
    source: str  # "wheel:<name>" (the zip's student wheel) or "kit" (cut here from the bundle's forbidden lists)
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
    source = _from_wheel(dest, bundle_zip) or _from_kit(dest, out)
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


def _from_kit(dest: Path, forbidden: list[str]) -> str:
    from autograder.kit.edition import write_student_edition

    scratch = dest / ".kit"
    made = Path(write_student_edition(scratch, forbidden))
    _copy_package(made / "lmcore", dest / "lmcore")
    if (made / "autograder" / "runtime").is_dir():
        _copy_package(made / "autograder" / "runtime", dest / "autograder" / "runtime")
    shutil.rmtree(scratch, ignore_errors=True)
    return "kit"
