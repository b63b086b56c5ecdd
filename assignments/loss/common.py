"""Reference values and known mistakes shared by the questions of assignment "loss" (build time, full lmcore)."""

from __future__ import annotations

import math

import numpy as np
import torch

import lmcore
from assignments.signatures import distinct
from autograder.runtime.checks import NONFINITE, Mistake, Test


def log_prob(probs: list[float]) -> float:
    """Chain rule: log Pr(x_1..x_m | x_0) = sum_i log p_i = -(sum of the step losses -log p_i), via lmcore."""
    return -lmcore.total_loss(-np.log(np.asarray(probs, dtype=np.float64)))


def seq_mistakes(total: float, m: int, extra: list[Mistake] | None = None) -> list[Mistake]:
    """What a sequence loss `total` over m steps becomes under the usual mistakes."""
    return [
        Mistake("mean-instead-of-sum", total / m, "this is the mean of the step losses (F.cross_entropy's default "
                "reduction); the sequence loss is their sum L = Σ_i L_i."),
        Mistake("log-base-2", total / math.log(2), "you used log base 2; the loss uses the natural log (nats)."),
        Mistake("log-base-10", total / math.log(10), "you used log base 10; the loss uses the natural log (nats)."),
        Mistake("missing-minus", -total, "the sign is wrong: L_i = −log q_i[x_i] is positive (missing minus sign)."),
        *(extra or []),
    ]


def logits_mistakes(logits: torch.Tensor, ids: list[int]) -> list[Mistake]:
    """The sequence loss of (logits, ids) under the mistakes of pairing rows with targets and of normalizing."""
    z, x = logits.double(), torch.as_tensor(ids)
    rows = torch.arange(len(ids) - 1)

    def picked(table: torch.Tensor) -> float:  # sum over i of table[i-1, x_i]
        return float(table[rows, x[1:]].sum())

    return [
        Mistake("loss-term-for-x0", float(lmcore.sequence_loss(z, ids)), "you included a loss term for x_0 (pairing "
                "row t of the logits with x_t). x_0 is context only: the terms are L_1..L_m, with row i−1 "
                "predicting x_i."),
        Mistake("off-by-one", float(lmcore.sequence_loss(z[1:], ids[1:])), "off-by-one shift: row i−1 of the "
                "logits predicts x_i (use logits[:-1] with ids[1:])."),
        Mistake("softmax-missing", -picked(z), "you took the logits as log-probabilities: apply a log-softmax "
                "first (F.cross_entropy does it for you)."),
        Mistake("softmax-applied-twice", -picked(torch.log_softmax(torch.softmax(z, -1), -1)), "you normalized "
                "twice: F.cross_entropy (or log_softmax) takes logits, not the probabilities softmax made."),
        Mistake("log-missing", -picked(torch.softmax(z, -1)), "you summed −q_i[x_i], not −log q_i[x_i]: "
                "F.nll_loss expects log-probabilities."),
        Mistake("wrong-axis", -picked(torch.log_softmax(z[:-1], 0)), "you normalized over the wrong axis: log-softmax "
                "each row over the vocabulary (dim=-1), not each column over the positions."),
    ]


def overflow() -> Mistake:
    return Mistake("log-softmax-overflow", NONFINITE, "your result is inf or nan for large logits: log(softmax(z)) "
                   "overflows. Use log-softmax, log q_k = z_k − logsumexp(z) (subtract max z before exp).")


def num(name: str, probe: str, expect: float, mistakes: list[Mistake], hidden: bool = False,
        failure_message: str = "", points: float = 1.0) -> Test:
    """A numeric test with the assignment's tolerance, keeping the mistakes its input tells apart."""
    return distinct(Test(name, probe, float(expect), mistakes=mistakes, hidden=hidden, rtol=1e-4, atol=1e-6,
                         failure_message=failure_message, points=points))
