"""Reference values and known mistakes shared by the questions of assignment "loss" (build time, full lmcore)."""

from __future__ import annotations

import math

import numpy as np

import lmcore
from autograder.runtime.checks import NONFINITE, Mistake, Test


def log_prob(probs: list[float]) -> float:
    """Chain rule: log Pr(x_1..x_m | x_0) = sum_i log p_i = -(sum of the step losses -log p_i), via lmcore."""
    return -lmcore.total_loss(-np.log(np.asarray(probs, dtype=np.float64)))


def seq_mistakes(total: float, m: int, extra: list[Mistake] | None = None) -> list[Mistake]:
    """What a sequence loss `total` over m steps becomes under the usual mistakes."""
    return [
        Mistake("mean-instead-of-sum", total / m, "this is the mean of the step losses; the sequence loss is their "
                "sum L = Σ_i L_i."),
        Mistake("log-base-2", total / math.log(2), "you used log base 2; the loss uses the natural log (nats)."),
        Mistake("log-base-10", total / math.log(10), "you used log base 10; the loss uses the natural log (nats)."),
        Mistake("missing-minus", -total, "the sign is wrong: L_i = −log q_i[x_i] is positive (missing minus sign)."),
        *(extra or []),
    ]


def overflow() -> Mistake:
    return Mistake("log-softmax-overflow", NONFINITE, "your result is inf or nan for large logits: log(softmax(z)) "
                   "overflows. Use log-softmax, log q_k = z_k − logsumexp(z) (subtract max z before exp).")


def num(name: str, probe: str, expect: float, mistakes: list[Mistake], hidden: bool = False,
        failure_message: str = "") -> Test:
    """A numeric test with the assignment's tolerance."""
    return Test(name, probe, float(expect), mistakes=mistakes, hidden=hidden, rtol=1e-4, atol=1e-6,
                failure_message=failure_message)
