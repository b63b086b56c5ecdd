"""Every quiz key, recomputed the way a student reads the question: the numbers are parsed from the printed stem and
choices (not taken from params) and combined with exact arithmetic (Fraction; Decimal to 50 digits for exp).
2,000 variants per item. Regression: unique_params_tf 2026/5 says 4.9 + 3.2 -> 4.6 + 3.5 "made progress" and was
keyed True because the float sums differ (8.100000000000001 vs 8.1)."""

from __future__ import annotations

import re
from decimal import Context, Decimal
from fractions import Fraction

import pytest

from autograder.quiz.engine import item_ids, item_module, render_variant

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

N_VARIANTS = 2000
NUM = r"[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?"
_D50 = Context(prec=50)


def q(text: str) -> Fraction:
    """A printed number's exact value."""
    return Fraction(Decimal(text))


def nums(text: str) -> list[Fraction]:
    return [q(t) for t in re.findall(NUM, text)]


def correct_text(v: dict) -> str:
    (text,) = [c["text"] for c in v["choices"] if c["correct"]]
    return text


def quoted_tokens(stem: str) -> list[str]:
    inner = re.search(r"token sequence \(([^)]*)\)", stem).group(1)
    return re.findall(r"'([^']*)'", inner)


def check_numeric(v: dict, exact: Fraction) -> None:
    assert v["answer"] == float(exact), (v["item"], v["index"], v["stem"], v["answer"], exact)
    for m in v["mistakes"]:  # no mistake is accepted as right, judged against the exact key
        assert abs(Fraction(m["value"]) - exact) > Fraction(v["tolerance"]), (v["stem"], m)


def key_total_loss(v: dict) -> None:
    steps = re.findall(rf"the loss for predicting token x_\d+ is ({NUM})", v["stem"])
    assert steps
    check_numeric(v, sum(map(q, steps)))


def key_dataset_loss(v: dict) -> None:
    rows = re.findall(r"^- sequence \d+: (.*)$", v["stem"], flags=re.M)
    assert rows
    check_numeric(v, sum(sum(nums(r)) for r in rows))


def key_sequence_probability(v: dict) -> None:
    stem = v["stem"]
    loss = re.search(rf"L_θ\(x\) = ({NUM}) nats", stem)
    if loss:
        exact = _D50.exp(-Decimal(loss.group(1)))
        assert abs(Decimal(v["answer"]) - exact) <= exact * Decimal("1e-15"), (stem, v["answer"], exact)
        exact = Fraction(exact)
        for m in v["mistakes"]:
            assert abs(Fraction(m["value"]) - exact) > Fraction(v["tolerance"]), (stem, m)
        return
    probs = re.findall(rf"^- Pr\([^)]*\) = ({NUM})$", stem, flags=re.M)
    assert len(probs) == len(quoted_tokens(stem)) - 1
    exact = Fraction(1)
    for p in probs:
        exact *= q(p)
    check_numeric(v, exact)


def key_training_goal(v: dict) -> None:
    losses = [q(x) for x in re.findall(rf"Sequence \d+: Loss = ({NUM})", v["stem"])]
    text = correct_text(v)
    assert text.startswith("Find a single set of parameters θ that minimizes the sum")
    assert q(re.search(rf"→ ({NUM})\)", text).group(1)) == sum(losses), (v["stem"], text)


def key_training_progress(v: dict) -> None:
    lines = [ln for ln in v["stem"].splitlines() if ln.startswith("|")]
    steps = re.findall(r"checkpoint at step (\d+)", lines[0])
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]
    totals = [sum(q(r[k + 1]) for r in rows) for k in range(2)]
    assert totals[0] != totals[1]
    best = 0 if totals[0] < totals[1] else 1
    text = correct_text(v)
    assert text.startswith(f"The checkpoint at step {steps[best]}: its total loss over the sequences is lower"), text
    a, b = nums(re.search(r"\(([^)]*)\)", text).group(1))
    assert (a, b) == (totals[best], totals[1 - best]), (v["stem"], text)


def key_unique_params_tf(v: dict) -> None:
    s = v["stem"].split("\n\n", 1)[1]
    if m := re.search(rf"from ({NUM}) to ({NUM}) but raises the loss of sequence 2 from ({NUM}) to ({NUM})", s):
        a, b, c, d = map(q, m.groups())
        truth = b + d < a + c
    elif m := re.search(rf"are ((?:{NUM}, )+{NUM})\. The value of the pre-training objective at these parameters is "
                        rf"({NUM})\.", s):
        truth = q(m.group(2)) == sum(nums(m.group(1)))
    elif "single parameter set θ̂ that minimizes the sum" in s:
        truth = True
    elif "parameter sets, the best one for each sequence" in s or "for each individual text sequence" in s:
        truth = False
    else:
        raise AssertionError(f"unknown statement: {s}")
    assert v["answer"] == correct_text(v) == ("True" if truth else "False"), s


def key_which_predictions(v: dict) -> None:
    t = quoted_tokens(v["stem"])
    assert correct_text(v) == ", ".join(f"Pr({t[i]} | {' '.join(t[:i])})" for i in range(1, len(t)))


def key_one_hot_target(v: dict) -> None:
    stem = v["stem"]
    toks = quoted_tokens(stem)
    vocab = {w: int(i) for i, w in re.findall(r"(\d+) = '([^']*)'", stem)}
    step = int(re.search(r"At step i = (\d+)", stem).group(1))
    k = vocab[toks[step]]
    assert correct_text(v) == "[" + ", ".join("1" if j == k else "0" for j in range(len(vocab))) + "]"


def key_objective_formula(v: dict) -> None:
    assert correct_text(v) == "θ̂ = argmin_θ Σ_{x∈D} L_θ(x)"


KEYS = {name.removeprefix("key_"): f for name, f in globals().items() if name.startswith("key_")}


def _item_oracle(item: str):
    """An item without a key_<item> above brings its own `key_from_stem(view)`, given only what a student sees:
    {"stem": str, "choices": [text, ...]}; it returns the exact number (Fraction/Decimal/int) or the correct text."""
    f = getattr(item_module(item), "key_from_stem", None)
    assert f is not None, f"quiz item {item}: define key_from_stem(view) in the item or key_{item} in {__file__}"

    def check(v: dict) -> None:
        key = f({"stem": v["stem"], "choices": [c["text"] for c in v.get("choices", [])]})
        if v["type"] == "numeric":
            check_numeric(v, Fraction(key))
        else:
            assert correct_text(v) == key, (v["stem"], key)

    return check


def test_quiz_keys_every_item_has_an_exact_key_check():
    for item in item_ids():
        assert item in KEYS or callable(getattr(item_module(item), "key_from_stem", None)), item


@pytest.mark.parametrize("item", item_ids())
def test_quiz_keys_exact_from_printed_numbers(item):
    check = KEYS.get(item) or _item_oracle(item)
    for index in range(N_VARIANTS):
        v = render_variant(item, 2026, index)
        if v["type"] == "mcq":
            assert v["answer"] == "ABCDEFGHIJ"[[c["correct"] for c in v["choices"]].index(True)]
        check(v)


def test_quiz_keys_float_tie_regression():
    v = render_variant("unique_params_tf", 2026, 5)
    assert "from 4.9 to 4.6" in v["stem"] and "from 3.2 to 3.5" in v["stem"]
    assert v["answer"] == "False" and "8.1 before" in v["feedback"] and "8.1 after" in v["feedback"]
