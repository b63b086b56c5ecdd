"""Card: the training goal given several sequence losses.

Pre-training looks for ONE parameter set θ̂ = argmin_θ Σ_{x∈D} L_θ(x) for the whole dataset.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from .._common import choice, fmt, fmt_list, losses, shown, shown_sum

ORDER = 50  # place in the quiz (items are discovered from this folder)
TYPE = "mcq"
TITLE = "The training goal"
ORIGINAL = {"losses": [8.4, 2.1, 5.5]}  # course card: objective value 16.0

STEM = """A language model is being trained on a large dataset of text. After an initial training iteration, the \
model's performance is measured on {{ n }} distinct sequences from the dataset, yielding the following loss values:

{% for l in losses %}- Sequence {{ loop.index }}: Loss = {{ fmt(l) }}
{% endfor %}
Based on the fundamental objective of this training process, which of the following statements most accurately \
describes the model's overall goal?"""


def generate(rng: random.Random) -> dict[str, Any]:
    return {"losses": losses(rng, rng.randint(3, 5), 0.5, 9.9)}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    ls = p["losses"]
    total = float(shown_sum(ls))  # the objective's value, exact from the printed losses
    worst = max(range(len(ls)), key=lambda k: shown(ls[k]))
    prod = Fraction(1)
    for x in ls:
        prod *= shown(x)
    options = [
        choice(f"Find a single set of parameters θ that minimizes the sum of the losses over all sequences "
               f"(currently {fmt_list(ls)} → {fmt(total)}).",
               f"Right: the objective is Σ_x L_θ(x) = {fmt(total)} at the current parameters, minimized by one θ "
               "shared by the whole dataset."),
        choice("Find a separate set of parameters for each sequence, each minimizing that sequence's own loss.",
               "Per-sequence argmin: pre-training finds ONE parameter set for the whole dataset, not one per "
               "sequence.", "per-sequence-argmin"),
        choice(f"Find parameters that maximize the total loss, currently {fmt(total)}.",
               "Sign error (argmax): a loss is a negative log-probability, so lower is better and training "
               "minimizes it.", "argmax"),
        choice(f"Minimize only the largest loss ({fmt(ls[worst])}, sequence {worst + 1}), since that sequence is "
               "the worst.", "Max for sum: every sequence's loss counts in the objective, not just the worst one.",
               "max-for-sum"),
        choice(f"Minimize the product of the sequence losses, currently {fmt(float(prod))}.",
               "Product: the dataset loss is a sum of sequence losses (probabilities multiply, so their "
               "negative logs add).", "product-of-probabilities"),
    ]
    return {
        "choices": options,
        "feedback": f"θ̂ = argmin_θ Σ_{{x∈D}} L_θ(x); here Σ = {' + '.join(fmt(x) for x in ls)} = {fmt(total)}.",
        "context": {"n": len(ls)},
        "n_distractors": 3,
    }
