"""The one mistake catalogue: every mistake id the assignments' checks can report is listed, with a label in words,
so grade reports and quiz reports can be joined on a mistake (the quiz side: test_quiz_engine.py)."""

from __future__ import annotations

import pytest

from autograder.build import draw_mcqs, make_checks, variant_params
from autograder.course.content import assignment_ids, load_assignment
from autograder.course.variants import DEFAULT, variant_id
from autograder.runtime.mistakes import MISTAKES, feedback, label

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)


@pytest.mark.parametrize("assignment", assignment_ids())
def test_mistakes_every_check_id_is_catalogued(assignment):
    a = load_assignment(assignment)
    used, declared = set(), {}
    for variant in (DEFAULT, variant_id(assignment, "s001", 2026)):
        checks = make_checks(a, variant_params(a, variant), draw_mcqs(a, variant), variant)
        used |= {m.name for q in checks.questions for t in q.tests for m in t.mistakes}
        declared.update(checks.mistakes)
    assert used, "the assignment diagnoses mistakes"
    assert sorted(used - set(MISTAKES) - set(declared)) == []
    for mistake_id, (words, _) in declared.items():  # content's own ids: labelled in words too
        assert " " in words and words == label(mistake_id), mistake_id


def test_mistakes_labels_are_words_not_slugs():
    for mistake_id, known in MISTAKES.items():
        assert " " in known.label and known.label != mistake_id, mistake_id  # words, e.g. "log base 2"
        assert known.feedback.endswith("."), mistake_id


def test_mistakes_lookup():
    assert label("mean-instead-of-sum") == "mean instead of sum"
    assert label("no-such-id") == "no-such-id"  # an unknown id is shown as it is
    with pytest.raises(KeyError, match="mistakes.py"):
        feedback("no-such-id")
