"""Card: from a single sequence to the full dataset.  Σ_{x∈D} L_θ(x) with L_θ(x) = Σ_i L_i."""

from __future__ import annotations

import random
from typing import Any

from .._common import distinct_mistakes, fmt, fmt_list, losses, mistake, shown_sum

ORDER = 70  # place in the quiz (items are discovered from this folder)
TYPE = "numeric"
TITLE = "From a single sequence to the full dataset"
ORIGINAL = {"per_step": False, "losses": [[8.4], [2.1], [5.5]]}  # course card: 8.4 + 2.1 + 5.5 = 16.0

STEM = """A dataset D holds {{ n }} token sequences. For the current parameters θ of a language model,
{% if per_step %}the per-step losses L_i (nats) on each sequence are:

{% for row in losses %}- sequence {{ loop.index }}: {{ fl(row) }}
{% endfor %}{% else %}the sequence losses L_θ(x) (nats) are:

{% for row in losses %}- sequence {{ loop.index }}: {{ fmt(row[0]) }}
{% endfor %}{% endif %}
What is the value of the pre-training objective, the loss over the whole dataset?"""


def generate(rng: random.Random) -> dict[str, Any]:
    n = rng.randint(3, 5)
    return {"per_step": True, "losses": [losses(rng, rng.randint(2, 4), 0.1, 4.9) for _ in range(n)]}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    rows = p["losses"]
    seq = [shown_sum(r) for r in rows]  # L_θ(x) = Σ_i L_i of the printed L_i, exactly
    exact = sum(seq)  # Σ_{x∈D} L_θ(x)
    answer = float(exact)
    tokens = sum(len(r) for r in rows)
    tol = 0.01
    ms = [
        mistake(float(exact / len(rows)), "mean-instead-of-sum", "You averaged over sequences: the dataset loss is "
                "the sum of the sequence losses, not their mean."),
        mistake(float(seq[-1]), "single-sequence", "That is one sequence's loss; the objective sums over every x ∈ D."),
        mistake(float(max(seq)), "max-for-sum", "You took the largest sequence loss; every sequence's loss adds up."),
    ]
    if p["per_step"]:
        ms.append(mistake(float(exact / tokens), "mean-per-token", "You divided by the number of tokens: that is the "
                          "mean per-token loss, not the objective Σ_x L_θ(x)."))
    how = " + ".join(fmt(float(s)) for s in seq)
    return {
        "answer": answer,
        "tolerance": tol,
        "mistakes": distinct_mistakes(answer, tol, ms),
        "feedback": f"Σ_{{x∈D}} L_θ(x) = {how} = {fmt(answer)} nats: sum each sequence's step losses, then sum "
                    "over the dataset.",
        "context": {"n": len(rows), "fl": fmt_list},
    }
