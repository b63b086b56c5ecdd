"""Assignment "loss": per-step losses, the sequence loss as a sum, cross-entropy with one-hot targets, the chain rule,
and the dataset loss. Every number in the prompts and tests is computed with lmcore at build time.

Parameter space of a variant (same difficulty for everyone): a 4-6 token sentence from the quiz word bank, seeded
random logits (m + 1, V) of a causal model run on it, 3-5 step losses with one decimal, three sequences' step losses,
and a seeded 400-step list of token probabilities. The default variant (seed None) uses the course card's numbers.
"""

from __future__ import annotations

import random

import torch

import lmcore
from assignments.loss.common import log_prob
from autograder.runtime.mistakes import Known

TITLE = "The loss of a token sequence"
# mistakes only this assignment's questions make (the catalogue's shared ones are in autograder/runtime/mistakes.py)
MISTAKES = {
    "product-for-sum": Known("product instead of sum", "losses add up: L_θ(x) = Σ_i L_i and the dataset loss "
                             "Σ_x L_θ(x) are sums (it is the probabilities that multiply)."),
}


def params(seed: int | None) -> dict:
    rng = random.Random(0 if seed is None else seed)
    if seed is None:
        tokens, steps = ["The", "cat", "sat", "on"], [1.2, 0.5, 2.3]
        dataset = [[1.2, 0.5, 2.3], [3.1, 2.2, 0.4, 2.7], [1.9, 0.8]]
    else:
        from assignments.quiz._common import sentence_tokens

        tokens = sentence_tokens(rng)
        steps = [round(rng.uniform(0.2, 3.5), 1) for _ in range(rng.randint(3, 5))]
        dataset = [[round(rng.uniform(0.2, 3.5), 1) for _ in range(rng.randint(2, 5))] for _ in range(3)]
    vocab = lmcore.Vocabulary.build([tokens])
    ids = vocab.encode(tokens)
    g = torch.Generator().manual_seed(seed if seed is not None else 4)
    logits = (torch.randn(len(ids), len(vocab), generator=g) * 2).round(decimals=2)
    step_probs = torch.exp(-lmcore.step_losses(logits[:-1].double(), ids[1:]))  # Pr(x_i | x_<i) = exp(-L_i)
    long_probs = [round(rng.uniform(0.01, 0.2), 3) for _ in range(400)]
    p = {
        "tokens": tokens, "vocab": vocab.itos, "ids": ids,
        "logits": [[round(v, 2) for v in row] for row in logits.double().tolist()],
        "steps": steps, "hidden_steps": [round(rng.uniform(0.1, 4.0), 2) for _ in range(7)],
        "step_probs": [float(f"{float(q):.4g}") for q in step_probs], "long_probs": long_probs, "dataset": dataset,
        # hidden tests' inputs: never the public ones, so a memorized public answer fails them
        "hidden_probs": [round(rng.uniform(0.05, 0.95), 3) for _ in range(6)],
        "hidden_dataset": [[round(rng.uniform(0.2, 3.5), 2) for _ in range(rng.randint(2, 6))] for _ in range(4)],
    }
    for key in ("dataset", "hidden_dataset"):  # the first sequence is neither the smallest nor the largest, so
        by_total = sorted(p[key], key=sum)  # "the first sequence only" is told apart from "the smallest/largest one"
        p[key] = [by_total[1], *(d for d in p[key] if d is not by_total[1])]
    p["total_steps"] = lmcore.total_loss(steps)
    p["log_prob"] = log_prob(p["step_probs"])
    return p


def data_cell(p: dict) -> str:
    """The data cell every student sees, also run before each probe so tests use the real data, not the student's."""
    return "\n".join([
        "import math", "import numpy as np", "import torch", "",
        f"TOKENS = {p['tokens']!r}  # x_0..x_m",
        f"VOCAB = {p['vocab']!r}  # id -> token",
        f"IDS = {p['ids']!r}  # the indexed sequence",
        "# LOGITS[t] = the model's next-token logits after reading x_0..x_t (one row per position, V columns)",
        f"LOGITS = torch.tensor({p['logits']!r})",
    ])
