"""Find course content by folder: assignments, their questions (numbered by folder order) and reference solutions.

Layout (see AUTHORING.md):
    assignments/<id>/assignment.py           TITLE, params(seed) -> dict, data_cell(p) -> str [, PROBE_HELPERS]
    assignments/<id>/intro.md.j2             the notebook's introduction (Jinja2, with p and title)
    assignments/<id>/NN_<slug>/prompt.md.j2  a code question: its prompt (Jinja2, with p and number) ...
    assignments/<id>/NN_<slug>/checks.py     ... question(p, name) -> autograder.runtime.checks.Question
    assignments/<id>/NN_<slug>/mistakes.py   ... EXAMPLES: example name -> a wrong version of the function
    assignments/<id>/NN_<slug>/mcq.toml      an MCQ question instead: item = "<quiz item id>" [, points = 1]
    solutions/<id>/<slug>.py                 the reference fill-in of a code question
Question n (1-based, folders sorted by name) is called "q<n>"; the NN_ prefix only orders them.
A folder without assignment.py (e.g. assignments/quiz, the quiz item bank) is not an assignment.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
QUESTION_DIR = re.compile(r"^(\d+)_([a-z][a-z0-9_]*)$")


class ContentError(ValueError):
    """Malformed content: the message names the file and the problem."""


@dataclass(frozen=True)
class QuestionDir:
    name: str  # "q3": position in folder order
    number: int
    slug: str  # folder name without the order prefix; also the solution file's stem
    path: Path
    kind: str  # "code" | "mcq"
    item: str | None = None  # the quiz item an MCQ question draws
    points: float = 1.0  # MCQ points (a code question's points come from its checks)

    def checks_module(self) -> ModuleType:
        return _module(self.path / "checks.py")

    def example_mistakes(self) -> dict[str, str]:
        """Example submission name -> replacement source of this question's function (mistakes.py's EXAMPLES)."""
        path = self.path / "mistakes.py"
        return dict(getattr(_module(path), "EXAMPLES", {})) if path.is_file() else {}


@dataclass(frozen=True)
class Assignment:
    id: str
    path: Path
    module: ModuleType
    questions: tuple[QuestionDir, ...]

    @property
    def title(self) -> str:
        return self.module.TITLE

    def solution_path(self, q: QuestionDir) -> Path:
        return self.path.parent.parent / "solutions" / self.id / f"{q.slug}.py"


def assignment_ids(root: Path = ROOT) -> list[str]:
    """Every assignment: a folder of assignments/ holding assignment.py, sorted by name."""
    return sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.py"))


def load_assignment(assignment: str, root: Path = ROOT) -> Assignment:
    path = root / "assignments" / assignment
    if not (path / "assignment.py").is_file():
        known = ", ".join(assignment_ids(root))
        raise ContentError(f"unknown assignment {assignment!r}; known: {known}")
    module = importlib.import_module(f"assignments.{assignment}.assignment")
    if Path(module.__file__).resolve() != (path / "assignment.py").resolve():
        module = _module(path / "assignment.py")
    for attr in ("TITLE", "params", "data_cell"):
        if not hasattr(module, attr):
            raise ContentError(f"{path / 'assignment.py'}: missing {attr}")
    return Assignment(assignment, path, module, tuple(_questions(path)))


def _questions(path: Path) -> list[QuestionDir]:
    dirs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    out = []
    for d in dirs:
        m = QUESTION_DIR.match(d.name)
        if not m:
            raise ContentError(f"{d}: a question folder is named NN_<slug> (digits, underscore, lowercase slug)")
        name, slug = f"q{len(out) + 1}", m.group(2)
        if (d / "mcq.toml").is_file():
            try:
                cfg = tomllib.loads((d / "mcq.toml").read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise ContentError(f"{d / 'mcq.toml'}: {e}") from e
            if not isinstance(cfg.get("item"), str):
                raise ContentError(f"{d / 'mcq.toml'}: needs item = \"<quiz item id>\"")
            out.append(QuestionDir(name, len(out) + 1, slug, d, "mcq", cfg["item"], float(cfg.get("points", 1))))
        elif (d / "checks.py").is_file() and (d / "prompt.md.j2").is_file():
            out.append(QuestionDir(name, len(out) + 1, slug, d, "code"))
        else:
            raise ContentError(f"{d}: a question folder holds prompt.md.j2 and checks.py, or mcq.toml")
    if not out:
        raise ContentError(f"{path}: no question folders")
    return out


@functools.cache
def _module(path: Path) -> ModuleType:
    """Load a content file by path (question folders start with digits, so they are not importable by name)."""
    spec = importlib.util.spec_from_file_location(f"lmcourse_content_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise ContentError(f"{path}: cannot load")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forbidden_functions(root: Path = ROOT) -> list[str]:
    """The union of every code question's `forbidden` list across all assignments (default variant), sorted: what
    the student edition of lmcore leaves out (autograder/kit/edition.py)."""
    from autograder.runtime.checks import Question

    names: set[str] = set()
    for assignment_id in assignment_ids(root):
        a = load_assignment(assignment_id, root)
        params = a.module.params(None)  # the default variant; forbidden lists do not depend on the variant
        for q in a.questions:
            if q.kind == "code":
                built = q.checks_module().question(params, q.name)
                if not isinstance(built, Question):
                    raise ContentError(f"{q.path / 'checks.py'}: question(p, name) must return a Question")
                names.update(built.forbidden)
    return sorted(names)
