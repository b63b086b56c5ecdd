"""cross_entropy: H(p, q) = -sum_k p_k log q_k; with a one-hot p it is the step loss -log q[x]."""

import torch

import lmcore
from assignments.loss.common import num, seq_mistakes
from autograder.runtime.checks import Question


def question(p: dict, name: str) -> Question:
    logits, ids, V = torch.tensor(p["logits"]), p["ids"], len(p["vocab"])
    q = torch.softmax(logits[0].double(), -1)
    soft = torch.softmax(logits[1].double() / 2, -1)
    target = lmcore.one_hot(ids[1], V)  # computed here: the probe gets it as data, not from lmcore
    one_hot = float(lmcore.cross_entropy(target.double(), q))
    soft_ce = float(lmcore.cross_entropy(soft, q))
    return Question(name, 2, [
        num(f"{name} one-hot target", f"cross_entropy(torch.tensor({target.tolist()!r}), torch.softmax(LOGITS[0], -1))",
            one_hot, seq_mistakes(float(-torch.log(q[ids[1]])), 1)[1:]),
        num(f"{name} soft target", "cross_entropy(torch.softmax(LOGITS[1] / 2, -1), torch.softmax(LOGITS[0], -1))",
            soft_ce, seq_mistakes(soft_ce, 1)[1:], hidden=True),
    ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses"])
