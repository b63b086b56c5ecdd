"""Assignment specs: the course card's numbers in the default variant, the same questions for every variant,
different numbers per variant, and known mistakes that can always be told apart from the right answer."""

from __future__ import annotations

import pytest

from autograder.build import ASSIGNMENTS, load_spec
from autograder.runtime.checks import NONFINITE, _matches
from autograder.variants import variant_id

VARIANTS = ["default", variant_id("x", "s001", 2026), variant_id("x", "s002", 2026)]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def specs(request):
    spec = load_spec(request.param)
    return request.param, {v: spec.checks(spec.params(v)) for v in VARIANTS}


def _shape(c):
    return [(q.name, q.points, q.kind, q.forbidden, [(t.name, t.points, t.hidden, t.kind) for t in q.tests])
            for q in c.questions]


def test_every_variant_has_the_same_questions_tests_and_points(specs):
    a, checks = specs
    shapes = {v: _shape(c) for v, c in checks.items()}
    assert all(s == shapes["default"] for s in shapes.values()), a
    for c in checks.values():
        for q in c.questions:
            assert q.points == sum(t.points for t in q.tests), (a, q.name)  # question points = its tests' points


def test_variants_have_different_numbers(specs):
    a, checks = specs
    expects = {v: [t.expect for q in c.questions if q.kind == "code" for t in q.tests] for v, c in checks.items()}
    assert expects[VARIANTS[0]] != expects[VARIANTS[1]] != expects[VARIANTS[2]] != expects[VARIANTS[0]], a
    assert len({c.setup for c in checks.values()}) == len(VARIANTS), a


def test_mistake_values_never_match_the_right_answer(specs):
    a, checks = specs
    for v, c in checks.items():
        for q in c.questions:
            for t in q.tests:
                expected = _plain(t.expect)
                for m in t.mistakes:
                    if m.value != NONFINITE:
                        assert not _matches(t, m.value, expected), (a, v, t.name, m.name)
                names = [m.name for m in t.mistakes]
                assert len(names) == len(set(names)), (a, t.name)


def _plain(value):
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, (int, float)):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return {"type": "list", "value": [_plain(x) for x in value]}
    import numpy as np

    a = np.asarray(value)
    return {"type": "array", "shape": list(a.shape), "dtype": str(a.dtype), "value": a.tolist()}


def test_default_variant_is_the_course_card():
    loss = load_spec("loss")
    p = loss.params("default")
    assert p["steps"] == [1.2, 0.5, 2.3] and p["tokens"] == ["The", "cat", "sat", "on"]
    c = loss.checks(p)
    q1 = next(q for q in c.questions if q.name == "q1").tests[0]
    assert q1.expect == 4.0 and q1.mistakes[0].name == "mean-instead-of-sum"
    assert "('The', 'cat', 'sat', 'on')" in p["mcq"]["q7"].stem
    training = load_spec("training").params("default")
    assert training["before"] == [8.4, 2.1, 5.5]
    assert "8.4" in training["mcq"]["q5"].stem
    tf = training["mcq"]["q7"]  # "the objective finds a unique optimal parameter set for each sequence": false
    assert "unique" in tf.stem and tf.options == ["True", "False"] and tf.key == ["B"]
