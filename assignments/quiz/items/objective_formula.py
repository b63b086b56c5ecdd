"""Card: the pre-training objective formula θ̂ = argmin_θ Σ_{x∈D} L_θ(x), among distractors built from real
mistakes (argmax, one argmin per sequence, product, x_0 included, max)."""

from __future__ import annotations

import random
from typing import Any

from .._common import choice, fmt, fmt_list, losses, shown_sum

ORDER = 90  # place in the quiz (items are discovered from this folder)
TYPE = "mcq"
TITLE = "The pre-training objective formula"
ORIGINAL = {"n": None, "losses": [8.4, 2.1, 5.5]}

STEM = """A language model with parameters θ is pre-trained on a dataset D{% if n %} of {{ "{:,}".format(n) }} token \
sequences{% endif %}. For a sequence x = (x_0, …, x_m), L_θ(x) = Σ_{i=1..m} −log Pr_θ(x_i | x_0..x_{i−1}) is its \
loss. Which formula states the pre-training objective?"""


def generate(rng: random.Random) -> dict[str, Any]:
    return {"n": rng.randint(1_000, 50_000_000), "losses": losses(rng, 3, 0.5, 9.9)}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    ls = p["losses"]
    total = float(shown_sum(ls))
    ex = f"With sequence losses {fmt_list(ls)} the objective's value at θ is {fmt(total)}."
    options = [
        choice("θ̂ = argmin_θ Σ_{x∈D} L_θ(x)", f"Right: one θ minimizing the sum of sequence losses. {ex}"),
        choice("θ̂ = argmax_θ Σ_{x∈D} L_θ(x)", "Argmax: losses are negative log-probabilities; maximizing them "
               "makes the model worse. Maximize Σ log Pr, or minimize Σ L.", "argmax"),
        choice("θ̂_x = argmin_θ L_θ(x) for each x ∈ D", "Per-sequence argmin: that gives a different θ for every "
               "sequence; pre-training finds one θ̂ for the whole dataset.", "per-sequence-argmin"),
        choice("θ̂ = argmin_θ Π_{x∈D} L_θ(x)", "Product: probabilities multiply, so their negative logs (the "
               f"losses) add; the objective is a sum. {ex}", "product-of-probabilities"),
        choice("θ̂ = argmin_θ Σ_{x∈D} Σ_{i=0..m} −log Pr_θ(x_i | x_0..x_{i−1})", "x_0 included: the sum starts at "
               "i = 1; x_0 is context only and is never predicted.", "loss-term-for-x0"),
        choice("θ̂ = argmin_θ max_{x∈D} L_θ(x)", "Max for sum: every sequence counts, not only the worst one.",
               "max-for-sum"),
    ]
    return {
        "choices": options,
        "feedback": f"θ̂ = argmin_θ Σ_{{x∈D}} L_θ(x): one parameter set for all of D. {ex}",
        "context": {},
        "n_distractors": 3,
    }
