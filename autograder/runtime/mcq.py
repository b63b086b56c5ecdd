"""The check cell of a multiple-choice question: `recorded(grader.check("q7"))`.

An MCQ's public test only validates the answer's form (the key is hidden), so Otter's "q7 passed! ✨" headline would
celebrate an answer that may well be wrong. `recorded` shows, instead, that the answer is recorded and graded after
the deadline; a form error is shown as Otter shows any failed check (with the hint of autograder.runtime.checks).
"""

from __future__ import annotations

import html
from typing import Any


class Recorded:
    """What the cell displays once the answer has the right form: no "passed", no score."""

    def __init__(self, question: str) -> None:
        self.question = question

    def text(self) -> str:
        return (f"{self.question}: your answer is recorded. It is graded after the deadline; this check only confirms "
                "that it is written as option letters, not whether it is correct.")

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.text())}</p>"


def recorded(result: Any) -> Any:
    """`result` of `grader.check(q)` when the check failed (Otter's own display of the problem), else a `Recorded`
    display. Anything else (the grader's stand-in while grading returns None) is passed through unchanged."""
    if getattr(result, "passed_all", None) is True and isinstance(getattr(result, "name", None), str):
        return Recorded(result.name)
    return result
