"""Issue 18: one catalogue, applied everywhere it applies. APPLIES says, for each mistake, the code questions where a
student can make it; for each of them the question has a probe that tells it apart (a known-mistake value, an
exception signature, or the form checks that name wrong-type, wrong-shape and wrong-dtype), and the corpus has a
wrong answer making it there, whose feedback names it. Conversely every mistake a question's tests name is in the
table, and every id of the catalogue is applied somewhere: in this table, by a quiz item's distractor (an MCQ's
hidden key test names it), or as a grading outcome. The table is APPLIES (written for the shipped questions) plus,
for every question, the mistakes its corpus's wrong answers make: a question added by AUTHORING.md's recipe says
where its mistakes occur with its corpus file alone (tests/support/corpus/<id>/<slug>.py), no table to edit.
"""

from __future__ import annotations

import inprocess as ip
import mutation
import pytest
from corpus import ASSIGNMENTS, corpus

from autograder.runtime.mistakes import MISTAKES

pytestmark = pytest.mark.content  # the course content (AUTHORING.md's recipes keep it green)

ALL = [f"{a}/{q.slug}" for a in ASSIGNMENTS for q in ip.code_questions(a)]
LOSS = "loss/sequence_total loss/cross_entropy loss/step_losses loss/sequence_loss loss/sequence_log_prob " \
       "loss/dataset_total".split()
TOKENS = "tokens/tokenize tokens/build_vocab tokens/encode tokens/decode".split()
# told apart by the form of the result (compare), not by a value: no Mistake entry needed in the tests
FORM = {"wrong-type", "wrong-shape", "wrong-dtype", "does-not-run"}
OUTCOMES = {"unattempted", "does-not-run"}  # grading outcomes, not mistakes in the mathematics

APPLIES: dict[str, list[str]] = {
    "does-not-run": ALL,  # a syntax error or failing import can happen in any answer
    "mean-instead-of-sum": [*(q for q in LOSS if q != "loss/step_losses"), "training/objective",
                            "training/train_step", "training/objective_change"],
    "mean-per-token": ["loss/dataset_total", "training/objective"],
    "sum-of-means": ["loss/dataset_total", "training/objective"],
    "max-for-sum": ["loss/sequence_total", "loss/dataset_total", "training/objective_change"],
    "last-step-only": ["loss/sequence_total", "loss/dataset_total"],
    "first-term-dropped": ["loss/sequence_total", "loss/step_losses", "loss/sequence_log_prob", "loss/dataset_total"],
    "single-sequence": ["loss/dataset_total", "training/objective", "training/objective_change"],
    "best-single-sequence": ["loss/dataset_total"],
    "product-for-sum": ["loss/sequence_total", "loss/dataset_total"],
    "log-base-2": ["loss/cross_entropy", "loss/step_losses", "loss/sequence_loss", "loss/sequence_log_prob",
                   "training/objective"],
    "log-base-10": ["loss/cross_entropy", "loss/step_losses", "loss/sequence_loss", "loss/sequence_log_prob",
                    "training/objective"],
    "missing-minus": [*(q for q in LOSS if q != "loss/dataset_total"), "training/objective"],
    "loss-not-probability": ["loss/sequence_total"],
    "log-missing": ["loss/cross_entropy", "loss/step_losses", "loss/sequence_loss", "training/objective"],
    "softmax-applied-twice": ["loss/cross_entropy", "loss/step_losses", "loss/sequence_loss", "training/objective"],
    "softmax-missing": ["loss/sequence_loss", "training/objective"],
    "wrong-axis": ["loss/sequence_loss", "tokens/one_hot_targets", "training/objective"],
    "loss-term-for-x0": ["loss/sequence_loss", "training/objective"],
    "row-for-x0": ["tokens/one_hot_targets"],
    "off-by-one": ["loss/sequence_loss", "tokens/one_hot_targets", "training/objective"],
    "log-softmax-overflow": ["loss/sequence_loss"],
    "product-of-probabilities": ["loss/sequence_log_prob"],
    "product-underflow": ["loss/sequence_log_prob"],
    "sum-of-probabilities": ["loss/sequence_log_prob"],
    "mean-of-probabilities": ["loss/sequence_log_prob"],
    "arguments-swapped": ["loss/cross_entropy"],
    "target-assumed-one-hot": ["loss/cross_entropy"],
    "kl-divergence": ["loss/cross_entropy"],
    "not-per-step": ["loss/step_losses"],
    "missing-row-index": ["loss/step_losses"],
    "ignored-argument": ["loss/cross_entropy", "loss/step_losses", "loss/sequence_loss", "tokens/encode",
                         "tokens/decode", "tokens/one_hot_targets", "training/objective", "training/train_step",
                         "training/train"],
    "wrong-type": ["loss/sequence_total", "loss/step_losses", "loss/dataset_total", "tokens/build_vocab",
                   "tokens/decode", "tokens/one_hot_targets", "training/objective_change"],
    "wrong-shape": ["loss/step_losses"],
    "wrong-dtype": ["tokens/one_hot_targets"],
    "case-folded": TOKENS,
    "not-in-order": ["tokens/tokenize", "tokens/encode", "tokens/decode"],
    "punctuation-attached": ["tokens/tokenize"],
    "punctuation-dropped": ["tokens/tokenize"],
    "inner-word-split": ["tokens/tokenize"],
    "punctuation-run-merged": ["tokens/tokenize"],
    "whitespace-kept": ["tokens/tokenize"],
    "first-seen-order": ["tokens/build_vocab"],
    "no-specials": ["tokens/build_vocab"],
    "frequency-ignored": ["tokens/build_vocab"],
    "ties-not-alphabetical": ["tokens/build_vocab"],
    "rising-frequency": ["tokens/build_vocab"],
    "specials-last": ["tokens/build_vocab"],
    "specials-order": ["tokens/build_vocab"],
    "repeats-kept": ["tokens/build_vocab"],
    "special-duplicated": ["tokens/build_vocab"],
    "dropped-unknown": ["tokens/encode", "tokens/decode"],
    "wrong-unk-id": ["tokens/encode"],
    "unknown-raises": ["tokens/encode"],
    "one-based-ids": ["tokens/encode", "tokens/decode"],
    "uniform": ["tokens/one_hot_targets"],
    "float-instead-of-tensor": ["training/objective"],
    "not-differentiable": ["training/objective"],
    "wrong-device": ["training/objective"],
    "stale-gradients": ["training/train_step", "training/train"],
    "no-update": ["training/train_step", "training/train"],
    "value-after-step": ["training/train_step", "training/train"],
    "argmax": ["training/train_step", "training/train"],
    "wrong-optimizer": ["training/train"],
    "wrong-step-count": ["training/train"],
    "reversed-direction": ["training/objective_change"],
    "relative-change": ["training/objective_change"],
}


def _table() -> dict[str, list[str]]:
    """APPLIES, and each wrong answer of the corpus's mistake on its own question."""
    table = {mid: list(wheres) for mid, wheres in APPLIES.items()}
    for a in ASSIGNMENTS:
        for slug, mutants in corpus(a)[1].items():
            for m in mutants:
                if f"{a}/{slug}" not in table.setdefault(m.mistake, []):
                    table[m.mistake].append(f"{a}/{slug}")
    return table


TABLE = _table()
CELLS = [(mid, where) for mid, wheres in TABLE.items() for where in wheres]


def _question(where: str):
    a, slug = where.split("/")
    q = ip.question_dir(a, slug)
    return next(x for x in ip.checks(a).questions if x.name == q.name)


def _probed(question) -> set[str]:
    return {m.name for t in question.tests for m in t.mistakes}


def test_catalogue_table_names_real_questions_once_each():
    for mid, wheres in TABLE.items():
        assert len(set(wheres)) == len(wheres) and set(wheres) <= set(ALL), (mid, set(wheres) - set(ALL))


@pytest.mark.parametrize(("mistake", "where"), CELLS)
def test_catalogue_each_question_where_a_mistake_can_occur_tells_it_apart(mistake, where):
    if mistake not in FORM:
        assert mistake in _probed(_question(where)), f"{where}: no test names {mistake!r}"
    a, slug = where.split("/")
    results = [r for r in mutation.grade_mutants(a) if r.mutant.question == slug and r.mutant.mistake == mistake]
    assert results, f"{where}: the corpus has no wrong answer making {mistake!r}"
    assert any(r.named for r in results), [(r.mutant.name, r.messages) for r in results]
    assert not any(r.misleading for r in results), [(r.mutant.name, r.misleading) for r in results]


@pytest.mark.parametrize("where", ALL)
def test_catalogue_every_mistake_a_question_names_is_in_the_table(where):
    assert sorted(m for m in _probed(_question(where)) if where not in TABLE.get(m, [])) == []


def test_catalogue_every_id_is_applied_somewhere():
    from autograder.quiz.engine import item_ids, render_variant

    in_quiz = set()
    for item in item_ids():
        for index in range(40):
            d = render_variant(item, 2026, index)
            in_quiz |= {c["mistake"] for c in d.get("choices", []) if c.get("mistake")}
            in_quiz |= {m["mistake"] for m in d.get("mistakes") or []}
    unused = set(MISTAKES) - set(TABLE) - in_quiz - OUTCOMES
    assert sorted(unused) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_every_mcq_wrong_letter_names_its_distractors_mistake(assignment):
    from autograder.runtime.checks import evaluate

    for q in ip.checks(assignment).questions:
        if q.kind != "mcq":
            continue
        form, key = q.tests
        letters = form.expect
        for letter in letters:
            if [letter] == key.expect:
                assert evaluate(key, letter).passed
                continue
            out = evaluate(key, letter)
            assert not out.passed and out.mistake and (out.mistake in MISTAKES), (assignment, q.name, letter, out)
            assert len(out.message.split()) >= 5, out.message
