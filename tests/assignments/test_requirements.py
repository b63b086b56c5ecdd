"""Issue 18: each code question lists what its prompt requires (checks.py REQUIREMENTS), each requirement with the
tests that fail when it is ignored; this proves it by running the answer that ignores it. A passing public check
says what the hidden tests still check (honest public checks), without a hidden input or expected value."""

from __future__ import annotations

import re

import inprocess as ip
import pytest

from autograder.build import variant_params
from autograder.build.notebook import _content_template
from autograder.course.content import ROOT, assignment_ids
from autograder.runtime.requirements import Requirement, checked_by

pytestmark = pytest.mark.content  # the course content (AUTHORING.md's recipes keep it green)

QUESTIONS = [(a, q.slug) for a in assignment_ids() for q in ip.code_questions(a)]


def _requirements(assignment: str, slug: str) -> list[Requirement]:
    return list(getattr(ip.question_dir(assignment, slug).checks_module(), "REQUIREMENTS", []))


def _question(assignment: str, slug: str):
    q = ip.question_dir(assignment, slug)
    return next(x for x in ip.checks(assignment).questions if x.name == q.name)


@pytest.mark.parametrize(("assignment", "slug"), QUESTIONS)
def test_requirements_every_code_question_lists_its_requirements_each_with_tests(assignment, slug):
    reqs = _requirements(assignment, slug)
    where = ip.question_dir(assignment, slug).path / "checks.py"
    assert reqs, f"{where}: list REQUIREMENTS, what the prompt requires and the tests that fail when it is ignored"
    question = _question(assignment, slug)
    for r in reqs:
        assert checked_by(question, r), (where, r.text)  # raises for a test the question does not have
    assert len({r.text for r in reqs}) == len(reqs), where


@pytest.mark.parametrize(("assignment", "slug"), QUESTIONS)
def test_requirements_each_is_stated_by_the_prompt(assignment, slug):
    """A requirement's words are the prompt's: each phrase it quotes is in the rendered prompt (default variant)."""
    q = ip.question_dir(assignment, slug)
    a = ip.assignment(assignment)
    prompt = _content_template(ROOT, q.path / "prompt.md.j2").render(p=variant_params(a, "default"), number=q.number)
    flat = re.sub(r"\s+", " ", prompt)
    for r in _requirements(assignment, slug):
        for phrase in r.prompt:
            assert phrase in flat, f"{q.path / 'prompt.md.j2'} does not say {phrase!r} ({r.text!r})"


@pytest.mark.parametrize(("assignment", "slug"), QUESTIONS)
def test_requirements_ignoring_one_fails_its_tests_and_names_its_mistake(assignment, slug):
    question = _question(assignment, slug)
    right = ip.grade(assignment, only=[question.name])
    assert right.full(question.name), right.messages(question.name)
    for r in _requirements(assignment, slug):
        g = ip.grade(assignment, {slug: r.ignored}, only=[question.name])
        outcomes = dict(zip([t.name for t in question.tests], g.outcomes[question.name], strict=True))
        named_tests = [t.name for t in checked_by(question, r)]
        still_passing = [t for t in named_tests if outcomes[t].passed]
        assert still_passing == [], f"{slug}: ignoring {r.text!r} still passes {still_passing}"
        if r.mistake:
            ids = {outcomes[t].mistake for t in named_tests}
            assert r.mistake in ids, f"{slug}: ignoring {r.text!r} is not named {r.mistake!r}: " \
                                     f"{[outcomes[t].message for t in named_tests]}"


@pytest.mark.parametrize(("assignment", "slug"), QUESTIONS)
def test_requirements_a_passing_public_check_says_what_hidden_tests_still_check(assignment, slug):
    question = _question(assignment, slug)
    public = [t for t in question.tests if not t.hidden]
    hidden = [t for t in question.tests if t.hidden]
    assert public and hidden, f"{slug}: a question needs public checks and hidden tests on inputs not shown"
    said = public[-1].success_message
    assert "hidden tests" in said and "inputs you have not seen" in said, said
    only_hidden = [r for r in _requirements(assignment, slug) if all(t.hidden for t in checked_by(question, r))]
    for r in only_hidden:
        assert r.text in said, (slug, r.text, said)
    for t in hidden:  # its words, never its input or expected value
        assert t.name not in said and t.probe not in said and repr(t.expect) not in said, (slug, t.name)
