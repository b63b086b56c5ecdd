"""step_losses_from_probs: L_i = -log q_i[x_i] for i = 1..m, one loss per prediction step."""

import math

import torch

import lmcore
from autograder.runtime.checks import Mistake, Question, Test


def question(p: dict, name: str) -> Question:
    logits, ids, V = torch.tensor(p["logits"]), p["ids"], len(p["vocab"])
    probs = torch.softmax(logits[:-1].double(), -1)
    steps = lmcore.cross_entropy(lmcore.one_hot(ids[1:], V).double(), probs).numpy()
    probe = "step_losses_from_probs(torch.softmax(LOGITS[:-1], -1), IDS[1:])"
    return Question(name, 2, [
        Test(f"{name} per-step losses", probe, steps.tolist(), kind="array", shape=list(steps.shape), rtol=1e-4,
             atol=1e-6, mistakes=[
                 Mistake("log-base-2", (steps / math.log(2)).tolist(), "you used log base 2; use the natural log."),
                 Mistake("log-base-10", (steps / math.log(10)).tolist(), "you used log base 10; use the natural log."),
                 Mistake("missing-minus", (-steps).tolist(), "missing minus sign: L_i = −log q_i[x_i] ≥ 0."),
             ]),
        # on other inputs (x_1..x_m as the sequence): a memorized public answer has the wrong length
        Test(f"{name} one loss per prediction step",
             "len(step_losses_from_probs(torch.softmax(LOGITS[1:-1], -1), IDS[2:]))", len(ids) - 2, kind="exact",
             hidden=True),
    ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses", "lmcore.losses.sequence_loss"])
