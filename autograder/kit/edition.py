"""The student edition of lmcore: the reference library minus every function a question asks students to write.

`write_student_edition(dest, forbidden)` writes `dest/lmcore/` and `dest/autograder/{__init__.py,runtime/}`. The
student lmcore is generated from the real sources by an AST analysis (see `autograder.kit.lmcore_ast`):
  * every name in `forbidden` is removed ("lmcore.losses.sequence_loss", "lmcore.tokenize.Vocabulary.build";
    a forbidden `__init__` removes its class), and so is everything that references a removed name, transitively;
  * the training and demo modules (`train*`, `demo`) are left out, and so is whatever needs them;
  * of the rest, only what the package's `__init__` still exports, and what that needs, is kept: private helpers
    of removed functions (e.g. the word-tokenizer's regex) go too.
So students and the grading jail can import the tools they are given (models, corpus, tokenizer where not asked)
and cannot import the implementation of an answer: it is not there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path

from autograder.kit.lmcore_ast import Package

EXCLUDED_MODULES = ("train", "train_*", "demo")  # glob patterns of lmcore modules never shipped to students


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"cannot find the {name} package")
    return Path(spec.origin).parent


def student_lmcore(forbidden: Iterable[str], source: Path | None = None) -> dict[str, str]:
    """{relative path: source text} of the student lmcore (e.g. "losses.py"), generated from `source`."""
    pkg = Package.parse(source or _package_dir("lmcore"), "lmcore", EXCLUDED_MODULES)
    return pkg.edition(forbidden)


def write_student_edition(dest: Path, forbidden: Iterable[str]) -> Path:
    """Write the student edition (dest/lmcore, dest/autograder/__init__.py, dest/autograder/runtime) and return dest.

    The runtime is copied as it is: it never imports the tools or the content (tests/test_layers.py asserts it).
    """
    dest = Path(dest)
    files = student_lmcore(forbidden)
    for sub in ("lmcore", "autograder"):
        shutil.rmtree(dest / sub, ignore_errors=True)
    (dest / "lmcore").mkdir(parents=True)
    for rel, text in files.items():
        (dest / "lmcore" / rel).write_text(text, encoding="utf-8")
    ag = _package_dir("autograder")
    (dest / "autograder").mkdir()
    (dest / "autograder" / "__init__.py").write_text((ag / "__init__.py").read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    shutil.copytree(ag / "runtime", dest / "autograder" / "runtime",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def forbidden_functions() -> list[str]:
    """The union of every question's forbidden list across all assignments (default variants), sorted.

    The one place that reads the content's forbidden lists; adapt it when the content API changes.
    """
    from autograder.build import ASSIGNMENTS, load_spec
    from autograder.variants import DEFAULT

    names: set[str] = set()
    for assignment in ASSIGNMENTS:
        spec = load_spec(assignment)
        for question in spec.checks(spec.params(DEFAULT)).questions:
            names.update(question.forbidden)
    return sorted(names)
