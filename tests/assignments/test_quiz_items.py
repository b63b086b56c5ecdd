"""The quiz item bank: variant 0 is the course card, answers recomputed independently (plain Python, no lmcore),
exactly one correct choice, distractors named after real mistakes, determinism and >= 95 % distinct variants."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from autograder.quiz.engine import LETTERS, item_ids, render_variant

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

ITEMS = item_ids()

CARD = (Path(__file__).parents[2] / "docs" / "course-card.txt").read_text(encoding="utf-8")
CONTRACT_ITEMS = ["total_loss", "which_predictions", "one_hot_target", "sequence_probability", "training_goal",
                  "training_progress", "dataset_loss", "unique_params_tf", "objective_formula"]


def _one_decimal(x: float) -> str:
    return f"{round(x, 1):.1f}"


def expected(v: dict) -> object:
    """The answer (number) or the correct choice's text, recomputed from params alone."""
    p, item = v["params"], v["item"]
    if item == "total_loss":
        return math.fsum(p["losses"])
    if item == "dataset_loss":
        return math.fsum(x for row in p["losses"] for x in row)
    if item == "sequence_probability":
        return math.exp(-p["loss"]) if p["mode"] == "loss" else math.prod(p["probs"])
    if item == "which_predictions":
        t = p["tokens"]
        return ", ".join(f"Pr({t[i]} | {' '.join(t[:i])})" for i in range(1, len(t)))
    if item == "one_hot_target":
        k = p["vocab"].index(p["tokens"][p["step"]])
        return "[" + ", ".join("1" if j == k else "0" for j in range(len(p["vocab"]))) + "]"
    if item == "objective_formula":
        return "θ̂ = argmin_θ Σ_{x∈D} L_θ(x)"
    if item == "training_goal":
        return _one_decimal(math.fsum(p["losses"]))  # the correct statement quotes the sum
    if item == "training_progress":
        a, b = (math.fsum(r) for r in p["losses"])
        return f"step {p['steps'][0 if a < b else 1]}:"
    if item == "unique_params_tf":
        k = p["kind"]
        if k == "tradeoff":
            a, b, c, d = p["change"]
            return "True" if b + d < a + c else "False"
        return {"card": "False", "per-sequence": "False", "one-theta": "True", "objective-value": "True",
                "objective-mean": "False"}[k]
    return None  # a newer item: its key is recomputed by tests/assignments/test_quiz_exact_keys.py


def test_contract_item_ids():
    assert set(CONTRACT_ITEMS) <= set(ITEMS)


@pytest.mark.parametrize("item", ITEMS)
def test_variants_answers_choices_and_distinctness(item):
    vs = [render_variant(item, 11, i) for i in range(100)]
    keys = set()
    for v in vs:
        # the contract's shape, and JSON-plain
        v = json.loads(json.dumps(v))
        assert {"item", "seed", "index", "type", "params", "stem", "answer", "feedback"} <= set(v)
        assert v["type"] in ("numeric", "mcq", "truefalse") and v["stem"].strip() and v["feedback"].strip()
        want = expected(v)
        if v["type"] == "numeric":
            want = v["answer"] if want is None else want
            assert v["tolerance"] > 0
            assert abs(v["answer"] - want) <= 1e-9 * max(1.0, abs(want)), (v["params"], v["answer"], want)
            assert v["tolerance"] <= 0.011 * max(abs(want), 1.0)
            for m in v["mistakes"]:  # every numeric distractor names its mistake and is not accepted as right
                assert m["mistake"] and m["feedback"] and abs(m["value"] - want) > v["tolerance"]
        else:
            correct = [c for c in v["choices"] if c["correct"]]
            assert len(correct) == 1, v
            assert len({c["text"] for c in v["choices"]}) == len(v["choices"])
            if v["type"] == "mcq":
                assert 3 <= len(v["choices"]) <= len(LETTERS)
                assert v["answer"] == LETTERS[v["choices"].index(correct[0])]
                wrong = [c["text"] for c in v["choices"] if not c["correct"]]
                if want is None:
                    pass  # a newer item: its own key_from_stem is checked by test_quiz_exact_keys.py
                elif item in ("which_predictions", "one_hot_target", "objective_formula"):
                    assert correct[0]["text"] == want and want not in wrong
                else:
                    assert want in correct[0]["text"], (want, correct[0]["text"])
                    assert item == "training_goal" or not any(want in w for w in wrong)
            else:
                assert [c["text"] for c in v["choices"]] == ["True", "False"]
                assert v["answer"] == (want or v["answer"]) == correct[0]["text"]
            for c in v["choices"]:
                assert c["feedback"].strip()
                assert (c["mistake"] is None) == c["correct"]  # every distractor names a real mistake
        keys.add(json.dumps([v["stem"], [c["text"] for c in v.get("choices", [])]]))
    assert len(keys) >= 95, f"{item}: only {len(keys)} distinct variants of 100"


@pytest.mark.parametrize("item", ITEMS)
def test_deterministic_in_item_seed_index(item):
    assert render_variant(item, 5, 7) == render_variant(item, 5, 7)
    assert render_variant(item, 5, 7)["stem"] != render_variant(item, 6, 7)["stem"] or item == "unique_params_tf"
    a, b = render_variant(item, 5, 0), render_variant(item, 9, 0)  # variant 0 is the card for every seed
    assert (a["params"], a["stem"], a["feedback"]) == (b["params"], b["stem"], b["feedback"])
    assert {c["text"] for c in a.get("choices", []) if c["correct"]} == \
        {c["text"] for c in b.get("choices", []) if c["correct"]}


def test_variant_zero_is_the_course_card():
    v = render_variant("total_loss", 0, 0)
    assert v["params"]["losses"] == [1.2, 0.5, 2.3] and v["answer"] == 4.0
    assert "1.2" in v["stem"] and "0.5" in v["stem"] and "2.3" in v["stem"]
    v = render_variant("dataset_loss", 0, 0)
    assert v["answer"] == 16.0 and all(s in v["stem"] for s in ("8.4", "2.1", "5.5"))
    v = render_variant("training_goal", 0, 0)
    assert all(s in v["stem"] for s in ("8.4", "2.1", "5.5"))
    assert "16.0" in next(c["text"] for c in v["choices"] if c["correct"])
    v = render_variant("which_predictions", 0, 0)
    assert v["params"]["tokens"] == ["The", "cat", "sat", "on"]
    assert next(c["text"] for c in v["choices"] if c["correct"]) == \
        "Pr(cat | The), Pr(sat | The cat), Pr(on | The cat sat)"
    v = render_variant("unique_params_tf", 0, 0)
    statement = v["stem"].split("\n\n", 1)[1]
    assert statement in CARD and v["answer"] == "False"
    v = render_variant("sequence_probability", 0, 0)
    assert v["params"]["loss"] == 4.0 and abs(v["answer"] - math.exp(-4.0)) < 1e-12
    v = render_variant("objective_formula", 0, 0)
    assert {c["mistake"] for c in v["choices"]} - {None} <= {"argmax", "per-sequence-argmin",
                                                             "product-of-probabilities", "loss-term-for-x0",
                                                             "max-for-sum"}


def test_named_mistakes_cover_the_issue():
    """Distractors come from the real mistakes the issue lists."""
    names = set()
    for item in ITEMS:
        for i in range(40):
            v = render_variant(item, 1, i)
            names |= {m["mistake"] for m in v.get("mistakes", [])}
            names |= {c["mistake"] for c in v.get("choices", []) if c["mistake"]}
    assert {"mean-instead-of-sum", "log-base-2", "log-base-10", "missing-minus", "loss-term-for-x0",
            "sum-of-probabilities", "product-of-probabilities", "argmax", "per-sequence-argmin", "off-by-one"} <= names


def test_bad_arguments():
    with pytest.raises(KeyError, match="unknown quiz item"):
        render_variant("nope", 0, 0)
    with pytest.raises(ValueError, match=">= 0"):
        render_variant("total_loss", 0, -1)
