"""Card: evaluating training progress. The better parameter set has the lower dataset loss Σ_{x∈D} L_θ(x),
measured on the same sequences; winning on one sequence or on a per-sequence comparison decides nothing."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from .._common import choice, fmt, losses, shown, shown_sum

ORDER = 60  # place in the quiz (items are discovered from this folder)
TYPE = "mcq"
TITLE = "Evaluating training progress"
ORIGINAL = {"steps": [1000, 2000], "losses": [[8.4, 2.1, 5.5], [6.9, 2.4, 4.8]]}

STEM = """Two checkpoints of the same language model are evaluated on the same {{ n }} sequences from the training \
data. The per-sequence losses (nats) are:

| sequence |{% for s in steps %} checkpoint at step {{ s }} |{% endfor %}
| --- |{% for s in steps %} --- |{% endfor %}
{% for k in range(n) %}| {{ k + 1 }} |{% for row in losses %} {{ fmt(row[k]) }} |{% endfor %}
{% endfor %}
Judged by the pre-training objective, which checkpoint is better?"""


def _valid(ls: list[list[float]]) -> bool:
    ex = [[shown(x) for x in r] for r in ls]
    ta, tb = sum(ex[0]), sum(ex[1])
    if abs(ta - tb) < Fraction(1, 2):
        return False
    best = 0 if ta < tb else 1
    pairs = list(zip(ex[0], ex[1], strict=True))
    wins = [sum(a < b for a, b in pairs), sum(b < a for a, b in pairs)]
    lowest = 0 if min(ex[0]) < min(ex[1]) else 1
    return min(wins) >= 1 and lowest != best and min(ex[0]) != min(ex[1])


def generate(rng: random.Random) -> dict[str, Any]:
    a = rng.choice([100, 200, 500, 1000, 2000, 5000])
    steps = [a, a * rng.choice([2, 3, 4, 5, 10])]
    n = rng.randint(3, 5)
    while True:  # rejection sampling: the mistakes below must point at the wrong checkpoint
        ls = [losses(rng, n, 0.5, 9.9), losses(rng, n, 0.5, 9.9)]
        if _valid(ls):
            return {"steps": steps, "losses": ls}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    steps, ls = p["steps"], p["losses"]
    exact = [shown_sum(r) for r in ls]  # Σ_x L_θ(x) per checkpoint, exact from the printed table
    best = 0 if exact[0] < exact[1] else 1
    tot = [float(t) for t in exact]
    other = 1 - best
    lowest = 0 if min(shown(x) for x in ls[0]) < min(shown(x) for x in ls[1]) else 1
    name = [f"The checkpoint at step {s}" for s in steps]
    options = [
        choice(f"{name[best]}: its total loss over the sequences is lower ({fmt(tot[best])} vs {fmt(tot[other])}).",
               f"Right: the objective is Σ_x L_θ(x); {fmt(tot[best])} < {fmt(tot[other])}."),
        choice(f"{name[other]}: its total loss is higher ({fmt(tot[other])} vs {fmt(tot[best])}), so it has "
               "learned more.", "Higher is not better: the loss is −log Pr, and training minimizes it.",
               "higher-is-better"),
        choice(f"{name[lowest]}: it reaches the lowest loss on any single sequence ({fmt(min(ls[lowest]))}).",
               "Best single sequence: the objective sums the losses of all sequences; one good sequence does not "
               "make a better parameter set.", "best-single-sequence"),
        choice("Neither: each checkpoint is better on some sequences, so they cannot be compared.",
               "Per-sequence comparison: pre-training compares ONE number per parameter set, the dataset loss "
               "Σ_x L_θ(x), so the checkpoints are comparable.", "per-sequence-comparison"),
    ]
    if best == 0:
        options.append(choice(f"{name[1]}: a later checkpoint is always better.",
                              "Later is not always better: compare the dataset losses; training can overfit or "
                              "diverge.", "later-is-better"))
    return {
        "choices": options,
        "feedback": f"Σ_x L_θ(x) = {fmt(tot[0])} at step {steps[0]} and {fmt(tot[1])} at step {steps[1]}: the "
                    f"checkpoint at step {steps[best]} has the lower objective.",
        "context": {"n": len(ls[0])},
        "n_distractors": 3,
    }
