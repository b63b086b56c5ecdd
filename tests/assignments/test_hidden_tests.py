"""Issue 22 (content part): hidden tests a memorized public answer cannot pass, for every code question and variant
shown here, and GPT-2's pre-tokenizer (lmcore.bpe._CHUNK_RE, in the student edition because BPETokenizer needs it)
no longer passes the tokenizer question."""

from __future__ import annotations

import inprocess as ip
import pytest
from corpus import ASSIGNMENTS

from autograder.course.variants import variant_id
from autograder.runtime.checks import as_plain, compare

pytestmark = pytest.mark.content  # the course content (AUTHORING.md's recipes keep it green)

VARIANTS = ["default", "s001"]


def _variant(assignment: str, v: str) -> str:
    return v if v == "default" else variant_id(assignment, v, 2026)


def _memorized(expect: object, test) -> str:
    """Source of a value equal to `expect` as the student's function would return it (a tensor for tensors)."""
    if test.kind == "array" and test.dtype:
        dtype = test.dtype if test.dtype not in ("float", "int") else test.dtype + "32"
        return f"torch.tensor({expect!r}, dtype=torch.{dtype})"
    return repr(expect)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("v", VARIANTS)
def test_hidden_tests_every_code_question_has_hidden_tests_no_public_expectation_passes(assignment, v):
    """What authoring's build-time check evaluates: each public expected value, given as the answer to each hidden
    test, fails it."""
    for q in ip.checks(assignment, _variant(assignment, v)).questions:
        if q.kind != "code":
            continue
        public = [t for t in q.tests if not t.hidden]
        hidden = [t for t in q.tests if t.hidden]
        assert hidden and sum(t.points for t in hidden) > 0, (assignment, q.name)
        for h in hidden:
            for p in public:
                assert not compare(h, as_plain(p.expect)).passed, (assignment, q.name, h.name, p.name)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_a_function_returning_a_public_answer_fails_every_hidden_test(assignment):
    """The memorizing answer itself, graded: a function that returns one public test's expected value, whatever it
    is given, passes no hidden test of its question (its public test, at most)."""
    checks = ip.checks(assignment)
    for q in ip.code_questions(assignment):
        question = next(x for x in checks.questions if x.name == q.name)
        fn = ip.function_name(ip.solution(assignment, q.slug))
        for p in [t for t in question.tests if not t.hidden]:
            source = f"import torch\n\n\ndef {fn}(*args, **kwargs):\n    return {_memorized(p.expect, p)}\n"
            g = ip.grade(assignment, {q.slug: source}, only=[q.name])
            passed = [t.name for t, o in zip(question.tests, g.outcomes[q.name], strict=True) if o.passed and t.hidden]
            assert passed == [], (assignment, q.name, p.name, passed)


GPT2 = ("from lmcore.bpe import _CHUNK_RE\n\n\ndef tokenize(text):\n"
        "    return [c.strip() for c in _CHUNK_RE.findall(text)]\n")
GPT2_FILTERED = ("from lmcore.bpe import _CHUNK_RE\n\n\ndef tokenize(text):\n"
                 "    return [c.strip() for c in _CHUNK_RE.findall(text) if c.strip()]\n")


@pytest.mark.parametrize("source", [GPT2, GPT2_FILTERED])
@pytest.mark.parametrize("v", VARIANTS)
def test_hidden_tests_gpt2_pre_tokenizer_evasion_loses_points_public_and_hidden(source, v):
    """Issue 22: `_CHUNK_RE.findall(text)` + `.strip()` scored tokens q1 in full, public and hidden. The prompt asks
    for inner apostrophes and hyphens kept and each mark of a run a token: a public and a hidden test tell it apart,
    and name the mistake."""
    variant = _variant("tokens", v)
    q = ip.question_dir("tokens", "tokenize")
    question = next(x for x in ip.checks("tokens", variant).questions if x.name == q.name)
    g = ip.grade("tokens", {"tokenize": source}, variant, only=[q.name])
    failed = [(t.hidden, o.mistake) for t, o in zip(question.tests, g.outcomes[q.name], strict=True) if not o.passed]
    assert any(not hidden for hidden, _ in failed) and any(hidden for hidden, _ in failed), failed
    assert {m for _, m in failed} <= {"inner-word-split", "punctuation-run-merged"}
    assert g.score(q.name) < question.points
    assert "inner-word-split" in {m for _, m in failed}
