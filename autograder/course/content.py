"""Find course content by folder: assignments, their questions (numbered by folder order) and reference solutions.

Layout (see AUTHORING.md):
    assignments/<id>/assignment.py           TITLE, params(seed) -> dict, data_cell(p) -> str [, PROBE_HELPERS]
    assignments/<id>/intro.md.j2             the notebook's introduction (Jinja2, with p and title)
    assignments/<id>/NN_<slug>/prompt.md.j2  a code question: its prompt (Jinja2, with p and number) ...
    assignments/<id>/NN_<slug>/checks.py     ... question(p, name) -> autograder.runtime.checks.Question
    assignments/<id>/NN_<slug>/mistakes.py   ... EXAMPLES: example name -> a wrong version of the function
    assignments/<id>/NN_<slug>/mcq.toml      an MCQ question instead: item = "<quiz item id>" [, points = 1]
    assignments/<id>/names.toml              the names questions were handed out under: slug = "q<n>"
    solutions/<id>/<slug>.py                 the reference fill-in of a code question
Questions are shown in folder order (the NN_ prefix only orders them) and named by names.toml: a slug keeps the name
it was handed out under (Otter's question name, and `q<n>_answer` for an MCQ), so inserting a folder renames nothing;
a slug names.toml does not list yet gets the next unused number (the build writes it in, `write_names`), and a
retired slug's name is never reused. Without names.toml the questions are q1, q2, ... in folder order.
`lmcourse build --renumber` rewrites names.toml in folder order (explicitly: handed-out notebooks then disagree).
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

from autograder.course.outputs import write_atomic

ROOT = Path(__file__).resolve().parents[2]
QUESTION_DIR = re.compile(r"^(\d+)_([a-z][a-z0-9_]*)$")
QUESTION_NAME = re.compile(r"^q([1-9][0-9]*)$")
NAMES_FILE = "names.toml"
NAMES_HEADER = """\
# The names the questions of this assignment are handed out under, by folder slug (Otter's question name; an MCQ's
# answer variable is <name>_answer). Written by `lmcourse build`: a new folder gets the next unused name, and no name
# is reused, so notebooks already handed out stay valid when a folder is inserted, moved or removed. Commit this file.
# `lmcourse build --renumber <id>` renames every question in folder order (only before anything is handed out).
"""


class ContentError(ValueError):
    """Malformed content: the message names the file and the problem."""


@dataclass(frozen=True)
class QuestionDir:
    name: str  # "q3": the name handed out (names.toml), stable when folders are inserted
    number: int  # position in folder order, as the prompt shows it ("Question 3")
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


def _question_dirs(path: Path) -> list[tuple[Path, str]]:
    """(folder, slug) of every question folder, in folder order."""
    out = []
    for d in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        m = QUESTION_DIR.match(d.name)
        if not m:
            raise ContentError(f"{d}: a question folder is named NN_<slug> (digits, underscore, lowercase slug)")
        out.append((d, m.group(2)))
    slugs = [slug for _, slug in out]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise ContentError(f"{path}: two question folders share the slug {twice[0]!r} (a slug names the question's "
                           "solution file and its handed-out name)")
    return out


def read_names(path: Path) -> dict[str, str]:
    """names.toml of the assignment folder `path`: slug -> handed-out name ({} when there is none)."""
    file = path / NAMES_FILE
    if not file.is_file():
        return {}
    try:
        names = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ContentError(f"{file}: {e}") from e
    bad = [f"{k} = {v!r}" for k, v in names.items() if not isinstance(v, str) or not QUESTION_NAME.match(v)]
    if bad:
        raise ContentError(f"{file}: each line is <slug> = \"q<n>\"; not so: {', '.join(bad)}")
    seen: dict[str, str] = {}
    for slug, name in names.items():
        if name in seen:
            raise ContentError(f"{file}: {seen[name]!r} and {slug!r} are both named {name!r}; a name is one question")
        seen[name] = slug
    return names


def question_names(slugs: list[str], names: dict[str, str], renumber: bool = False) -> dict[str, str]:
    """slug -> name for the slugs in folder order: a listed slug keeps its name; others get the next unused number,
    after every name listed (retired ones too). renumber=True: q1, q2, ... in folder order."""
    if renumber or not names:
        return {slug: f"q{i}" for i, slug in enumerate(slugs, start=1)}
    out = {slug: names[slug] for slug in slugs if slug in names}
    n = max(int(QUESTION_NAME.match(v).group(1)) for v in names.values())
    for slug in slugs:
        if slug not in out:
            n += 1
            out[slug] = f"q{n}"
    return out


def write_names(assignment: str, root: Path = ROOT, renumber: bool = False) -> list[str]:
    """Bring assignments/<id>/names.toml up to date with the folders; returns what changed, as sentences (nothing
    when it already lists every folder). Retired slugs stay listed (their names are never reused) unless renumber."""
    path = root / "assignments" / assignment
    slugs = [slug for _, slug in _question_dirs(path)]
    old = read_names(path)
    new = question_names(slugs, old, renumber)
    kept = new if renumber else {**old, **new}
    existed = (path / NAMES_FILE).is_file()
    if kept == old and existed:
        return []
    order = sorted(kept, key=lambda s: int(kept[s][1:]))
    text = NAMES_HEADER + "".join(f'{slug} = "{kept[slug]}"\n' for slug in order)
    write_atomic(path / NAMES_FILE, text)
    if not existed:
        return [f"{path / NAMES_FILE}: written ({', '.join(f'{s} = {kept[s]}' for s in order)})"]
    changes = [f"{slug}: {old[slug]} -> {kept[slug]}" for slug in order if slug in old and old[slug] != kept[slug]]
    changes += [f"{slug}: new question {kept[slug]}" for slug in order if slug not in old]
    changes += [f"{slug}: retired ({old[slug]} is not reused)" for slug in old if slug not in slugs and not renumber]
    return [f"{path / NAMES_FILE}: {c}" for c in changes]


def _questions(path: Path) -> list[QuestionDir]:
    dirs = _question_dirs(path)
    names = question_names([slug for _, slug in dirs], read_names(path))
    out = []
    for number, (d, slug) in enumerate(dirs, start=1):
        name = names[slug]
        if (d / "mcq.toml").is_file():
            try:
                cfg = tomllib.loads((d / "mcq.toml").read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise ContentError(f"{d / 'mcq.toml'}: {e}") from e
            if not isinstance(cfg.get("item"), str):
                raise ContentError(f"{d / 'mcq.toml'}: needs item = \"<quiz item id>\"")
            out.append(QuestionDir(name, number, slug, d, "mcq", cfg["item"], float(cfg.get("points", 1))))
        elif (d / "checks.py").is_file() and (d / "prompt.md.j2").is_file():
            out.append(QuestionDir(name, number, slug, d, "code"))
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
