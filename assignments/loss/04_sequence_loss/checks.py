"""sequence_loss_from_logits: L = sum_{i=1..m} -log softmax(logits[i-1])[x_i]; finite for huge logits."""

import torch

import lmcore
from assignments.loss.common import num, overflow, seq_mistakes
from autograder.runtime.checks import Mistake, Question


def question(p: dict, name: str) -> Question:
    logits, ids = torch.tensor(p["logits"]), p["ids"]
    m = len(ids) - 1
    total = float(lmcore.sequence_loss(logits[:-1], ids[1:]))
    x0 = float(lmcore.sequence_loss(logits, ids))  # a term for x_0: row t paired with x_t
    shift = float(lmcore.sequence_loss(logits[1:], ids[1:]))  # off by one: row t paired with x_t for t >= 1
    shape = [
        Mistake("loss-term-for-x0", x0, "you included a loss term for x_0 (pairing row t of the logits with x_t). "
                "x_0 is context only: the terms are L_1..L_m, with row i−1 predicting x_i."),
        Mistake("off-by-one", shift, "off-by-one shift: row i−1 of the logits predicts x_i (use logits[:-1] with "
                "ids[1:])."),
    ]
    return Question(name, 3, [
        num(f"{name} sequence loss from logits", "sequence_loss_from_logits(LOGITS, IDS)", total,
            seq_mistakes(total, m, shape)),
        num(f"{name} logits shifted by +100", "sequence_loss_from_logits(LOGITS + 100, IDS)", total,
            seq_mistakes(total, m, shape) + [overflow()], hidden=True),
        num(f"{name} logits scaled by 1000", "sequence_loss_from_logits(LOGITS * 1000, IDS)",
            float(lmcore.sequence_loss(logits[:-1] * 1000, ids[1:])), [overflow()], hidden=True),
    ], forbidden=["lmcore.losses.sequence_loss", "lmcore.losses.step_losses", "lmcore.losses.sequence_log_prob"])
