"""Card: total loss of a token sequence from its per-step losses.  L_θ(x) = Σ_{i=1..m} L_i."""

from __future__ import annotations

import random
from typing import Any

from .._common import distinct_mistakes, fmt, losses, mistake, shown, shown_sum

ORDER = 10  # place in the quiz (items are discovered from this folder)
TYPE = "numeric"
TITLE = "Total loss of a token sequence"
ORIGINAL = {"losses": [1.2, 0.5, 2.3]}  # course card: 1.2 + 0.5 + 2.3 = 4.0

STEM = """A language model is evaluated on a sequence of {{ m + 1 }} tokens, ({{ xs }}). The model's performance is \
measured by a loss value at each step of the sequence generation:

{% for l in losses %}- the loss for predicting token x_{{ loop.index }} is {{ fmt(l) }}
{% endfor %}
Based on this information, what is the total loss (in nats) for the entire token sequence?"""


def generate(rng: random.Random) -> dict[str, Any]:
    return {"losses": losses(rng, rng.randint(3, 6), 0.1, 4.9)}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    ls = p["losses"]
    m = len(ls)
    exact = shown_sum(ls)  # L_θ(x) = Σ_i L_i of the printed L_i, exactly
    answer = float(exact)
    tol = 0.01
    ms = distinct_mistakes(answer, tol, [
        mistake(float(exact / m), "mean-instead-of-sum",
                "You averaged the step losses. The sequence loss is their sum, not their mean."),
        mistake(float(shown_sum(ls[:-1])), "off-by-one",
                f"You left out the last step. There are {m} prediction steps (x_1..x_{m}) and all count."),
        mistake(float(max(map(shown, ls))), "max-for-sum",
                "You took the largest step loss. Every step's loss adds to the total."),
    ])
    return {
        "answer": answer,
        "tolerance": tol,
        "mistakes": ms,
        "feedback": f"L_θ(x) = Σ_i L_i = {' + '.join(fmt(x) for x in ls)} = {fmt(answer)} nats: the sequence loss is "
                    f"the sum of the per-step losses (x_0 is context only, so there are {m} terms).",
        "context": {"m": m, "xs": ", ".join(f"x_{i}" for i in range(m + 1))},
    }
