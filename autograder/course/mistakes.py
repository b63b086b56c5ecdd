"""Mistake ids declared by content, next to the question or assignment that introduces them.

A question folder's `mistakes.py` and an assignment's `assignment.py` may hold
    MISTAKES = {"first-seen-order": Known("first-seen order", "sort the vocabulary by falling frequency, ...")}
(`Known` from autograder.runtime.mistakes). `checked_words` is what the build runs on a variant's questions: every id a
test names must be in the catalogue (autograder/runtime/mistakes.py) or declared by its own question folder or its
assignment, else a ContentError names the file that uses it; it returns the words of the declared ids the questions
use, which travel in the checks document (`Checks.mistakes`), so the grader and the report can label them.
"""

from __future__ import annotations

from pathlib import Path

from autograder.course.content import Assignment, ContentError, QuestionDir, _module
from autograder.runtime.checks import Question
from autograder.runtime.mistakes import MISTAKES, Known, declare


def _declared_in(path: Path, module: object) -> dict[str, Known]:
    words = getattr(module, "MISTAKES", {})
    if not isinstance(words, dict):
        raise ContentError(f"{path}: MISTAKES must be a dict {{id: Known(label, feedback)}}")
    try:
        declare(words, str(path))  # validates the words, and refuses a catalogue id or a clash with another file
    except ValueError as e:
        raise ContentError(str(e)) from None
    return {k: Known(*v) for k, v in words.items()}


def declared(a: Assignment, q: QuestionDir | None = None) -> dict[str, Known]:
    """The ids the assignment declares, plus those of question folder `q` when given."""
    out = _declared_in(a.path / "assignment.py", a.module)
    if q is not None and (q.path / "mistakes.py").is_file():
        out.update(_declared_in(q.path / "mistakes.py", _module(q.path / "mistakes.py")))
    return out


def checked_words(a: Assignment, questions: list[Question]) -> dict[str, list[str]]:
    """{id: [label, feedback]} of the content-declared ids `questions` use; ContentError for an unknown id, naming
    the checks.py (or, for an MCQ, the quiz item) that uses it."""
    folders = {q.name: q for q in a.questions}
    words: dict[str, list[str]] = {}
    for question in questions:
        folder = folders[question.name]
        own = declared(a, folder) if folder.kind == "code" else {}
        where = folder.path / "checks.py" if folder.kind == "code" else \
            f"assignments/quiz/items/{folder.item}.py (drawn by {folder.path / 'mcq.toml'})"
        for test in question.tests:
            for m in test.mistakes:
                if m.name in MISTAKES:
                    continue
                if m.name not in own:
                    raise ContentError(
                        f"{where}: test {test.name!r} names mistake {m.name!r}, which is neither in the catalogue "
                        f"(autograder/runtime/mistakes.py) nor declared in {folder.path / 'mistakes.py'} or "
                        f"{a.path / 'assignment.py'} (MISTAKES = {{{m.name!r}: Known(label, feedback)}})")
                words[m.name] = list(own[m.name])
    return dict(sorted(words.items()))
