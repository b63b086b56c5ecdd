"""Card (true/false): pre-training finds a unique optimal parameter set for each sequence — FALSE.
There is ONE θ̂ = argmin_θ Σ_{x∈D} L_θ(x) shared by the whole dataset. Other variants state related facts
whose truth is decided by lmcore where numbers are involved."""

from __future__ import annotations

import random
from typing import Any

from .._common import fmt, fmt_list, losses, shown, shown_sum

ORDER = 80  # place in the quiz (items are discovered from this folder)
TYPE = "truefalse"
TITLE = "One parameter set for the whole dataset (true/false)"
ORIGINAL = {"kind": "card"}
CARD = ("The primary objective of pre-training a language model on a dataset is to find a unique, optimal set of "
        "model parameters for each individual text sequence within that dataset.")
KINDS = ["per-sequence", "one-theta", "objective-value", "objective-mean", "tradeoff"]

STEM = """True or false?

{{ statement }}"""


def generate(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(KINDS)
    p: dict[str, Any] = {"kind": kind, "n": rng.randint(1_000, 5_000_000)}
    if kind in ("objective-value", "objective-mean"):
        p["losses"] = losses(rng, rng.randint(3, 5), 0.5, 9.9)
    if kind == "tradeoff":
        a, c = round(rng.uniform(3, 9), 1), round(rng.uniform(3, 9), 1)
        p["change"] = [a, round(a - rng.uniform(0.2, 2.5), 1), c, round(c + rng.uniform(0.2, 2.5), 1)]
    return p


def _statement(p: dict[str, Any]) -> tuple[str, bool, str, str]:
    """(statement, truth, why, mistake a student makes by answering the other way)."""
    k = p["kind"]
    if k == "card":
        return CARD, False, "Pre-training finds ONE parameter set θ̂ = argmin_θ Σ_{x∈D} L_θ(x) shared by all " \
                            "sequences, not one per sequence.", "per-sequence-argmin"
    n = f"{p.get('n', 0):,}"
    if k == "per-sequence":
        return (f"Pre-training a language model on a dataset of {n} sequences produces {n} parameter sets, the best "
                f"one for each sequence.", False, "There is one θ̂ for the whole dataset: it minimizes the sum of all "
                f"{n} sequence losses.", "per-sequence-argmin")
    if k == "one-theta":
        return (f"Pre-training on a dataset of {n} sequences looks for a single parameter set θ̂ that minimizes the "
                f"sum of all {n} sequence losses.", True, "θ̂ = argmin_θ Σ_{x∈D} L_θ(x): one θ for the whole "
                "dataset.", "per-sequence-argmin")
    if k in ("objective-value", "objective-mean"):
        ls = p["losses"]
        total = shown_sum(ls)  # exact, from the printed losses
        claim = float(total if k == "objective-value" else total / len(ls))
        truth = shown(claim) == total  # decided on the number the statement prints
        mean = "" if truth else f"{fmt(claim)} is the mean of the losses (mean for sum). "
        return (f"A model's losses on the {len(ls)} sequences of a dataset are {fmt_list(ls)}. The value of the "
                f"pre-training objective at these parameters is {fmt(claim)}.", truth,
                f"{mean}The objective sums the sequence losses: {' + '.join(fmt(x) for x in ls)} = "
                f"{fmt(float(total))}.",
                "mean-instead-of-sum")
    a, b, c, d = p["change"]
    before, after = shown_sum([a, c]), shown_sum([b, d])  # exact: 4.9 + 3.2 == 4.6 + 3.5
    truth = after < before
    return (f"A training step lowers the loss of sequence 1 from {fmt(a)} to {fmt(b)} but raises the loss of sequence "
            f"2 from {fmt(c)} to {fmt(d)}. On a dataset made of these two sequences, this step made progress on the "
            f"pre-training objective.", truth, f"Progress means a lower sum: {fmt(a)} + {fmt(c)} = "
            f"{fmt(float(before))} before, {fmt(b)} + {fmt(d)} = {fmt(float(after))} after"
            f"{'' if truth else ': not lower'}.", "per-sequence-comparison")


def solve(p: dict[str, Any]) -> dict[str, Any]:
    text, truth, why, wrong = _statement(p)
    right = "Right. " + why
    options = [
        {"text": "True", "correct": truth, "feedback": right if truth else why, "mistake": None if truth else wrong},
        {"text": "False", "correct": not truth, "feedback": why if truth else right,
         "mistake": wrong if truth else None},
    ]
    return {
        "choices": options,
        "answer": "True" if truth else "False",
        "feedback": f"{'True' if truth else 'False'}. {why}",
        "context": {"statement": text},
    }
