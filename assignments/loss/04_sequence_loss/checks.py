"""sequence_loss_from_logits: L = sum_{i=1..m} -log softmax(logits[i-1])[x_i]; finite for huge logits."""

import torch

import lmcore
from assignments.loss.common import num, overflow, seq_mistakes
from autograder.runtime.checks import Mistake, Question


def question(p: dict, name: str) -> Question:
    logits, ids = torch.tensor(p["logits"]), p["ids"]
    m = len(ids) - 1
    total = float(lmcore.sequence_loss(logits[:-1], ids[1:]))
    # the hidden shift test runs on other inputs (x_1..x_m as the sequence), so a memorized public answer fails it
    rest = float(lmcore.sequence_loss(logits[1:-1], ids[2:]))
    return Question(name, 3, [
        num(f"{name} sequence loss from logits", "sequence_loss_from_logits(LOGITS, IDS)", total,
            seq_mistakes(total, m, _shape(logits, ids))),
        num(f"{name} logits shifted by +100", "sequence_loss_from_logits(LOGITS[1:] + 100, IDS[1:])", rest,
            seq_mistakes(rest, m - 1, _shape(logits[1:], ids[1:])) + [overflow()], hidden=True),
        num(f"{name} logits scaled by 1000", "sequence_loss_from_logits(LOGITS * 1000, IDS)",
            float(lmcore.sequence_loss(logits[:-1] * 1000, ids[1:])), [overflow()], hidden=True),
    ], forbidden=["lmcore.losses.sequence_loss", "lmcore.losses.step_losses", "lmcore.losses.sequence_log_prob"])


def _shape(logits: torch.Tensor, ids: list[int]) -> list[Mistake]:
    """The mistakes in pairing rows of the logits with tokens, for this sequence."""
    x0 = float(lmcore.sequence_loss(logits, ids))  # a term for x_0: row t paired with x_t
    shift = float(lmcore.sequence_loss(logits[1:], ids[1:]))  # off by one: row t paired with x_t for t >= 1
    return [
        Mistake("loss-term-for-x0", x0, "you included a loss term for x_0 (pairing row t of the logits with x_t). "
                "x_0 is context only: the terms are L_1..L_m, with row i−1 predicting x_i."),
        Mistake("off-by-one", shift, "off-by-one shift: row i−1 of the logits predicts x_i (use logits[:-1] with "
                "ids[1:])."),
    ]
