"""What a question's prompt requires, each requirement tied to the tests that fail when it is ignored.

A code question's checks.py lists REQUIREMENTS: one `Requirement` per sentence of the prompt that constrains the
answer, naming the tests (by their words after the question's name) that fail when it is ignored and an answer that
ignores it. `tests/assignments/test_requirements.py` runs each such answer and asserts that those tests fail and,
where the requirement names its mistake, that the feedback names it.

`honest(question, requirements)` makes a passing public check say what is still to come: the question's last
public test gets a success message listing the requirements only hidden tests check (their words are the prompt's,
never a hidden input or expected value), so "passed" is never read as "full marks".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from autograder.runtime.checks import Question


@dataclass(frozen=True)
class Requirement:
    text: str  # what the prompt requires, in a student's words: "the sum of the step losses, not their mean"
    tests: list[str]  # the tests that fail when it is ignored: their names after "<question> "
    ignored: str  # an answer ignoring it: the question's function as a student might write it
    mistake: str | None = None  # the mistake id the feedback must name for that answer (None: failing is enough)
    prompt: list[str] = field(default_factory=list)  # words of the prompt that state it (checked against the prompt)


def checked_by(question: Question, requirement: Requirement) -> list:
    """The question's tests a requirement names; ValueError for a name the question does not have."""
    by_words = {t.name.removeprefix(f"{question.name} "): t for t in question.tests}
    missing = [w for w in requirement.tests if w not in by_words]
    if missing or not requirement.tests:
        raise ValueError(f"{question.name}: requirement {requirement.text!r} names no test or unknown tests "
                         f"{missing}; the question's tests are {sorted(by_words)}")
    return [by_words[w] for w in requirement.tests]


def honest(question: Question, requirements: list[Requirement]) -> Question:
    """The question with its last public test's success message saying what hidden tests still check."""
    hidden_only = [r.text for r in requirements if all(t.hidden for t in checked_by(question, r))]
    public = [i for i, t in enumerate(question.tests) if not t.hidden]
    if not public or not any(t.hidden for t in question.tests):
        return question
    said = "Public tests passed. At grading, hidden tests check it again on inputs you have not seen"
    said += f", and also check: {'; '.join(hidden_only)}." if hidden_only else "."
    tests = list(question.tests)
    tests[public[-1]] = replace(tests[public[-1]], success_message=said)
    return replace(question, tests=tests)
