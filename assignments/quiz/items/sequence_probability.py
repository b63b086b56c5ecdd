"""Card: probability of a sequence with a pre-trained model (chain rule).

Pr(x_1..x_m | x_0) = Π_i Pr(x_i | x_<i) = exp(Σ_i log Pr(x_i | x_<i)) = exp(−L_θ(x)), natural log.
"""

from __future__ import annotations

import math
import random
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

from lmcore import total_loss, word_tokenize

from .._common import distinct_mistakes, fmt, mistake, sentence_tokens, shown

ORDER = 40  # place in the quiz (items are discovered from this folder)
TYPE = "numeric"
TITLE = "Probability of a sequence"
# the course's worked sequence and its loss 1.2 + 0.5 + 2.3 = 4.0 nats
_EXACT = Context(prec=40)  # exp of the printed loss to 40 digits, then rounded once to a float
ORIGINAL = {"mode": "loss", "tokens": word_tokenize("The cat sat on"), "loss": 4.0}

STEM = """A pre-trained language model is applied to the token sequence ({{ quoted }}).
{% if mode == "loss" %}
Its loss on this sequence is L_θ(x) = {{ fmt(loss) }} nats (natural log).
{% else %}
Its conditional probabilities for the prediction steps are:

{% for pr in probs %}- Pr({{ tokens[loop.index] }} | {{ tokens[:loop.index] | join(" ") }}) = {{ fmt(pr) }}
{% endfor %}{% endif %}
What probability Pr(x_1, …, x_{{ m }} | x_0) does the model assign to the sequence? Give 3 significant figures."""


def generate(rng: random.Random) -> dict[str, Any]:
    toks = sentence_tokens(rng, 3, 5)
    if rng.random() < 0.5:
        return {"mode": "loss", "tokens": toks, "loss": round(rng.uniform(0.5, 9.0), 2)}
    return {"mode": "probs", "tokens": toks, "probs": [round(rng.uniform(0.05, 0.95), 2) for _ in toks[1:]]}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    toks, m = p["tokens"], len(p["tokens"]) - 1
    if p["mode"] == "loss":
        L = float(shown(p["loss"]))
        answer = float(_EXACT.exp(-Decimal(fmt(p["loss"]))))  # exp(−L) of the printed L
        ms = [
            mistake(math.exp(L), "missing-minus", "Sign error: Pr = exp(−L), and a probability cannot exceed 1."),
            mistake(2.0 ** -L, "log-base-2", "Log base: the loss is in nats (natural log), so use e^−L, not 2^−L."),
            mistake(10.0 ** -L, "log-base-10", "Log base: the loss is in nats (natural log), so use e^−L, not 10^−L."),
            mistake(-L, "loss-is-log-prob", "−L is the log-probability; exponentiate it to get the probability."),
            mistake(math.exp(-L / m), "mean-per-token", "exp(−L/m) is the per-token (geometric mean) "
                    "probability; the sequence probability is exp(−L)."),
        ]
        how = f"Pr = exp(−L_θ(x)) = exp(−{fmt(L)}) = {fmt(answer, 3)}"
    else:
        probs = p["probs"]
        exact = Fraction(1)
        for q in probs:  # Π_i Pr(x_i | x_<i) of the printed probabilities, exactly
            exact *= shown(q)
        answer = float(exact)
        L = total_loss([-math.log(shown(q)) for q in probs])  # L_θ(x) = Σ_i −log Pr(x_i | x_<i)
        added = sum(map(shown, probs))
        ms = [
            mistake(float(added), "sum-of-probabilities", "You added the conditional probabilities; the chain "
                    "rule multiplies them (equivalently, adds their logs)."),
            mistake(float(added / m), "mean-of-probabilities", "You averaged the conditional probabilities; "
                    "the chain rule multiplies them."),
            mistake(math.exp(-L / m), "mean-per-token", "That is the per-token (geometric mean) probability; "
                    "the sequence probability is the full product."),
            mistake(L, "loss-not-probability", f"{fmt(L)} is the loss −Σ log Pr; the probability is exp(−L)."),
        ]
        how = (f"L_θ(x) = −Σ_i log Pr(x_i | x_<i) = {fmt(L)} nats, so Pr = Π_i Pr(x_i | x_<i) = exp(−L) = "
               f"{fmt(answer, 3)}")
    tol = abs(answer) * 0.01  # 1 % relative: 3 significant figures always pass
    return {
        "answer": answer,
        "tolerance": tol,
        "mistakes": distinct_mistakes(answer, tol, ms),
        "feedback": how + " (chain rule: log Pr(x_1..x_m | x_0) = −L_θ(x)).",
        "context": {"quoted": ", ".join(f"'{t}'" for t in toks), "m": m},
    }
