"""Card: which predictions contribute to a sequence's total loss.

For x = (x_0..x_m) the terms are Pr(x_i | x_0..x_{i-1}) for i = 1..m; lmcore.next_token_targets gives the targets
x_1..x_m (x_0 is never a target).
"""

from __future__ import annotations

import random
from typing import Any

from lmcore import next_token_targets, word_tokenize

from .._common import choice, sentence_tokens

ORDER = 20  # place in the quiz (items are discovered from this folder)
TYPE = "mcq"
TITLE = "Which predictions contribute to the total loss"
ORIGINAL = {"tokens": word_tokenize("The cat sat on")}

STEM = """A language model's performance is being evaluated on the token sequence ({{ quoted }}). The total loss for \
this sequence is calculated by summing the individual losses from each predictive step. Which of the following sets \
of predictions contributes to this total loss calculation?"""


def _pr(target: str, context: list[str]) -> str:
    return f"Pr({target} | {' '.join(context)})" if context else f"Pr({target})"


def generate(rng: random.Random) -> dict[str, Any]:
    return {"tokens": sentence_tokens(rng, 4, 6)}


def solve(p: dict[str, Any]) -> dict[str, Any]:
    toks = p["tokens"]
    _, targets = next_token_targets(toks)
    steps = [(t, toks[: i + 1]) for i, t in enumerate(targets)]  # (x_i, x_0..x_{i-1}) for i = 1..m
    m = len(steps)
    correct = ", ".join(_pr(t, c) for t, c in steps)
    options = [
        choice(correct, f"Right: x_0 = '{toks[0]}' is context only, so there are exactly {m} terms, each conditioned "
               "on the whole prefix before it."),
        choice(", ".join([_pr(toks[0], []), correct]),
               f"x_0 included: nothing predicts the first token '{toks[0]}'; it is context only, so Pr({toks[0]}) "
               f"is not a term. A sequence of {m + 1} tokens has {m} loss terms.", "loss-term-for-x0"),
        choice(", ".join(_pr(t, c[-1:]) for t, c in steps),
               "Previous token only: each prediction conditions on the whole prefix x_0..x_{i-1}, "
               "not just the token before it.", "previous-token-only"),
        choice(", ".join(_pr(toks[i], toks[i + 1:]) for i in range(m)),
               "Wrong direction: a language model predicts each token from the tokens before it, not after it.",
               "reversed-direction"),
        choice(_pr(*steps[-1]), "Last step only: the total loss sums the losses of every prediction step, "
               "not only the final one.", "last-step-only"),
        choice(", ".join(_pr(t, c) for t, c in steps[:-1]),
               f"Off by one: the last token '{toks[-1]}' is predicted too; steps run i = 1..{m}.", "off-by-one"),
    ]
    return {
        "choices": options,
        "feedback": f"Σ_i L_i with L_i = −log Pr(x_i | x_0..x_{{i−1}}) for i = 1..{m}: {correct}.",
        "context": {"quoted": ", ".join(f"'{t}'" for t in toks)},
        "n_distractors": 3,
    }
